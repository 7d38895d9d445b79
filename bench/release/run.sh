#!/usr/bin/env bash
# Benchmarks `vouch release diff` against the manual way a reviewer compares a
# release with its tag (`tar -xf` + `git archive | tar -x` + `diff -r`), and
# against the floor: decompressing the tarball and hashing the stream
# (`gzip -dc | sha1sum`), which any comparison must at least do. Inputs come
# from inputs.sh: a-5k (5,000 files) and b-100m (a ~100 MB tarball).
# Prints per input the median wall time, CPU time and peak RSS of each tool
# and the ratios vouch/peer.
#
#   bench/release/run.sh
#
# Environment:
#   ROUNDS=5          timed rounds per input
#   INPUTS="a-5k b-100m"
#   BUILD_VOUCH=1     0: use the vouch binary already in bench/.cache/bin
#
# Results go to bench/.cache/release/results/<time>/ (latest: results/latest).
# A benchmark, not a test: CI never runs it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "${here}/../lib.sh"
log_prefix=release
rel="${cache}/release"
ROUNDS="${ROUNDS:-5}"
INPUTS="${INPUTS:-a-5k b-100m}"
BUILD_VOUCH="${BUILD_VOUCH:-1}"

case "${1:-}" in
  "") ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: $0" >&2
    exit 2
    ;;
esac

clean_vouch_env
mkdir -p "${bin}" "${rel}"
need_gnu_time
build_stat
[[ "${BUILD_VOUCH}" == 0 ]] || build_vouch
bash "${here}/inputs.sh" >&2

# The manual way, as a script so that time(1) measures all of it.
manual="${rel}/manual.sh"
cat >"${manual}" <<'SH'
#!/bin/sh
# manual.sh TARBALL REPO TAG: extract both sides and diff them.
set -e
t="$(mktemp -d)"
trap 'rm -rf "$t"' EXIT
mkdir "$t/tar" "$t/git"
tar -xf "$1" -C "$t/tar" --strip-components=1
git -C "$2" archive "$3" | tar -x -C "$t/git"
diff -r -q "$t/tar" "$t/git" >"$t/diff" || true
wc -l <"$t/diff"
SH
chmod +x "${manual}"

tools=(vouch manual raw)
tool_cmd() {
  local tool="$1" path="$2" out="$3"
  case "${tool}" in
    vouch)
      # The report goes to release.json: out.json would be counted as components.
      [[ "${out}" == /dev/null ]] || out="${out%.json}.release.json"
      cmd=("${bin}/vouch" release diff "${path}/tinyz-1.0.0.tar.gz" --git "${path}/repo" --ref v1.0.0
        --format json --output "${out}")
      ;;
    manual) cmd=("${manual}" "${path}/tinyz-1.0.0.tar.gz" "${path}/repo" v1.0.0) ;;
    raw) cmd=(sh -c 'gzip -dc "$1" | sha1sum' raw "${path}/tinyz-1.0.0.tar.gz") ;;
  esac
}
okcodes() { echo 0; }
# The peers here are system tools, not Go modules: their versions come from themselves.
tool_version() {
  case "$1" in
    vouch) cat "${bin}/.vouch.version" 2>/dev/null || echo unknown ;;
    manual) echo "(tar $(tar --version | head -1 | awk '{print $NF}'), git $(git --version | awk '{print $3}'), diff $(diff --version | head -1 | awk '{print $NF}'))" ;;
    raw) echo "(gzip $(gzip --version | head -1 | awk '{print $NF}') + sha1sum)" ;;
  esac
}
describe() { cat "${rel}/$1/desc"; }

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
res="${rel}/results/${stamp}"
mkdir -p "${res}"
for name in ${INPUTS}; do
  bench_input "${name}" "${rel}/${name}" "${ROUNDS}"
done
ln -sfn "${stamp}" "${rel}/results/latest"
{
  echo "## vouch release diff vs tar + git archive + diff -r, and vs decompress-and-hash"
  echo
  machine_line
  echo
  "${stat}" summarize -count findings "${res}" | sed 's/| findings |/| |/'
  echo "Commands:"
  echo
  print_commands ${INPUTS}
} | tee "${res}/summary.md"
