/* A stand-in for libsystemd: it links liblzma, as libsystemd did. */
int lzma_code(int x);

int sd_notify(int x) { return lzma_code(x); }
