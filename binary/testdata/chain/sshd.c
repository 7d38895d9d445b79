/* A stand-in for sshd: it links libsystemd, never liblzma directly. */
int sd_notify(int x);

int main(int argc, char **argv) { return sd_notify(argc); }
