#!/usr/bin/env bash
# Installs the peer tools the benchmarks compare vouch with, at pinned versions,
# into bench/.cache/bin (GOBIN). A tool already there at the pinned version is skipped.
# Go modules come through the configured GOPROXY; nothing else is downloaded.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${here}/.cache/bin"
mkdir -p "${bin}"

# name|module path of the main package|version
peers=(
  "syft|github.com/anchore/syft/cmd/syft|v1.57.1"
  "osv-scanner|github.com/google/osv-scanner/v2/cmd/osv-scanner|v2.5.1"
)

# Only install the peers named on the command line, if any.
want=("$@")

status=0
for p in "${peers[@]}"; do
  IFS='|' read -r name pkg version <<<"${p}"
  if ((${#want[@]} > 0)); then
    match=0
    for w in "${want[@]}"; do [[ "${w}" == "${name}" ]] && match=1; done
    ((match)) || continue
  fi
  stamp="${bin}/.${name}.version"
  if [[ -x "${bin}/${name}" && -f "${stamp}" && "$(cat "${stamp}")" == "${pkg}@${version}" ]]; then
    echo "peers: ${name} ${version} already installed"
    continue
  fi
  echo "peers: installing ${pkg}@${version}"
  start=${SECONDS}
  # GOFLAGS=-mod=mod keeps a -mod=vendor from the environment out of a module-mode install;
  # CGO is off so the binaries do not depend on the host's C toolchain.
  if GOBIN="${bin}" CGO_ENABLED=0 GOFLAGS="-mod=mod" go install -trimpath "${pkg}@${version}"; then
    echo "${pkg}@${version}" >"${stamp}"
    echo "peers: ${name} ${version} built in $((SECONDS - start))s"
  else
    echo "peers: FAILED to build ${pkg}@${version}" >&2
    status=1
  fi
done

for p in "${peers[@]}"; do
  IFS='|' read -r name _ _ <<<"${p}"
  if [[ -x "${bin}/${name}" ]]; then
    # The "mod" line of the build info is the module and version actually built.
    go version -m "${bin}/${name}" | awk -v n="${name}" '$1 == "mod" { print "peers: " n ": " $2 "@" $3 }'
  fi
done
exit "${status}"
