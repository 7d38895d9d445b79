/* A library that uses IFUNC the way glibc does: forty functions, each with
   a resolver reading CPUID inline. ifunc_test.go builds it with gcc, under
   ordinary and hostile names, and scans it; nothing here is ever run.

   -DOUTSIDE_TEXT: one resolver sits in a section of its own.
   -DFOREIGN: one IFUNC is named RSA_public_decrypt, libcrypto's function
     the CVE-2024-3094 backdoor replaced in sshd, and its resolver calls
     dlsym. */
#include <cpuid.h>
#include <dlfcn.h>

typedef int (*impl)(int);

static int fast(int x) { return x * 2; }
static int slow(int x) { return x + x; }

static int has_sse42(void) {
	unsigned a, b, c, d;
	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
}

#define IFUNC(name)                                                          \
	static impl name##_resolve(void) { return has_sse42() ? fast : slow; } \
	int name(int) __attribute__((ifunc(#name "_resolve")));
#define IFUNC8(p) IFUNC(p##0) IFUNC(p##1) IFUNC(p##2) IFUNC(p##3) IFUNC(p##4) IFUNC(p##5) IFUNC(p##6) IFUNC(p##7)

IFUNC8(foo_mem) IFUNC8(foo_str) IFUNC8(foo_wcs) IFUNC8(foo_math) IFUNC8(foo_vec)

#ifdef OUTSIDE_TEXT
__attribute__((section(".text_resolvers"))) static impl early_resolve(void) { return has_sse42() ? fast : slow; }
int foo_early(int) __attribute__((ifunc("early_resolve")));
#endif

#ifdef FOREIGN
typedef int (*rsa_fn)(int, const unsigned char *, unsigned char *, void *, int);
static int hooked(int n, const unsigned char *f, unsigned char *t, void *r, int p) { return n + (f != t) + (r != 0) + p; }
static rsa_fn rsa_resolve(void) {
	/* What a hook would do: find the real one to wrap. */
	return dlsym(RTLD_NEXT, "RSA_public_decrypt") ? hooked : hooked;
}
int RSA_public_decrypt(int, const unsigned char *, unsigned char *, void *, int) __attribute__((ifunc("rsa_resolve")));
#endif
