#!/usr/bin/env bash
# Benchmarks `vouch inventory` against syft and osv-scanner on the inputs of
# inputs.sh, and prints per input the median wall time, CPU time and peak RSS
# of each tool, the ratios vouch/peer and the number of components each found.
#
#   bench/inventory/run.sh             benchmark (ROUNDS rounds per input, tools in alternation)
#   bench/inventory/run.sh --compare   list, per ecosystem, what syft and osv-scanner found
#                                      that vouch did not (and the reverse), by name@version,
#                                      each told apart by where it was found: vouch's root,
#                                      named otherwise by vouch there, a second name of a jar,
#                                      or not found (benchstat-lite compare -root)
#
# Environment:
#   ROUNDS=5            timed rounds per input
#   STARTUP_ROUNDS=20   timed rounds on an empty directory (start-up cost); 0 to skip
#   INPUTS="a-npm b-gomod c-dpkg d-tree e-image e-image-oci f-java g-polyglot"   which inputs
#                       (e-image is e-image/docker.tar, e-image-oci e-image/oci.tar)
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
# shellcheck source=bench/lib.sh
source "${here}/../lib.sh"
inv="${cache}/inventory"

ROUNDS="${ROUNDS:-5}"
STARTUP_ROUNDS="${STARTUP_ROUNDS:-20}"
INPUTS="${INPUTS:-a-npm b-gomod c-dpkg d-tree e-image e-image-oci f-java g-polyglot}"
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

clean_vouch_env
# No update checks or other network use by the peers.
export SYFT_CHECK_FOR_APP_UPDATE=false
# syft leaves a package-lock.json's dev dependencies out by default; vouch and
# osv-scanner report them. The same job for all: syft includes them too.
export SYFT_JAVASCRIPT_INCLUDE_DEV_DEPENDENCIES=true

mkdir -p "${bin}" "${inv}"

# ---------------------------------------------------------------------------
# Tools

need_gnu_time
build_stat

log "installing peers (bench/peers.sh)"
bash "${bench}/peers.sh" >&2

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
INPUTS="${INPUTS}" bash "${here}/inputs.sh" >&2

# input_path NAME: what the tools are given for input NAME: a directory, or
# for the images the archive.
input_path() {
  case "$1" in
    e-image) echo "${inv}/e-image/docker.tar" ;;
    e-image-oci) echo "${inv}/e-image/oci.tar" ;;
    *) echo "${inv}/$1" ;;
  esac
}

# osv-scanner matches offline against an empty database (one empty all.zip per
# ecosystem), so it never downloads one and its matching costs what loading costs.
osvdb="${cache}/osv-empty-db"
[[ -d "${osvdb}/osv-scalibr" ]] || "${stat}" emptydb "${osvdb}"

# input_tools NAME: the tools (of TOOLS) that can read input NAME. osv-scanner
# v2.5.1's image scan reads docker save archives only (an OCI layout tar:
# "file manifest.json not found in tar").
input_tools() {
  local t
  for t in "${tools[@]}"; do
    [[ "$1/${t}" == e-image-oci/osv-scanner ]] || printf '%s ' "${t}"
  done
}

# tool_cmd TOOL INPUT_PATH OUTPUT: sets cmd to the command line that
# inventories INPUT_PATH as JSON into OUTPUT.
tool_cmd() {
  local tool="$1" path="$2" out="$3"
  # Images: each tool reads the archive itself (syft's source scheme names the
  # format; osv-scanner's image scan takes a docker save or OCI archive).
  if [[ -f "${path}" && "${path}" == *.tar ]]; then
    local scheme=docker-archive
    [[ "$(basename "${path}")" != oci.tar ]] || scheme=oci-archive
    case "${tool}" in
      vouch) cmd=("${bin}/vouch" inventory "${path}" --format json --output "${out}") ;;
      syft) cmd=("${bin}/syft" scan "${scheme}:${path}" -o "json=${out}" -q) ;;
      osv-scanner)
        cmd=("${bin}/osv-scanner" scan image --archive --offline --local-db-path "${osvdb}"
          --all-packages --verbosity error --format json --output-file "${out}" "${path}")
        ;;
      *)
        log "unknown tool ${tool}"
        return 1
        ;;
    esac
    return 0
  fi
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
      # Java archives are read by its artifact plugin java/archive only.
      [[ -z "$(find "${path}" -maxdepth 2 \( -name '*.jar' -o -name '*.war' -o -name '*.ear' \) -print -quit)" ]] ||
        cmd+=(--experimental-plugins java/archive)
      # Its apk extractor reads lib/apk/db/installed at the scan root only,
      # which is "/" for a source scan: each Alpine root filesystem inside the
      # input is named with -L. Its rpm extractor has no -L name and reads
      # only /var/lib/rpm and /usr/lib/sysimage/rpm of the scanned system, so
      # it never reads g-polyglot's RPM databases.
      local db
      for db in "${path}"/rootfs/*/lib/apk/db/installed; do
        [[ -f "${db}" ]] && cmd+=(-L "apk-installed:${db}")
      done
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
    e-image) echo "docker save archive, $(du -h "${inv}/e-image/docker.tar" | cut -f1), 3 uncompressed layers (Debian 12 debootstrap, an app with a-npm's lockfile, a Go binary, a WAR and jars, a layer of whiteouts)" ;;
    e-image-oci) echo "the same image as an OCI layout tar with gzip layers, $(du -h "${inv}/e-image/oci.tar" | cut -f1)" ;;
    f-java) echo "Java archives, $(du -sh "${inv}/f-java" | cut -f1): $(find "${inv}/f-java/lib" -name '*.jar' | wc -l) jars, a WAR with a Spring Boot jar inside, an EAR holding the WAR" ;;
    g-polyglot) echo "$(find "${inv}/g-polyglot/projects" -mindepth 1 -maxdepth 1 -type d | wc -l) projects of the new lockfile fixtures, real pnpm-lock.yaml$([[ -f "${inv}/g-polyglot/apps/web-yarn/yarn.lock" ]] && echo " and yarn.lock") of a-npm, Alpine and RPM databases" ;;
    startup) echo "empty directory: start-up cost" ;;
    *) echo "$1" ;;
  esac
}

stamp="$(date -u +%Y%m%dT%H%M%SZ)"

if [[ "${mode}" == compare ]]; then
  res="${inv}/results/compare-${stamp}"
  mkdir -p "${res}"
  for name in ${INPUTS}; do
    path="$(input_path "${name}")"
    args=(-root "${path}")
    for t in vouch syft osv-scanner; do
      [[ "${t}" == vouch || " $(input_tools "${name}") " == *" ${t} "* ]] || continue
      tool_cmd "${t}" "${path}" "${res}/${name}.${t}.json"
      "${cmd[@]}" >/dev/null 2>"${res}/${name}.${t}.stderr" || true
      if [[ "${t}" != vouch ]]; then
        if [[ -s "${res}/${name}.${t}.json" ]]; then
          args+=("-${t}" "${res}/${name}.${t}.json")
        else
          log "${name}: ${t} wrote no JSON; see ${res}/${name}.${t}.stderr"
        fi
      fi
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
  machine_line
  echo "Tools: $(for t in "${tools[@]}"; do printf '%s %s\n' "${t}" "$(tool_version "${t}")"; done | paste -sd ';' | sed 's/;/; /g')."
  echo "Rounds: ${ROUNDS} per input (${STARTUP_ROUNDS} for start-up), tools in alternation, after one untimed run each."
  echo
} >"${res}/header.md"

for name in ${INPUTS}; do
  bench_input "${name}" "$(input_path "${name}")" "${ROUNDS}" "$(input_tools "${name}")"
done
if ((STARTUP_ROUNDS > 0)); then
  mkdir -p "${inv}/empty"
  bench_input startup "${inv}/empty" "${STARTUP_ROUNDS}"
fi

{
  cat "${res}/header.md"
  "${stat}" summarize -count components "${res}"
  echo "Commands (timed runs write to /dev/null instead of out.json):"
  echo
  # shellcheck disable=SC2086 # INPUTS is a list of names
  print_commands ${INPUTS} startup
} | tee "${res}/summary.md"
log "results in ${res}"
