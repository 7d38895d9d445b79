#!/usr/bin/env bash
# Generates the inputs of the scan benchmark into bench/.cache/scan/:
#
#   c-pypi/     requirements.txt (pip-compile --generate-hashes style) of PY_PACKAGES pinned
#               packages synthesised from the PyPI advisory export (PyPI cannot be reached)
#   c-poetry/   the same packages as a Poetry 1.8 poetry.lock (lock-version 2.0) + pyproject.toml
#   d-tree/     the inventory benchmark's 10,000-file monorepo (hard links) with c-pypi's
#               requirements.txt added as services/worker/requirements.txt
#   osvdb/      osv-scanner's --local-db-path: osv-scalibr/{Go,PyPI}/all.zip are symlinks
#               to the shared exports, every other ecosystem an empty all.zip
#
# a-npm and b-gomod are the inventory benchmark's (bench/.cache/inventory/), made by
# bench/inventory/inputs.sh when missing. The advisory exports are read in place from
# OSV_DIR (default: /work/shared/osv, else ../shared/osv beside the repository); they are
# never copied. Idempotent: an input that exists is kept (delete its directory to rebuild).
#
# Environment: PY_PACKAGES=1500, PY_SEED=1, OSV_DIR.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
log_prefix=inputs
# shellcheck source=bench/lib.sh
source "${here}/../lib.sh"
out="${cache}/scan"
inv="${cache}/inventory"
PY_PACKAGES="${PY_PACKAGES:-1500}"
PY_SEED="${PY_SEED:-1}"
mkdir -p "${out}" "${bin}"

# osv_dir: the directory holding Go/all.zip and PyPI/all.zip.
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
osv="$(osv_dir)" || {
  log "no OSV exports: neither OSV_DIR, /work/shared/osv nor ../shared/osv holds Go/all.zip and PyPI/all.zip; stopping"
  exit 1
}
log "OSV exports: ${osv}"

[[ -x "${stat}" ]] || build_stat

# The inventory benchmark's inputs (a-npm, b-gomod, d-tree).
if [[ ! -f "${inv}/a-npm/package-lock.json" || ! -f "${inv}/b-gomod/go.sum" || ! -d "${inv}/d-tree" ]]; then
  log "making the inventory benchmark's inputs (bench/inventory/inputs.sh)"
  bash "${bench}/inventory/inputs.sh"
fi

# osv-scanner's offline database: its --local-db-path holds
# osv-scalibr/<ecosystem>/all.zip. Go and PyPI are the real exports; the others
# are empty so that --offline finds a database for every ecosystem it meets (npm,
# Debian) instead of failing, and matching there costs only the loading.
osvdb="${out}/osvdb"
if [[ ! -d "${osvdb}/osv-scalibr/npm" ]]; then
  "${stat}" emptydb "${osvdb}"
fi
for eco in Go PyPI; do
  ln -sfn "${osv}/${eco}/all.zip" "${osvdb}/osv-scalibr/${eco}/all.zip"
done
log "osvdb: Go and PyPI linked to ${osv}, $(find "${osvdb}/osv-scalibr" -mindepth 1 -maxdepth 1 -type d | wc -l) ecosystems"

# fresh DIR: prints a new empty staging directory for DIR.
fresh() {
  rm -rf "$1.tmp"
  mkdir -p "$1.tmp"
  printf '%s\n' "$1.tmp"
}

# (b) the Python lock, two ways.
py_input() {
  local req="${out}/c-pypi" poetry="${out}/c-poetry" tmp
  if [[ -f "${req}/requirements.txt" && -f "${poetry}/poetry.lock" ]]; then
    log "c-pypi, c-poetry: exist"
  else
    tmp="$(fresh "${out}/py")"
    log "c-pypi, c-poetry: synthesising ${PY_PACKAGES} packages from ${osv}/PyPI/all.zip (seed ${PY_SEED})"
    mkdir -p "${tmp}/c-pypi" "${tmp}/c-poetry"
    "${stat}" pylock -zip "${osv}/PyPI/all.zip" -n "${PY_PACKAGES}" -seed "${PY_SEED}" \
      -requirements "${tmp}/c-pypi/requirements.txt" -manifest "${tmp}/c-pypi.tsv" \
      -poetry "${tmp}/c-poetry/poetry.lock" -pyproject "${tmp}/c-poetry/pyproject.toml" >&2
    rm -rf "${req}" "${poetry}"
    # The manifest (how each version was chosen) stays outside the inputs.
    mv "${tmp}/c-pypi.tsv" "${out}/c-pypi.tsv"
    mv "${tmp}/c-pypi" "${req}"
    mv "${tmp}/c-poetry" "${poetry}"
    rm -rf "${tmp}"
  fi
  log "c-pypi: $(grep -c '==' "${req}/requirements.txt") pins in requirements.txt; c-poetry: $(grep -c '^\[\[package\]\]' "${poetry}/poetry.lock") packages in poetry.lock"
}

# (d) the inventory monorepo plus the Python service.
tree_input() {
  local dir="${out}/d-tree" tmp
  if [[ -d "${dir}" ]]; then
    log "d-tree: exists"
  else
    tmp="$(fresh "${dir}")"
    rmdir "${tmp}"
    # Hard links: the same files as the inventory's tree, no second copy.
    cp -al "${inv}/d-tree" "${tmp}"
    mkdir -p "${tmp}/services/worker"
    cp "${out}/c-pypi/requirements.txt" "${tmp}/services/worker/requirements.txt"
    rm -rf "${dir}"
    mv "${tmp}" "${dir}"
  fi
  log "d-tree: $(find "${dir}" -type f | wc -l) files, $(du -sh "${dir}" | cut -f1) (npm, Go module, Python, Debian rootfs, Go binary, filler)"
}

py_input
tree_input
