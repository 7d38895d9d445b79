#!/usr/bin/env bash
# Benchmarks the policy gate: what `vouch scan` with a policy costs over the
# same scan without one, on the inventory benchmark's npm project (a-npm,
# 2,888 lockfile entries), with the release-time cache warm; and how long a
# cold fill of that cache takes from a registry that answers in -delay
# (bench/cmd/fakeregistry over loopback, which also counts the requests it
# had in flight at once: the client's bound).
#
#   bench/policy/run.sh
#
# Environment:
#   ROUNDS=5        timed rounds
#   DELAY=20ms      each registry response waits this long
#   BUILD_VOUCH=1   0: use the vouch binary already in bench/.cache/bin
#
# Tools in the summary: "vouch" is `vouch scan --policy` (warm cache,
# --offline), "scan-no-policy" the same scan with --no-policy, "cold-fill"
# `vouch policy check` with an empty cache. Goal: vouch/scan-no-policy under
# 1.10×. Results go to bench/.cache/policy/results/<time>/. CI never runs it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "${here}/../lib.sh"
log_prefix=policy
pol="${cache}/policy"
ROUNDS="${ROUNDS:-5}"
DELAY="${DELAY:-20ms}"
BUILD_VOUCH="${BUILD_VOUCH:-1}"

clean_vouch_env
mkdir -p "${bin}" "${pol}"
need_gnu_time
build_stat
[[ "${BUILD_VOUCH}" == 0 ]] || build_vouch
input="${cache}/inventory/a-npm"
[[ -f "${input}/package-lock.json" ]] || bash "${bench}/inventory/inputs.sh" >&2

log "building fakeregistry"
(cd "${repo}" && go build -o "${bin}/fakeregistry" ./bench/cmd/fakeregistry)
"${bin}/vouch" policy init --output "${pol}/vouch.yaml" --force 2>/dev/null
# The release times are the point here; unused-dependency detection reads
# the project's sources, which this generated input does not have.
sed -i '/^unused:/,/^[a-z]/{/^unused:/d;/^  /d}' "${pol}/vouch.yaml"

stats="${pol}/registry.stats"
"${bin}/fakeregistry" -lock "${input}/package-lock.json" -delay "${DELAY}" -stats "${stats}" >"${pol}/registry.url" &
regpid=$!
trap 'kill "${regpid}" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [[ -s "${pol}/registry.url" ]] && break; sleep 0.1; done
url="$(head -1 "${pol}/registry.url")"
log "fake registry at ${url} (each answer waits ${DELAY})"
export XDG_CACHE_HOME="${pol}/xdg"
export VOUCH_DB="${pol}/none.db"

tools=(vouch scan-no-policy cold-fill)
tool_cmd() {
  local tool="$1" path="$2" out="$3"
  [[ "${out}" == /dev/null ]] || out="${out%.json}.doc.json"
  case "${tool}" in
    vouch) cmd=("${bin}/vouch" scan "${path}" --policy "${pol}/vouch.yaml" --registry "npm=${url}" --offline --format json --output "${out}") ;;
    scan-no-policy) cmd=("${bin}/vouch" scan "${path}" --no-policy --format json --output "${out}") ;;
    cold-fill) cmd=(sh -c 'rm -rf "$1/vouch/registry.db"* && exec "$2" policy check "$3" --policy "$4" --registry "npm=$5" --format json --output "$6"' \
      cold "${XDG_CACHE_HOME}" "${bin}/vouch" "${path}" "${pol}/vouch.yaml" "${url}" "${out}") ;;
  esac
}
# The gate fails (exit 1): the policy finds violations in this input.
okcodes() { echo "0 1"; }
tool_version() { cat "${bin}/.vouch.version" 2>/dev/null || echo unknown; }
describe() { echo "npm package-lock.json, 2,888 entries; registry delay ${DELAY}"; }

# Fill the cache once before the timed rounds of the warm gate.
"${bin}/vouch" policy check "${input}" --policy "${pol}/vouch.yaml" --registry "npm=${url}" --format json --output /dev/null || true

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
res="${pol}/results/${stamp}"
mkdir -p "${res}"
bench_input a-npm "${input}" "${ROUNDS}"
ln -sfn "${stamp}" "${pol}/results/latest"
kill -TERM "${regpid}"
wait "${regpid}" 2>/dev/null || true
{
  echo "## policy gate: vouch scan with and without a policy (warm cache), and a cold fill"
  echo
  machine_line
  echo
  "${stat}" summarize -count findings "${res}" | sed 's/| findings |/| |/'
  echo "Registry requests over the whole run, and the most in flight at once: $(cat "${stats}" 2>/dev/null)"
  echo
  echo "Commands:"
  echo
  print_commands a-npm
} | tee "${res}/summary.md"
