#!/bin/sh
# Decode the good test files and make sure the bad ones are refused.
set -e
srcdir=${srcdir:-.}
for f in "$srcdir"/files/good-*.xz; do
	xz -dc "$f" > /dev/null
done
for f in "$srcdir"/files/bad-*.xz; do
	if xz -dc "$f" > /dev/null 2>&1; then
		echo "$f decoded but should not" >&2
		exit 1
	fi
done
