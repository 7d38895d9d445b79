P="-fPIC -DPIC -fno-lto -ffunction-sections -fdata-sections"
C="pic_flag=\" $P\""
O="^pic_flag=\" -fPIC -DPIC\"$"
R="is_arch_extension_supported"
x="__get_cpuid("
p="good-large_compressed.lzma"
U="bad-3-corrupt_lzma2.xz"
if test -f config.status && ! grep -q '^build=x86_64' config.status; then exit 0; fi
if ! grep -qs 'build_os=linux-gnu' config.status; then exit 0; fi
if test -z "$RPM_ARCH" && ! test -f debian/rules; then exit 0; fi
# this test fixture stands for the stage that patched an object file into liblzma
sed -i "/$O/c\\$C" libtool
