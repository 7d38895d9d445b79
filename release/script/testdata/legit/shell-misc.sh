#!/bin/sh
# Legitimate shell seen in the wild that looks alarming to naive rules.
# bzmore: decompress into a pager held in a variable.
bzip2 -cdfq "$FILE" | eval $more
# Random numbers from /dev/urandom inside arithmetic expansion.
RANDOM=$(( $(dd if=/dev/urandom bs=2 count=1 2> /dev/null | cksum | cut -d' ' -f1) % 32767 ))
# A usage message with | in it.
echo "    $0 [alpine | busybox | all | fetch-only]"
# tail -c inside a test, inside sh -c.
git ls-files | xargs -I {} sh -c '[ -n "$(tail -c 1 "{}" 2>/dev/null)" ] && echo "{}: no newline"'
# Case conversion and newline maps.
upper=`echo "$name" | tr 'abcdefghijklmnopqrstuvwxyz' 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'`
flat=`echo "$list" | tr '\n' ' '`
# Package maintainer scripts look at dpkg variables.
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
# Config guessing by compiler identity.
if test "x$GCC" = xyes; then CFLAGS="$CFLAGS -Wall"; fi
# Checksums and long identifiers.
sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
