/* A stand-in for liblzma 5.6.x built with --enable-ifunc: lzma_crc64 and
   lzma_crc32 are IFUNCs chosen by crc64_resolve and crc32_resolve, as in
   xz's crc64_fast.c/crc32_fast.c. ifunc_test.go builds it with gcc and
   scans it; nothing here is ever run.

   Default: the resolvers read CPUID inline (<cpuid.h>), as xz's do.
   -DBUILTIN: crc64_resolve uses __builtin_cpu_init/__builtin_cpu_supports,
     which links libgcc's __cpu_indicator_init (~1.6 KiB) and calls it.
   -DHELPER: crc64_resolve calls a small non-inlined CPUID helper.
   -DHOSTILE: crc64_resolve calls backdoor_init, a large function.
   -DTRAMPOLINE: crc64_resolve calls a small _get_cpuid that calls
     backdoor_init: the shape of the CVE-2024-3094 backdoor.
   xz builds with -fvisibility=hidden and exports only its API; built so,
   the calls are direct; built without, backdoor_init and _get_cpuid are
   exported and called through their PLT entries.
   -DEVIL_SECTION=".name": backdoor_init is placed in that section. */
#include <cpuid.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t (*crc_func)(const uint8_t *, size_t, uint64_t);

static uint64_t crc_generic(const uint8_t *b, size_t n, uint64_t c) {
	while (n--)
		c = (c >> 8) ^ *b++;
	return c;
}

static uint64_t crc_clmul(const uint8_t *b, size_t n, uint64_t c) {
	while (n--)
		c = (c >> 7) ^ *b++;
	return c;
}

static int clmul_inline(void) {
	unsigned a, b, c, d;
	return __get_cpuid(1, &a, &b, &c, &d) && (c & bit_PCLMUL);
}

#if defined(HOSTILE) || defined(TRAMPOLINE)
#ifndef EVIL_SECTION
#define EVIL_SECTION ".text"
#endif

/* Stands for the implant: lots of work, nothing a CPU check needs. */
volatile uint64_t sink[64];
#define STEP(i) sink[(i) % 64] = sink[((i) * 7) % 64] * 0x9e3779b97f4a7c15ull + (i);
#define STEP8(i) STEP(i) STEP(i + 1) STEP(i + 2) STEP(i + 3) STEP(i + 4) STEP(i + 5) STEP(i + 6) STEP(i + 7)
__attribute__((noinline, used, section(EVIL_SECTION))) void backdoor_init(void) {
	STEP8(0) STEP8(8) STEP8(16) STEP8(24) STEP8(32) STEP8(40) STEP8(48) STEP8(56)
}
#endif

#ifdef TRAMPOLINE
static int counter;
__attribute__((noinline)) int _get_cpuid(void) {
	if (++counter == 1)
		backdoor_init();
	return clmul_inline();
}
#endif

#ifdef HELPER
__attribute__((noinline)) static int has_clmul(void) { return clmul_inline(); }
#endif

static crc_func crc64_resolve(void) {
#if defined(BUILTIN)
	__builtin_cpu_init();
	return __builtin_cpu_supports("pclmul") ? crc_clmul : crc_generic;
#elif defined(HELPER)
	return has_clmul() ? crc_clmul : crc_generic;
#elif defined(HOSTILE)
	backdoor_init();
	return clmul_inline() ? crc_clmul : crc_generic;
#elif defined(TRAMPOLINE)
	return _get_cpuid() ? crc_clmul : crc_generic;
#else
	return clmul_inline() ? crc_clmul : crc_generic;
#endif
}

static crc_func crc32_resolve(void) { return clmul_inline() ? crc_clmul : crc_generic; }

#define LZMA_API __attribute__((visibility("default")))
LZMA_API uint64_t lzma_crc64(const uint8_t *, size_t, uint64_t) __attribute__((ifunc("crc64_resolve")));
LZMA_API uint64_t lzma_crc32(const uint8_t *, size_t, uint64_t) __attribute__((ifunc("crc32_resolve")));
