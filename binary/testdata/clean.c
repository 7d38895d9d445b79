/* An ordinary program without the backdoor's bytes. */
#include <stdio.h>

int main(int argc, char **argv) {
	printf("%d %s\n", argc, argv[0]);
	return 0;
}
