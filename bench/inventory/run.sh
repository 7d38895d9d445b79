#!/usr/bin/env bash
# Benchmarks `vouch inventory` against syft and osv-scanner on the inputs of
# inputs.sh, and prints per input the median wall time, CPU time and peak RSS
# of each tool, the ratios vouch/peer and the number of components each found.
#
#   bench/inventory/run.sh             benchmark (ROUNDS rounds per input, tools in alternation)
#   bench/inventory/run.sh --compare   list, per ecosystem, what syft and osv-scanner found
#                                      that vouch did not (and the reverse), by name@version
#
# Environment:
#   ROUNDS=5            timed rounds per input
#   STARTUP_ROUNDS=20   timed rounds on an empty directory (start-up cost); 0 to skip
#   INPUTS="a-npm b-gomod c-dpkg d-tree"   which inputs
#   TOOLS="vouch syft osv-scanner"         which tools
#   COMPARE_LIMIT=40    --compare: names printed per list (the files keep them all)
#   REQUIRE_VOUCH=0     1: fail if vouch cannot be built instead of benchmarking the peers alone
#   BUILD_VOUCH=1       0: use the vouch binary already in bench/.cache/bin (built earlier
#                       by this script), e.g. while the working tree does not build
#
# Results go to bench/.cache/inventory/results/<time>/ (latest: results/latest),
# the summary to summary.md there. It is a benchmark, not a test: CI never runs it.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="$(dirname "${here}")"
repo="$(dirname "${bench}")"
cache="${bench}/.cache"
bin="${cache}/bin"
inv="${cache}/inventory"

ROUNDS="${ROUNDS:-5}"
STARTUP_ROUNDS="${STARTUP_ROUNDS:-20}"
INPUTS="${INPUTS:-a-npm b-gomod c-dpkg d-tree}"
TOOLS="${TOOLS:-vouch syft osv-scanner}"
REQUIRE_VOUCH="${REQUIRE_VOUCH:-0}"
BUILD_VOUCH="${BUILD_VOUCH:-1}"

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

log() { printf 'run: %s\n' "$*" >&2; }

# vouch reads VOUCH_<FLAG> variables: none may leak in from the caller's shell.
while IFS= read -r v; do unset "${v}"; done < <(compgen -e | grep '^VOUCH_' || true)
# No update checks or other network use by the peers.
export SYFT_CHECK_FOR_APP_UPDATE=false
# syft leaves a package-lock.json's dev dependencies out by default; vouch and
# osv-scanner report them. The same job for all: syft includes them too.
export SYFT_JAVASCRIPT_INCLUDE_DEV_DEPENDENCIES=true

mkdir -p "${bin}" "${inv}"

# ---------------------------------------------------------------------------
# Tools

if ! /usr/bin/time -V >/dev/null 2>&1; then
  log "installing GNU time"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time
fi

log "building benchstat-lite"
stat="${bin}/benchstat-lite"
if ! (cd "${repo}" && go build -o "${stat}.new" ./bench/cmd/benchstat-lite); then
  # It needs only the standard library, but the module it lives in may be mid-edit.
  [[ -x "${stat}" ]] || exit 1
  log "using the benchstat-lite built before"
else
  mv "${stat}.new" "${stat}"
fi

log "installing peers (bench/peers.sh)"
bash "${bench}/peers.sh" >&2

# build_vouch: builds vouch from the working tree and records which commit it was.
build_vouch() {
  local rev dirty=""
  [[ -f "${repo}/cmd/vouch/main.go" ]] || {
    log "cmd/vouch/main.go does not exist yet"
    return 1
  }
  log "building vouch"
  (cd "${repo}" && go build -trimpath -o "${bin}/vouch" ./cmd/vouch) || {
    log "go build ./cmd/vouch failed"
    return 1
  }
  rev="$(git -C "${repo}" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -z "$(git -C "${repo}" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null)" ]] || dirty="+dirty"
  printf '%s%s built %s\n' "${rev}" "${dirty}" "$(date -u +%Y-%m-%dT%H:%MZ)" >"${bin}/.vouch.version"
}

have_vouch=0
if [[ " ${TOOLS} " == *" vouch "* ]]; then
  if [[ "${BUILD_VOUCH}" == 1 ]] && ! build_vouch; then
    :
  elif [[ ! -x "${bin}/vouch" ]]; then
    log "no vouch binary in ${bin}"
  elif ! "${bin}/vouch" inventory --help >/dev/null 2>&1; then
    log "vouch has no working inventory command yet"
  else
    have_vouch=1
  fi
  if ((!have_vouch)); then
    if [[ "${REQUIRE_VOUCH}" == 1 || "${mode}" == compare ]]; then
      log "vouch is required: stopping"
      exit 1
    fi
    log "benchmarking the peers alone"
    TOOLS="$(tr ' ' '\n' <<<"${TOOLS}" | grep -vx vouch | tr '\n' ' ')"
  fi
fi
read -r -a tools <<<"${TOOLS}"
((${#tools[@]} > 0)) || {
  log "no tools to run"
  exit 1
}

log "generating inputs (bench/inventory/inputs.sh)"
bash "${here}/inputs.sh" >&2

# osv-scanner matches offline against an empty database (one empty all.zip per
# ecosystem), so it never downloads one and its matching costs what loading costs.
osvdb="${cache}/osv-empty-db"
[[ -d "${osvdb}/osv-scalibr" ]] || "${stat}" emptydb "${osvdb}"

tool_version() {
  case "$1" in
    vouch) cat "${bin}/.vouch.version" 2>/dev/null || echo unknown ;;
    *) go version -m "${bin}/$1" | awk '$1 == "mod" { print $3 }' ;;
  esac
}

# tool_cmd TOOL INPUT_PATH OUTPUT: sets cmd to the command line that
# inventories INPUT_PATH as JSON into OUTPUT.
tool_cmd() {
  local tool="$1" path="$2" out="$3"
  case "${tool}" in
    vouch)
      cmd=("${bin}/vouch" inventory "${path}" --format json --output "${out}")
      ;;
    syft)
      cmd=("${bin}/syft" scan "dir:${path}" -o "json=${out}" -q)
      ;;
    osv-scanner)
      # --verbosity error is osv-scanner's -q. --no-ignore: the inputs lie in a
      # directory the repository's .gitignore ignores, and osv-scanner honours it.
      # Its source scan does not read a root filesystem's package database nor Go
      # binaries unless told to (-L dpkg-status:, --experimental-plugins go/binary).
      cmd=("${bin}/osv-scanner" scan source -r --no-ignore --offline --local-db-path "${osvdb}"
        --no-call-analysis=go --all-packages --verbosity error --format json --output-file "${out}")
      local status
      for status in "${path}/var/lib/dpkg/status" "${path}/rootfs/var/lib/dpkg/status"; do
        [[ -f "${status}" ]] && cmd+=(-L "dpkg-status:${status}")
      done
      [[ -d "${path}/bin" ]] && cmd+=(--experimental-plugins go/binary)
      cmd+=("${path}")
      ;;
    *)
      log "unknown tool ${tool}"
      return 1
      ;;
  esac
}

# Exit codes that mean success. osv-scanner: 1 is "vulnerabilities found",
# 128 "no packages found" (right for an empty directory only).
okcodes() {
  case "$1/$2" in
    osv-scanner/startup) echo "0 1 128" ;;
    osv-scanner/*) echo "0 1" ;;
    *) echo 0 ;;
  esac
}

describe() {
  case "$1" in
    a-npm) echo "npm package-lock.json of a web project, $(node -e 'console.log(Object.keys(require(process.argv[1]).packages).length-1)' "${inv}/a-npm/package-lock.json") packages" ;;
    b-gomod) echo "go.mod + go.sum of a service, $(cd "${inv}/b-gomod" && GOWORK=off go mod edit -json | jq '.Require | length') requires" ;;
    c-dpkg) echo "Debian 12 package database, $(grep -c '^Status: install ok installed' "${inv}/c-dpkg/var/lib/dpkg/status") packages" ;;
    d-tree) echo "monorepo of $(find "${inv}/d-tree" -type f | wc -l) files, $(du -sh "${inv}/d-tree" | cut -f1) (all of the above, filler, a Go binary)" ;;
    startup) echo "empty directory: start-up cost" ;;
    *) echo "$1" ;;
  esac
}

# measure DIR ROUND CMD...: one timed run.
measure() {
  local d="$1" r="$2" t0 t1 rc=0
  shift 2
  t0="$(date +%s%N)"
  /usr/bin/time -v -o "${d}/round-${r}.time" "$@" >"${d}/round-${r}.stdout" 2>"${d}/round-${r}.stderr" || rc=$?
  t1="$(date +%s%N)"
  echo "$((t1 - t0))" >"${d}/round-${r}.ns"
  echo "${rc}" >"${d}/round-${r}.rc"
  if [[ " $(cat "${d}/okcodes") " != *" ${rc} "* ]]; then
    log "  $(basename "${d}") round ${r}: exit ${rc}; see ${d}/round-${r}.stderr"
  fi
}

# bench_input NAME PATH ROUNDS: an untimed run per tool (which warms the page
# cache and records the JSON the components are counted from), then ROUNDS
# rounds with the tools in rotating order.
bench_input() {
  local name="$1" path="$2" rounds="$3" d t r i k="${#tools[@]}"
  d="${res}/${name}"
  mkdir -p "${d}"
  log "${name}: ${path}"
  local load
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  for t in "${tools[@]}"; do
    mkdir -p "${d}/${t}"
    okcodes "${t}" "${name}" >"${d}/${t}/okcodes"
    tool_version "${t}" >"${d}/${t}/version"
    tool_cmd "${t}" "${path}" "${d}/${t}/out.json"
    printf '%q ' "${cmd[@]}" | sed 's/ $//' >"${d}/${t}/command"
    local rc=0
    "${cmd[@]}" >/dev/null 2>"${d}/${t}/out.stderr" || rc=$?
    echo "${rc}" >"${d}/${t}/out.rc"
    [[ " $(cat "${d}/${t}/okcodes") " == *" ${rc} "* ]] || log "  ${t}: untimed run exit ${rc}; see ${d}/${t}/out.stderr"
  done
  for ((r = 1; r <= rounds; r++)); do
    for ((i = 0; i < k; i++)); do
      t="${tools[$(((i + r - 1) % k))]}"
      tool_cmd "${t}" "${path}" /dev/null
      measure "${d}/${t}" "$(printf '%02d' "${r}")" "${cmd[@]}"
    done
  done
  # One line, printed after the input's name. The load average tells whether
  # other work shared the machine.
  printf '%s; load average %s before, %s after\n' "$(describe "${name}")" "${load}" "$(cut -d' ' -f1-3 /proc/loadavg)" >"${d}/desc"
}

stamp="$(date -u +%Y%m%dT%H%M%SZ)"

if [[ "${mode}" == compare ]]; then
  res="${inv}/results/compare-${stamp}"
  mkdir -p "${res}"
  for name in ${INPUTS}; do
    path="${inv}/${name}"
    args=()
    for t in vouch syft osv-scanner; do
      tool_cmd "${t}" "${path}" "${res}/${name}.${t}.json"
      "${cmd[@]}" >/dev/null 2>"${res}/${name}.${t}.stderr" || true
      [[ "${t}" == vouch ]] || args+=("-${t}" "${res}/${name}.${t}.json")
    done
    {
      echo "# ${name}: $(describe "${name}")"
      echo
      "${stat}" compare -vouch "${res}/${name}.vouch.json" "${args[@]}"
    } >"${res}/${name}.md"
    # The full lists are in the file; the terminal gets the first COMPARE_LIMIT of each.
    echo "# ${name}: $(describe "${name}") (full lists: ${res}/${name}.md)"
    echo
    "${stat}" compare -limit "${COMPARE_LIMIT:-40}" -vouch "${res}/${name}.vouch.json" "${args[@]}"
  done
  log "comparison in ${res}"
  exit 0
fi

res="${inv}/results/${stamp}"
mkdir -p "${res}"
ln -sfn "${stamp}" "${inv}/results/latest"

{
  echo "## vouch inventory vs syft vs osv-scanner, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/^Mem:/ { print $2 }') GiB, $(uname -sr), $(go version | cut -d' ' -f3)."
  echo "Tools: $(for t in "${tools[@]}"; do printf '%s %s\n' "${t}" "$(tool_version "${t}")"; done | paste -sd ';' | sed 's/;/; /g')."
  echo "Rounds: ${ROUNDS} per input (${STARTUP_ROUNDS} for start-up), tools in alternation, after one untimed run each."
  echo
} >"${res}/header.md"

for name in ${INPUTS}; do
  bench_input "${name}" "${inv}/${name}" "${ROUNDS}"
done
if ((STARTUP_ROUNDS > 0)); then
  mkdir -p "${inv}/empty"
  bench_input startup "${inv}/empty" "${STARTUP_ROUNDS}"
fi

{
  cat "${res}/header.md"
  "${stat}" summarize "${res}"
  echo "Commands (timed runs write to /dev/null instead of out.json):"
  echo
  for name in ${INPUTS} startup; do
    for t in "${tools[@]}"; do
      if [[ -f "${res}/${name}/${t}/command" ]]; then
        # shellcheck disable=SC2016 # the backquotes are Markdown
        printf -- '- %s, %s: `%s`\n' "${name}" "${t}" "$(sed "s|${repo}/||g" "${res}/${name}/${t}/command")"
      fi
    done
  done
} | tee "${res}/summary.md"
log "results in ${res}"
