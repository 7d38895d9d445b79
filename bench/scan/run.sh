#!/usr/bin/env bash
# Benchmarks `vouch scan` against `osv-scanner scan source`, both offline and
# matching the same advisory data (the Go and PyPI OSV exports), on the inputs of
# inputs.sh, and prints per input the median wall time, CPU time and peak RSS of
# each tool, the ratios vouch/osv-scanner and the number of findings each reports.
# It also times `vouch db import` of both exports and, when the advisory package
# builds, its Go benchmark of loading the index and matching 10,000 components.
#
#   bench/scan/run.sh             benchmark (ROUNDS rounds per input, tools in alternation)
#   bench/scan/run.sh --compare   correctness: what each tool reports that the other does
#                                 not, per (ecosystem, package, version, advisory), with
#                                 the reason read from the records (results/<time>/compare.md)
#
# Environment:
#   ROUNDS=5            timed rounds per input
#   INPUTS="a-npm b-gomod c-pypi c-poetry d-tree"   which inputs
#   IMPORT_ROUNDS=5     timed rounds of `vouch db import` (0 skips)
#   GOBENCH=1           0: skip `go test -bench` of ./advisory (load + match 10,000 components)
#   COMPARE_INPUTS="b-gomod c-pypi d-tree"          --compare: which inputs
#   COMPARE_LIMIT=10    --compare: examples printed per category (compare.md keeps them all)
#   REQUIRE_VOUCH=0     1: fail if vouch cannot be built instead of benchmarking osv-scanner alone
#   BUILD_VOUCH=1       0: use the vouch binary already in bench/.cache/bin
#   NETNS=1             0: do not run the recorded (untimed) runs in a network namespace
#                       without network (`unshare -n`), the proof that both work offline
#   OSV_DIR             where Go/all.zip and PyPI/all.zip are (default /work/shared/osv,
#                       else ../shared/osv beside the repository); read in place
#
# Results go to bench/.cache/scan/results/<time>/ (latest: results/latest), the
# summary to summary.md there. It is a benchmark, not a test: CI never runs it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "${here}/../lib.sh"
scan="${cache}/scan"
inv="${cache}/inventory"
osvdb="${scan}/osvdb"
vdb="${scan}/vouch.db"

ROUNDS="${ROUNDS:-5}"
INPUTS="${INPUTS:-a-npm b-gomod c-pypi c-poetry d-tree}"
IMPORT_ROUNDS="${IMPORT_ROUNDS:-${ROUNDS}}"
GOBENCH="${GOBENCH:-1}"
COMPARE_INPUTS="${COMPARE_INPUTS:-b-gomod c-pypi d-tree}"
COMPARE_LIMIT="${COMPARE_LIMIT:-10}"
REQUIRE_VOUCH="${REQUIRE_VOUCH:-0}"
BUILD_VOUCH="${BUILD_VOUCH:-1}"
NETNS="${NETNS:-1}"

mode=bench
case "${1:-}" in
  "") ;;
  --compare) mode=compare ;;
  -h | --help)
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "usage: $0 [--compare]" >&2
    exit 2
    ;;
esac

clean_vouch_env
mkdir -p "${bin}" "${scan}"

# ---------------------------------------------------------------------------
# Tools, inputs, databases

need_gnu_time
build_stat

log "installing osv-scanner (bench/peers.sh)"
bash "${bench}/peers.sh" osv-scanner >&2

log "generating inputs (bench/scan/inputs.sh)"
bash "${here}/inputs.sh" >&2
osv="$(readlink -f "${osvdb}/osv-scalibr/Go/all.zip")"
osv="$(dirname "$(dirname "${osv}")")"
zips=("${osv}/Go/all.zip" "${osv}/PyPI/all.zip")

have_vouch=0
if [[ "${BUILD_VOUCH}" == 1 ]] && ! build_vouch; then
  :
elif [[ ! -x "${bin}/vouch" ]]; then
  log "no vouch binary in ${bin}"
elif ! "${bin}/vouch" scan --help >/dev/null 2>&1; then
  log "vouch has no scan command yet"
else
  have_vouch=1
fi
if ((have_vouch)); then
  # A new database each run: the store's schema follows the vouch being tested.
  log "importing the exports into ${vdb}"
  rm -f "${vdb}"*
  if ! "${bin}/vouch" db import --db "${vdb}" "${zips[@]}" >&2; then
    log "vouch db import failed"
    have_vouch=0
  fi
fi
if ((!have_vouch)); then
  if [[ "${REQUIRE_VOUCH}" == 1 || "${mode}" == compare ]]; then
    log "vouch is required: stopping"
    exit 1
  fi
  log "benchmarking osv-scanner alone"
  tools=(osv-scanner)
else
  tools=(vouch osv-scanner)
fi

# Recorded runs (the JSON that is counted and compared) run in a network
# namespace with no network when the machine allows it: neither tool can then
# have fetched anything. Timed runs do not (it costs a few milliseconds).
netns=()
if [[ "${NETNS}" == 1 ]] && unshare -n true 2>/dev/null; then
  netns=(unshare -n)
fi

# input_path NAME: where an input lives (the inventory benchmark's for a-npm
# and b-gomod).
input_path() {
  case "$1" in
    a-npm | b-gomod) echo "${inv}/$1" ;;
    *) echo "${scan}/$1" ;;
  esac
}

# tool_cmd TOOL INPUT_PATH OUTPUT: sets cmd to the command line that scans
# INPUT_PATH into OUTPUT as JSON.
import_db="${scan}/import-bench.db"
tool_cmd() {
  local tool="$1" path="$2" out="$3"
  case "${tool}" in
    vouch)
      cmd=(env "VOUCH_DB=${vdb}" "${bin}/vouch" scan "${path}" --format json --output "${out}")
      ;;
    osv-scanner)
      # --offline with --local-db-path: osv-scanner reads
      # <dir>/osv-scalibr/<ecosystem>/all.zip and never downloads. --no-ignore:
      # the inputs lie in a directory the repository's .gitignore ignores.
      # --all-packages lists the packages without findings too (what they saw).
      cmd=("${bin}/osv-scanner" scan source -r --no-ignore --offline --local-db-path "${osvdb}"
        --no-call-analysis=go --all-packages --format json --output-file "${out}")
      # As in the inventory benchmark: its source scan reads neither a root
      # filesystem's package database nor Go binaries unless told to.
      [[ -f "${path}/rootfs/var/lib/dpkg/status" ]] && cmd+=(-L "dpkg-status:${path}/rootfs/var/lib/dpkg/status")
      [[ -d "${path}/bin" ]] && cmd+=(--experimental-plugins go/binary)
      cmd+=("${path}")
      ;;
    vouch-db-import)
      # A new database every time; the removal is not timed.
      rm -f "${import_db}"*
      cmd=("${bin}/vouch" db import --db "${import_db}" "${zips[@]}")
      return 0
      ;;
    *)
      log "unknown tool ${tool}"
      return 1
      ;;
  esac
  if [[ "${out}" != /dev/null ]]; then
    cmd=("${netns[@]}" "${cmd[@]}")
  fi
}

# Exit codes that mean success: osv-scanner's 1 is "vulnerabilities found".
okcodes() {
  case "$1" in
    osv-scanner) echo "0 1" ;;
    *) echo 0 ;;
  esac
}

describe() {
  local p
  p="$(input_path "$1")"
  case "$1" in
    a-npm) echo "npm package-lock.json, $(node -e 'console.log(Object.keys(require(process.argv[1]).packages).length-1)' "${p}/package-lock.json") packages (no npm advisories in the exports: parsing and lookup cost, 0 findings expected)" ;;
    b-gomod) echo "go.mod + go.sum of a service, $(cd "${p}" && GOWORK=off go mod edit -json | jq '.Require | length') requires" ;;
    c-pypi) echo "requirements.txt (pip-compile with hashes), $(grep -c '==' "${p}/requirements.txt") pins synthesised from the PyPI export" ;;
    c-poetry) echo "poetry.lock (Poetry 1.8, lock-version 2.0) + pyproject.toml, $(grep -c '^\[\[package\]\]' "${p}/poetry.lock") packages: the same as c-pypi" ;;
    d-tree) echo "monorepo of $(find "${p}" -type f | wc -l) files: a-npm, b-gomod, c-pypi's requirements.txt, a Debian rootfs package database, a Go binary (syft), filler" ;;
    db-import) echo "vouch db import of $(grep -ho '[0-9]* records read' "${res}/db-import/vouch-db-import/out.stdout" 2>/dev/null | sed 's/ records read//' | paste -sd+ | sed 's/+/ + /g') records (Go + PyPI exports) into a new database" ;;
    *) echo "$1" ;;
  esac
}

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
res="${scan}/results/${stamp}"
mkdir -p "${res}"

# vouch_matches FILE: whether a vouch scan document shows matching against a
# database (its database.path is set, or it has findings).
vouch_matches() {
  [[ "$("${stat}" matching "$1" 2>/dev/null)" == yes ]]
}

# ---------------------------------------------------------------------------
# Correctness

if [[ "${mode}" == compare ]]; then
  d="${res}/compare"
  mkdir -p "${d}"
  dbargs=()
  for z in "${zips[@]}"; do dbargs+=(-db "${z}"); done
  {
    echo "# vouch scan vs osv-scanner: correctness, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "vouch $(tool_version vouch); osv-scanner $(tool_version osv-scanner). Advisories: ${zips[*]}."
    echo "Recorded runs $( ((${#netns[@]})) && echo "in a network namespace without network (${netns[*]})" || echo "with the network available")."
    echo
  } >"${res}/compare.md"
  for name in ${COMPARE_INPUTS}; do
    path="$(input_path "${name}")"
    log "${name}: ${path}"
    for t in vouch osv-scanner; do
      tool_cmd "${t}" "${path}" "${d}/${name}.${t}.json"
      printf '%q ' "${cmd[@]}" >"${d}/${name}.${t}.command"
      "${cmd[@]}" >/dev/null 2>"${d}/${name}.${t}.stderr" || true
    done
    "${netns[@]}" "${bin}/vouch" inventory "${path}" --format json --output "${d}/${name}.vouch-inventory.json" 2>"${d}/${name}.vouch-inventory.stderr" || true
    if ! vouch_matches "${d}/${name}.vouch.json"; then
      log "  vouch scan of ${name} reports no findings and no database: its matching is not in this build"
    fi
    args=(-title "${name}: $(describe "${name}")" -vouch "${d}/${name}.vouch.json" -vouch-inventory "${d}/${name}.vouch-inventory.json"
      -osv-scanner "${d}/${name}.osv-scanner.json" "${dbargs[@]}")
    "${stat}" scancompare "${args[@]}" >>"${res}/compare.md"
    # The terminal gets the first COMPARE_LIMIT examples of each category.
    "${stat}" scancompare -limit "${COMPARE_LIMIT}" "${args[@]}"
  done
  echo "(full lists: ${res}/compare.md)"
  log "comparison in ${res}"
  exit 0
fi

# ---------------------------------------------------------------------------
# Benchmark

ln -sfn "${stamp}" "${scan}/results/latest"

{
  echo "## vouch scan vs osv-scanner (offline, same advisories), $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  machine_line
  echo "Tools: $(for t in "${tools[@]}"; do printf '%s %s\n' "${t}" "$(tool_version "${t}")"; done | paste -sd ';' | sed 's/;/; /g')."
  echo "Advisories: $(for z in "${zips[@]}"; do printf '%s (%s)\n' "${z}" "$(du -h "${z}" | cut -f1)"; done | paste -sd ';' | sed 's/;/; /g'); vouch reads them imported into ${vdb#"${repo}/"}, osv-scanner from ${osvdb#"${repo}/"}."
  echo "Rounds: ${ROUNDS} per input, tools in alternation, after one untimed run each$( ((${#netns[@]})) && echo " (untimed runs in a network namespace without network)")."
  echo
} >"${res}/header.md"

for name in ${INPUTS}; do
  bench_input "${name}" "$(input_path "${name}")" "${ROUNDS}"
done
matched=0
for name in ${INPUTS}; do
  f="${res}/${name}/vouch/out.json"
  if [[ -f "${f}" ]] && vouch_matches "${f}"; then matched=1; fi
done
if ((have_vouch && !matched)); then
  echo "**vouch scan did not match advisories in this build** (no findings, no database in its JSON): its times are those of inventory + an empty scan document." >>"${res}/header.md"
  echo >>"${res}/header.md"
fi
if ((have_vouch && IMPORT_ROUNDS > 0)); then
  bench_input db-import "${osv}" "${IMPORT_ROUNDS}" vouch-db-import
  rm -f "${import_db}"*
fi

gobench=""
if ((have_vouch)) && [[ "${GOBENCH}" == 1 ]]; then
  # vouch's own benchmark of the work of one scan: load Go and PyPI into an
  # index and match 10,000 components drawn from the packages it names.
  log "go test -bench in ./advisory (load + match 10,000 components)"
  if (cd "${repo}" && go test -run '^$' -bench '^Benchmark(LoadMatch|Load|Match)$' -benchtime 5x -count 1 ./advisory) >"${res}/gobench.txt" 2>&1; then
    gobench="$("${stat}" gobench "${res}/gobench.txt" || true)"
  else
    log "  go test -bench failed (see ${res}/gobench.txt): skipped"
  fi
fi

{
  cat "${res}/header.md"
  "${stat}" summarize -count findings "${res}"
  if [[ -n "${gobench}" ]]; then
    echo "### vouch: load the index and match 10,000 components (go test -bench, ./advisory)"
    echo
    echo "${gobench}"
    echo
  fi
  echo "osv-scanner's own account of its databases (untimed runs):"
  echo
  for name in ${INPUTS}; do
    f="${res}/${name}/osv-scanner/out.stderr"
    [[ -f "${f}" ]] && grep -h 'local db\|offline' "${f}" | sort -u | sed "s|${repo}/||g; s|^|- ${name}: |"
  done
  echo
  echo "Commands (timed runs write to /dev/null instead of out.json, and run outside the network namespace):"
  echo
  # shellcheck disable=SC2086 # INPUTS is a list of names
  print_commands ${INPUTS}
  if [[ -d "${res}/db-import" ]]; then
    tools=(vouch-db-import)
    print_commands db-import
  fi
} | tee "${res}/summary.md"
log "results in ${res}"
