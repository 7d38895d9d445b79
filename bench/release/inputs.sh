#!/usr/bin/env bash
# Generates the inputs of bench/release/run.sh into bench/.cache/release:
#   a-5k    a project of 5,000 files in a git repository tagged v1.0.0 and its
#           release tarball (.tar.gz): git's files minus CI files, plus real
#           autotools output (autoreconf -fi, when autoconf, automake and
#           libtool are installed; else the excerpts in release/testdata) and
#           a few generated m4 macros.
#   b-100m  the same project with 100 MB of incompressible test data files
#           (in git and in the tarball): a ~100 MB tarball, for memory.
# Inputs are made once; delete the directory to regenerate. Deterministic
# content (bench/cmd/filler with a fixed seed; data from a seeded generator).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=bench/lib.sh
source "${here}/../lib.sh"
out="${cache}/release"
mkdir -p "${out}"

gen_project() { # DIR FILES
  local dir="$1" files="$2"
  rm -rf "${dir}"
  mkdir -p "${dir}/src"
  (cd "${repo}" && go run ./bench/cmd/filler -dir "${dir}/src" -files "${files}" -seed 4)
  cp -r "${repo}/release/testdata/project/." "${dir}/"
  # The fixtures spell dot files "dot-…" so they do not act on vouch's repository.
  find "${dir}" -depth -name 'dot-*' | while read -r p; do mv "${p}" "$(dirname "${p}")/.${p##*/dot-}"; done
}

gen_generated() { # PROJECT_DIR → writes the generated files into DIR/.gen
  local dir="$1" gen="$1/.gen"
  rm -rf "${gen}"
  mkdir -p "${gen}"
  if command -v autoreconf >/dev/null && command -v automake >/dev/null && command -v libtoolize >/dev/null; then
    local tmp
    tmp="$(mktemp -d)"
    cp -r "${repo}/release/testdata/project/." "${tmp}/"
    find "${tmp}" -depth -name 'dot-*' -exec rm -rf {} +
    sed -i '/gl_BUILD_TO_HOST/d; /AM_GNU_GETTEXT_VERSION/d' "${tmp}/configure.ac"
    touch "${tmp}/src/tinyz.c"
    (cd "${tmp}" && autoreconf -fi >/dev/null 2>&1)
    (cd "${tmp}" && rm -rf autom4te.cache && find . -name '*.in' -o -name configure -o -name aclocal.m4 -o -path './build-aux/*' -o -path './m4/*.m4' | sed 's|^\./||' |
      while read -r p; do mkdir -p "${gen}/$(dirname "${p}")" && cp "${p}" "${gen}/${p}"; done)
    rm -rf "${tmp}"
  else
    cp -r "${repo}/release/testdata/generated/." "${gen}/"
  fi
}

make_input() { # NAME FILES DATA_MB
  local name="$1" files="$2" mb="$3" d="${out}/$1"
  if [[ -f "${d}/done" ]]; then
    return 0
  fi
  log "generating ${name}"
  rm -rf "${d}"
  mkdir -p "${d}"
  gen_project "${d}/repo" "${files}"
  if ((mb > 0)); then
    mkdir -p "${d}/repo/tests/data"
    local i
    for ((i = 0; i < mb / 2; i++)); do
      # 2 MiB of seeded pseudo-random bytes: incompressible, like compressed test vectors.
      # (openssl dies of SIGPIPE when head has enough: not a failure)
      { openssl enc -aes-128-ctr -pass "pass:vouch-${i}" -nosalt -pbkdf2 </dev/zero 2>/dev/null || true; } |
        head -c $((2 << 20)) >"${d}/repo/tests/data/vector-${i}.bin"
    done
  fi
  gen_generated "${d}/repo"
  mv "${d}/repo/.gen" "${d}/gen"
  (
    cd "${d}/repo"
    export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org \
      GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org
    git init -q -b main
    git add -A
    git commit -q -m "tinyz 1.0.0"
    git tag v1.0.0
  )
  # The release: git archive, minus CI files, plus the generated files.
  local stage="${d}/stage/tinyz-1.0.0"
  mkdir -p "${stage}"
  git -C "${d}/repo" archive --format=tar v1.0.0 | tar -x -C "${stage}"
  rm -rf "${stage}/.github" "${stage}/.gitignore" "${stage}/m4/.gitignore"
  cp -r "${d}/gen/." "${stage}/"
  tar -C "${d}/stage" --sort=name --mtime=2024-01-01 --owner=0 --group=0 -czf "${d}/tinyz-1.0.0.tar.gz" tinyz-1.0.0
  rm -rf "${d}/stage"
  printf '%s files in git, %s entries in the tarball, %s\n' "$(git -C "${d}/repo" ls-files | wc -l)" \
    "$(tar -tzf "${d}/tinyz-1.0.0.tar.gz" | grep -vc '/$')" "$(du -h "${d}/tinyz-1.0.0.tar.gz" | cut -f1)" >"${d}/desc"
  touch "${d}/done"
  log "${name}: $(cat "${d}/desc")"
}

make_input a-5k 4960 0
make_input b-100m 4960 100
