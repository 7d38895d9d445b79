/* An i386 library whose only IFUNC is internal, so the linker leaves an
   anonymous R_386_IRELATIVE relocation in a REL section, with the resolver's
   address stored in the GOT slot instead of an addend. Source of
   i386-irelative.so: gcc -m32 -shared -fPIC -Os -nostdlib -s (see
   ifunc_test.go for the full command). Never run. */
typedef int (*impl)(int);

static int fast(int x) { return x * 2; }
static int slow(int x) { return x + x; }

static impl pick_resolve(void) {
	unsigned a = 1, b, c, d;
	__asm__("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
	return (c & 2) ? fast : slow;
}

static int pick(int) __attribute__((ifunc("pick_resolve")));

int twice(int x) { return pick(x); }
