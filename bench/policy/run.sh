#!/usr/bin/env bash
# Benchmarks the policy gate: what `vouch scan` with a policy costs over the
# same scan without one, with the release-time cache warm; and how long a
# cold fill of that cache takes from a registry that answers in -delay
# (bench/cmd/fakeregistry over loopback, which also counts the requests it
# had in flight at once: the client's bound). Two inputs:
#
#   a-npm     the inventory benchmark's npm project (2,888 lockfile entries)
#             with no advisory database: the scan is the walk and the
#             embedded known compromises only, the worst case for the
#             policy's share
#   c-poetry  the scan benchmark's poetry.lock (1,500 packages synthesised
#             from the PyPI OSV export) with the advisory database of the
#             scan benchmark (Go + PyPI exports): every package is matched
#             against PyPI advisories, as a real scan does
#
#   bench/policy/run.sh
#
# Environment:
#   ROUNDS=5        timed rounds per input
#   DELAY=20ms      each registry response waits this long
#   BUILD_VOUCH=1   0: use the vouch binary already in bench/.cache/bin
#   OSV_DIR         where Go/all.zip and PyPI/all.zip are, when the advisory
#                   database must be made (default /work/shared/osv, else
#                   ../shared/osv beside the repository)
#
# Tools in the summary: "vouch" is `vouch scan --policy` (warm cache,
# --offline), "scan-no-policy" the same scan with --no-policy, "cold-fill"
# `vouch policy check` with an empty cache. Goal: vouch/scan-no-policy under
# 1.10×. Each input has its own fake registry and release-time cache.
# Results go to bench/.cache/policy/results/<time>/. CI never runs it.
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
npm_input="${cache}/inventory/a-npm"
[[ -f "${npm_input}/package-lock.json" ]] || bash "${bench}/inventory/inputs.sh" >&2
py_input="${cache}/scan/c-poetry"
[[ -f "${py_input}/poetry.lock" ]] || bash "${bench}/scan/inputs.sh" >&2

# The advisory database of the scan benchmark (bench/scan/run.sh makes it
# anew each run, for the vouch it tests). It is used as it is when this
# vouch reads it and it holds PyPI advisories; else it is made here the
# same way.
vdb="${cache}/scan/vouch.db"
osv_dir() {
  local d
  for d in "${OSV_DIR:-}" /work/shared/osv "${repo}/../shared/osv"; do
    if [[ -n "${d}" && -f "${d}/Go/all.zip" && -f "${d}/PyPI/all.zip" ]]; then
      (cd "${d}" && pwd)
      return 0
    fi
  done
  return 1
}
if ! "${bin}/vouch" db status --db "${vdb}" 2>/dev/null | grep -q '^PyPI  *[1-9]'; then
  osv="$(osv_dir)" || {
    log "no advisory database at ${vdb} and no OSV exports (OSV_DIR, /work/shared/osv, ../shared/osv) to make it; stopping"
    exit 1
  }
  log "importing ${osv}/{Go,PyPI}/all.zip into ${vdb}"
  rm -f "${vdb}"*
  "${bin}/vouch" db import --db "${vdb}" "${osv}/Go/all.zip" "${osv}/PyPI/all.zip" >&2
fi

log "building fakeregistry"
(cd "${repo}" && go build -o "${bin}/fakeregistry" ./bench/cmd/fakeregistry)
"${bin}/vouch" policy init --output "${pol}/vouch.yaml" --force 2>/dev/null
# The release times are the point here; unused-dependency detection reads
# the project's sources, which these generated inputs do not have.
sed -i '/^unused:/,/^[a-z]/{/^unused:/d;/^  /d}' "${pol}/vouch.yaml"

# start_registry NAME MODE FILE: a fake registry serving FILE (MODE -lock
# or -poetry); its base URL is left in ${pol}/NAME.url, its pid in regpids,
# its request counts in ${pol}/NAME.stats when it is stopped.
regpids=()
trap 'for p in "${regpids[@]}"; do kill "${p}" 2>/dev/null || true; done' EXIT
start_registry() {
  local name="$1" mode="$2" file="$3"
  rm -f "${pol}/${name}.url" "${pol}/${name}.stats"
  "${bin}/fakeregistry" "${mode}" "${file}" -delay "${DELAY}" -stats "${pol}/${name}.stats" >"${pol}/${name}.url" &
  regpids+=($!)
  for _ in $(seq 50); do [[ -s "${pol}/${name}.url" ]] && break; sleep 0.1; done
  [[ -s "${pol}/${name}.url" ]] || {
    log "fake registry for ${name} did not start"
    return 1
  }
  log "fake registry for ${name} at $(head -1 "${pol}/${name}.url") (each answer waits ${DELAY})"
}
start_registry a-npm -lock "${npm_input}/package-lock.json"
start_registry c-poetry -poetry "${py_input}/poetry.lock"

# use_input NAME: points tool_cmd (reg: ECOSYSTEM=URL) and vouch
# (XDG_CACHE_HOME: the release-time cache; VOUCH_DB) at NAME's registry,
# cache and advisory database, and records them for the summary.
use_input() {
  reg="$2=$(head -1 "${pol}/$1.url")"
  export XDG_CACHE_HOME="$3" VOUCH_DB="$4"
  env_of["$1"]="XDG_CACHE_HOME=${XDG_CACHE_HOME#"${repo}/"} VOUCH_DB=${VOUCH_DB#"${repo}/"}"
}
declare -A env_of

tools=(vouch scan-no-policy cold-fill)
# shellcheck disable=SC2016 # the sh -c script takes its arguments as $1...$6
tool_cmd() {
  local tool="$1" path="$2" out="$3"
  [[ "${out}" == /dev/null ]] || out="${out%.json}.doc.json"
  case "${tool}" in
    vouch) cmd=("${bin}/vouch" scan "${path}" --policy "${pol}/vouch.yaml" --registry "${reg}" --offline --format json --output "${out}") ;;
    scan-no-policy) cmd=("${bin}/vouch" scan "${path}" --no-policy --format json --output "${out}") ;;
    cold-fill) cmd=(sh -c 'rm -rf "$1/vouch/registry.db"* && exec "$2" policy check "$3" --policy "$4" --registry "$5" --format json --output "$6"' \
      cold "${XDG_CACHE_HOME}" "${bin}/vouch" "${path}" "${pol}/vouch.yaml" "${reg}" "${out}") ;;
  esac
}
# The gate fails (exit 1): the policy finds violations in both inputs.
okcodes() { echo "0 1"; }
tool_version() { cat "${bin}/.vouch.version" 2>/dev/null || echo unknown; }
# describe NAME: also what the recorded scan with the policy found, so that
# the table shows the work was done (findings matched, release ages known).
describe() {
  local doc="${res}/$1/vouch/out.doc.json" found=""
  if [[ -f "${doc}" ]]; then
    found="$(jq -r '"\(.findings | length) findings, \(.policy.summary.violations) violations (\(.policy.summary.violations_by_rule | to_entries | map("\(.key) \(.value)") | join(", ")))"' "${doc}" 2>/dev/null || echo "unreadable scan document")"
    found="; vouch scan --policy: ${found}"
  fi
  case "$1" in
    a-npm) echo "worst case: no advisory database. npm package-lock.json, 2,888 entries; registry delay ${DELAY}${found}" ;;
    c-poetry) echo "with the PyPI advisory database. poetry.lock, $(grep -c '^\[\[package\]\]' "${py_input}/poetry.lock") packages synthesised from the PyPI OSV export, matched against ${VOUCH_DB#"${repo}/"} ($("${bin}/vouch" db status --db "${VOUCH_DB}" 2>/dev/null | awk '$1 == "PyPI" {print $2}') PyPI records); registry delay ${DELAY}${found}" ;;
  esac
}

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
res="${pol}/results/${stamp}"
mkdir -p "${res}"

# Each input: fill its cache once before the timed rounds of the warm gate.
use_input a-npm npm "${pol}/xdg" "${pol}/none.db"
"${bin}/vouch" policy check "${npm_input}" --policy "${pol}/vouch.yaml" --registry "${reg}" --format json --output /dev/null || true
bench_input a-npm "${npm_input}" "${ROUNDS}"

use_input c-poetry PyPI "${pol}/xdg-pypi" "${vdb}"
"${bin}/vouch" policy check "${py_input}" --policy "${pol}/vouch.yaml" --registry "${reg}" --format json --output /dev/null || true
bench_input c-poetry "${py_input}" "${ROUNDS}"
if [[ "$("${stat}" matching "${res}/c-poetry/vouch/out.doc.json" 2>/dev/null)" != yes ]]; then
  log "  c-poetry: the scan shows no matching against ${vdb}: see ${res}/c-poetry/vouch/out.stderr"
fi

ln -sfn "${stamp}" "${pol}/results/latest"
for p in "${regpids[@]}"; do kill -TERM "${p}" 2>/dev/null || true; done
for p in "${regpids[@]}"; do wait "${p}" 2>/dev/null || true; done
{
  echo "## policy gate: vouch scan with and without a policy (warm cache), and a cold fill"
  echo
  machine_line
  echo
  "${stat}" summarize -count findings "${res}" | sed 's/| findings |/| |/'
  echo "Registry requests over the whole run, and the most in flight at once:"
  echo
  for name in a-npm c-poetry; do
    echo "- ${name}: $(cat "${pol}/${name}.stats" 2>/dev/null)"
  done
  echo
  echo "Commands (environment: $(for name in a-npm c-poetry; do printf '%s: %s\n' "${name}" "${env_of[${name}]}"; done | paste -sd ';' | sed 's/;/; /g')):"
  echo
  print_commands a-npm c-poetry
} | tee "${res}/summary.md"
