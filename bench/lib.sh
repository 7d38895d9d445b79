# shellcheck shell=bash
# shellcheck disable=SC2154 # res, cmd and tools belong to the sourcing script
# Shared by the benchmark scripts (bench/*/run.sh): sourced, never run.
#
# Sets bench, repo, cache and bin (bench/.cache/bin). A script that sources it
# may set log_prefix first (default: "run"). bench_input calls back into the
# script: it must define tool_cmd TOOL PATH OUTPUT (setting the array cmd),
# okcodes TOOL INPUT and describe INPUT, and set res (the results directory)
# and the array tools.

bench="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "${bench}")"
cache="${bench}/.cache"
bin="${cache}/bin"
stat="${bin}/benchstat-lite"

log() { printf '%s: %s\n' "${log_prefix:-run}" "$*" >&2; }

# clean_vouch_env: vouch reads VOUCH_<FLAG> variables; none may leak in from
# the caller's shell.
clean_vouch_env() {
  local v
  while IFS= read -r v; do unset "${v}"; done < <(compgen -e | grep '^VOUCH_' || true)
}

# need_gnu_time: installs GNU time (for -v) if /usr/bin/time is not it.
need_gnu_time() {
  if ! /usr/bin/time -V >/dev/null 2>&1; then
    log "installing GNU time"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time
  fi
}

# build_stat: builds bench/cmd/benchstat-lite into ${stat}. It needs only the
# standard library, but the module it lives in may be mid-edit: then the
# binary built before is used.
build_stat() {
  log "building benchstat-lite"
  if ! (cd "${repo}" && go build -o "${stat}.new" ./bench/cmd/benchstat-lite); then
    [[ -x "${stat}" ]] || return 1
    log "using the benchstat-lite built before"
  else
    mv "${stat}.new" "${stat}"
  fi
}

# build_vouch: builds vouch from the working tree into ${bin}/vouch and
# records which commit it was (and whether the tree was dirty).
build_vouch() {
  local rev dirty=""
  [[ -f "${repo}/cmd/vouch/main.go" ]] || {
    log "cmd/vouch/main.go does not exist yet"
    return 1
  }
  log "building vouch"
  (cd "${repo}" && go build -trimpath -o "${bin}/vouch.new" ./cmd/vouch) || {
    log "go build ./cmd/vouch failed"
    rm -f "${bin}/vouch.new"
    return 1
  }
  mv "${bin}/vouch.new" "${bin}/vouch"
  rev="$(git -C "${repo}" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  [[ -z "$(git -C "${repo}" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null)" ]] || dirty="+dirty"
  printf '%s%s built %s\n' "${rev}" "${dirty}" "$(date -u +%Y-%m-%dT%H:%MZ)" >"${bin}/.vouch.version"
}

# tool_version TOOL: vouch's commit, or the module version a peer was built at.
tool_version() {
  case "$1" in
    vouch | vouch-*) cat "${bin}/.vouch.version" 2>/dev/null || echo unknown ;;
    # The "mod" line of the build info: "\tmod\tPATH\tVERSION\tSUM".
    *) go version -m "${bin}/$1" | grep -m1 $'^\tmod\t' | cut -f4 ;;
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
    log "  $(basename "$(dirname "${d}")")/$(basename "${d}") round ${r}: exit ${rc}; see ${d}/round-${r}.stderr"
  fi
}

# bench_input NAME PATH ROUNDS [TOOLS]: an untimed run per tool (which warms
# the page cache and records the JSON that is counted), then ROUNDS rounds
# with the tools (default: the array tools) in rotating order.
bench_input() {
  local name="$1" path="$2" rounds="$3" d t r i
  local -a ts=("${tools[@]}")
  [[ -z "${4:-}" ]] || read -r -a ts <<<"$4"
  local k="${#ts[@]}"
  d="${res}/${name}"
  mkdir -p "${d}"
  log "${name}: ${path}"
  local load
  load="$(cut -d' ' -f1-3 /proc/loadavg)"
  for t in "${ts[@]}"; do
    mkdir -p "${d}/${t}"
    okcodes "${t}" "${name}" >"${d}/${t}/okcodes"
    tool_version "${t}" >"${d}/${t}/version"
    tool_cmd "${t}" "${path}" "${d}/${t}/out.json"
    printf '%q ' "${cmd[@]}" | sed 's/ $//' >"${d}/${t}/command"
    local rc=0
    "${cmd[@]}" >"${d}/${t}/out.stdout" 2>"${d}/${t}/out.stderr" || rc=$?
    echo "${rc}" >"${d}/${t}/out.rc"
    [[ " $(cat "${d}/${t}/okcodes") " == *" ${rc} "* ]] || log "  ${t}: untimed run exit ${rc}; see ${d}/${t}/out.stderr"
  done
  for ((r = 1; r <= rounds; r++)); do
    for ((i = 0; i < k; i++)); do
      t="${ts[$(((i + r - 1) % k))]}"
      tool_cmd "${t}" "${path}" /dev/null
      measure "${d}/${t}" "$(printf '%02d' "${r}")" "${cmd[@]}"
    done
  done
  # One line, printed after the input's name. The load average tells whether
  # other work shared the machine.
  printf '%s; load average %s before, %s after\n' "$(describe "${name}")" "${load}" "$(cut -d' ' -f1-3 /proc/loadavg)" >"${d}/desc"
}

# machine_line: cores, memory, kernel and Go of this machine, for headers.
machine_line() {
  local kib
  kib="$(grep -m1 '^MemTotal:' /proc/meminfo | tr -s ' ' | cut -d' ' -f2)"
  echo "Machine: $(nproc) cores, $((kib / 1024 / 1024)) GiB, $(uname -sr), $(go version | cut -d' ' -f3)."
}

# print_commands INPUT...: the exact command of each input and tool (in the
# order of the array tools), as Markdown, with the repository's path left out.
print_commands() {
  local name t
  for name in "$@"; do
    for t in "${tools[@]}"; do
      if [[ -f "${res}/${name}/${t}/command" ]]; then
        # shellcheck disable=SC2016 # the backquotes are Markdown
        printf -- '- %s, %s: `%s`\n' "${name}" "${t}" "$(sed "s|${repo}/||g" "${res}/${name}/${t}/command")"
      fi
    done
  done
}
