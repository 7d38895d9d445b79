#!/usr/bin/env bash
# Generates the inputs of the inventory benchmark into bench/.cache/inventory/:
#
#   a-npm/    package.json + package-lock.json of a large web project (2,000+ packages)
#   b-gomod/  go.mod + go.sum + main.go of a service importing heavy libraries (300+ modules)
#   c-dpkg/   a Debian bookworm root filesystem's package database (500+ packages):
#             var/lib/dpkg/{status,info/}, etc/os-release, usr/share/doc/*/copyright
#   d-tree/   a 10,000+ file monorepo holding all of the above at nested places,
#             filler sources and a real Go binary in bin/
#
# Idempotent: an input that exists is kept (delete its directory to rebuild it).
# Each input is built in a temporary directory and renamed into place when complete.
# Registries are reached only through their clients' configuration (npm's registry,
# GOPROXY, the apt sources of this machine).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bench="$(dirname "${here}")"
repo="$(dirname "${bench}")"
out="${bench}/.cache/inventory"
mkdir -p "${out}"

# The generated Go module must not pick up the repository's workspace or a vendor mode,
# and must not switch toolchains behind our back.
export GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=mod

log() { printf 'inputs: %s\n' "$*"; }

# fresh DIR: prints a new empty staging directory for DIR.
fresh() {
  rm -rf "$1.tmp"
  mkdir -p "$1.tmp"
  printf '%s\n' "$1.tmp"
}

# files DIR: number of regular files under DIR.
files() { find "$1" -type f | wc -l; }

# ---------------------------------------------------------------------------
# (a) npm lockfile
npm_input() {
  local dir="${out}/a-npm"
  if [[ -f "${dir}/package-lock.json" ]]; then
    log "a-npm: exists"
  else
    log "a-npm: resolving package-lock.json with npm (registry: $(npm config get registry)); takes a few minutes"
    local tmp
    tmp="$(fresh "${dir}")"
    # Direct dependencies are pinned; transitive ones resolve to what the registry
    # serves today, so the count drifts a little over time.
    cat >"${tmp}/package.json" <<'JSON'
{
  "name": "acme-web",
  "version": "1.4.0",
  "private": true,
  "scripts": {
    "build": "next build",
    "test": "jest",
    "lint": "eslint ."
  },
  "dependencies": {
    "@apollo/client": "3.11.8",
    "@aws-sdk/client-s3": "3.658.1",
    "@emotion/react": "11.13.3",
    "@emotion/styled": "11.13.0",
    "@mui/material": "5.16.7",
    "@reduxjs/toolkit": "2.2.7",
    "aws-sdk": "2.1691.0",
    "axios": "1.7.7",
    "date-fns": "3.6.0",
    "express": "4.21.0",
    "firebase": "10.13.2",
    "graphql": "16.9.0",
    "lodash": "4.17.21",
    "mongoose": "8.7.0",
    "next": "14.2.15",
    "pg": "8.13.0",
    "react": "18.3.1",
    "react-dom": "18.3.1",
    "react-redux": "9.1.2",
    "sharp": "0.33.5",
    "socket.io": "4.8.0",
    "zod": "3.23.8"
  },
  "devDependencies": {
    "@angular/cli": "18.2.7",
    "@babel/core": "7.25.2",
    "@babel/preset-env": "7.25.4",
    "@babel/preset-react": "7.24.7",
    "@babel/preset-typescript": "7.24.7",
    "@nestjs/cli": "10.4.5",
    "@storybook/react-webpack5": "8.3.4",
    "@testing-library/jest-dom": "6.5.0",
    "@testing-library/react": "16.0.1",
    "@typescript-eslint/eslint-plugin": "8.8.0",
    "@typescript-eslint/parser": "8.8.0",
    "@vue/cli-service": "5.0.8",
    "babel-loader": "9.2.1",
    "cypress": "13.15.0",
    "eslint": "8.57.1",
    "eslint-config-next": "14.2.15",
    "gatsby": "5.13.7",
    "jest": "29.7.0",
    "nodemon": "3.1.7",
    "postcss": "8.4.47",
    "prettier": "3.3.3",
    "rollup": "4.24.0",
    "sass": "1.79.4",
    "storybook": "8.3.4",
    "tailwindcss": "3.4.13",
    "ts-jest": "29.2.5",
    "typescript": "5.6.2",
    "vite": "5.4.8",
    "webpack": "5.95.0",
    "webpack-cli": "5.1.4",
    "webpack-dev-server": "5.1.0"
  }
}
JSON
    (cd "${tmp}" && npm install --package-lock-only --ignore-scripts --no-audit --no-fund --loglevel=error)
    rm -rf "${dir}"
    mv "${tmp}" "${dir}"
  fi
  # Every key of "packages" but the root ("") is an installed package.
  log "a-npm: $(node -e 'const l=require(process.argv[1]); console.log(Object.keys(l.packages).filter(k=>k!=="").length)' "${dir}/package-lock.json") packages in package-lock.json (lockfileVersion $(jq .lockfileVersion "${dir}/package-lock.json"))"
}

# ---------------------------------------------------------------------------
# (b) Go module graph
go_input() {
  local dir="${out}/b-gomod"
  if [[ -f "${dir}/go.sum" ]]; then
    log "b-gomod: exists"
  else
    log "b-gomod: resolving the module graph with go mod tidy (GOPROXY=$(go env GOPROXY))"
    local tmp
    tmp="$(fresh "${dir}")"
    # Versions are ones the module proxy serves that build with this Go.
    cat >"${tmp}/go.mod" <<'GOMOD'
module github.com/acme/platform-api

go 1.25

require (
	cloud.google.com/go/pubsub v1.50.4
	cloud.google.com/go/storage v1.70.0
	github.com/Azure/azure-sdk-for-go/sdk/storage/azblob v1.8.3
	github.com/IBM/sarama v1.61.1
	github.com/aws/aws-sdk-go-v2 v1.48.0
	github.com/aws/aws-sdk-go-v2/config v1.33.18
	github.com/aws/aws-sdk-go-v2/service/dynamodb v1.74.0
	github.com/aws/aws-sdk-go-v2/service/s3 v1.114.10
	github.com/aws/aws-sdk-go-v2/service/sqs v1.53.0
	github.com/docker/docker v28.5.2+incompatible
	github.com/elastic/go-elasticsearch/v8 v8.19.7
	github.com/gin-gonic/gin v1.12.0
	github.com/go-sql-driver/mysql v1.10.1
	github.com/golang-migrate/migrate/v4 v4.20.1
	github.com/google/go-containerregistry v0.22.1
	github.com/hashicorp/consul/api v1.34.5
	github.com/hashicorp/vault/api v1.23.0
	github.com/jackc/pgx/v5 v5.12.0
	github.com/labstack/echo/v4 v4.16.0
	github.com/minio/minio-go/v7 v7.4.1
	github.com/nats-io/nats.go v1.55.0
	github.com/open-policy-agent/opa v1.22.3
	github.com/prometheus/client_golang v1.25.0
	github.com/redis/go-redis/v9 v9.23.0
	github.com/spf13/cobra v1.10.2
	github.com/spf13/viper v1.21.0
	go.etcd.io/etcd/client/v3 v3.7.3
	go.mongodb.org/mongo-driver v1.17.10
	go.opentelemetry.io/otel v1.47.0
	go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc v1.47.0
	go.opentelemetry.io/otel/sdk v1.47.0
	go.temporal.io/sdk v1.51.0
	go.uber.org/zap v1.28.0
	google.golang.org/grpc v1.85.0
	gorm.io/driver/postgres v1.6.3
	gorm.io/gorm v1.31.2
	helm.sh/helm/v3 v3.22.0
	k8s.io/api v0.37.2
	k8s.io/apimachinery v0.37.2
	k8s.io/client-go v0.37.2
	sigs.k8s.io/controller-runtime v0.25.2
)

// Pinned too: found by go mod tidy through docker's test imports, since
// docker/docker has no go.mod; tidy would otherwise take their newest versions.
require (
	github.com/containerd/log v0.2.0
	github.com/docker/go-units v0.5.0
	github.com/moby/docker-image-spec v1.3.1
	github.com/moby/sys/atomicwriter v0.1.0
	github.com/morikuni/aec v1.1.0
	gotest.tools/v3 v3.5.2
)
GOMOD
    cat >"${tmp}/main.go" <<'GO'
// Command platform-api is a benchmark input: it imports heavy libraries so
// that its module graph is as large as a real service's.
package main

import (
	_ "cloud.google.com/go/pubsub"
	_ "cloud.google.com/go/storage"
	_ "github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	_ "github.com/IBM/sarama"
	_ "github.com/aws/aws-sdk-go-v2/aws"
	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	_ "github.com/aws/aws-sdk-go-v2/service/s3"
	_ "github.com/aws/aws-sdk-go-v2/service/sqs"
	_ "github.com/docker/docker/client"
	_ "github.com/elastic/go-elasticsearch/v8"
	_ "github.com/gin-gonic/gin"
	_ "github.com/go-sql-driver/mysql"
	_ "github.com/golang-migrate/migrate/v4"
	_ "github.com/google/go-containerregistry/pkg/v1/remote"
	_ "github.com/hashicorp/consul/api"
	_ "github.com/hashicorp/vault/api"
	_ "github.com/jackc/pgx/v5"
	_ "github.com/labstack/echo/v4"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/nats-io/nats.go"
	_ "github.com/open-policy-agent/opa/v1/rego"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/redis/go-redis/v9"
	_ "github.com/spf13/cobra"
	_ "github.com/spf13/viper"
	_ "go.etcd.io/etcd/client/v3"
	_ "go.mongodb.org/mongo-driver/mongo"
	_ "go.opentelemetry.io/otel"
	_ "go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	_ "go.opentelemetry.io/otel/sdk/trace"
	_ "go.temporal.io/sdk/client"
	_ "go.uber.org/zap"
	_ "google.golang.org/grpc"
	_ "gorm.io/driver/postgres"
	_ "gorm.io/gorm"
	_ "helm.sh/helm/v3/pkg/action"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/apimachinery/pkg/apis/meta/v1"
	_ "k8s.io/client-go/kubernetes"
	_ "sigs.k8s.io/controller-runtime"
)

func main() {}
GO
    (cd "${tmp}" && go mod tidy)
    rm -rf "${dir}"
    mv "${tmp}" "${dir}"
  fi
  log "b-gomod: $(cd "${dir}" && go mod edit -json | jq '.Require | length') require lines in go.mod ($(cd "${dir}" && go mod edit -json | jq '[.Require[] | select(.Indirect | not)] | length') direct), $(wc -l <"${dir}/go.sum") lines in go.sum"
}

# ---------------------------------------------------------------------------
# (c) Debian package database

# debian_mirror prints the URI of the apt source serving SUITE's main archive,
# read from this machine's apt configuration (one-line and deb822 formats).
debian_mirror() {
  local suite="$1" f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "${f}" ]] || continue
    # deb [options] URI SUITE COMPONENTS...
    awk -v s="${suite}" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ } if ($(i + 1) == s) { print $i; exit } }' "${f}"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "${f}" ]] || continue
    # Paragraphs of "Key: value" lines separated by blank lines.
    awk -v s="${suite}" '
      function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " s " ")) { split(uris, u, " "); print u[1] } types = uris = suites = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^Types:/ { sub(/^Types:[[:space:]]*/, ""); types = $0 }
      /^URIs:/ { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
      /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
      END { flush() }' "${f}"
  done
}

# copy_pkgdb SRC DST: lays out SRC's package database as a root filesystem in DST.
copy_pkgdb() {
  local src="$1" dst="$2"
  mkdir -p "${dst}/var/lib/dpkg" "${dst}/etc" "${dst}/usr/lib"
  cp -a "${src}/var/lib/dpkg/status" "${dst}/var/lib/dpkg/status"
  # info/ holds each package's file list and checksums, which some scanners read.
  cp -a "${src}/var/lib/dpkg/info" "${dst}/var/lib/dpkg/info"
  # etc/os-release is a relative symlink to usr/lib/os-release on Debian: keep both as they are.
  [[ -e "${src}/usr/lib/os-release" ]] && cp -a "${src}/usr/lib/os-release" "${dst}/usr/lib/os-release"
  cp -a "${src}/etc/os-release" "${dst}/etc/os-release"
  cp -aL "${src}/etc/debian_version" "${dst}/etc/debian_version"
  # Licenses: usr/share/doc/<pkg>/copyright, and the doc directories that are
  # symlinks to another package's (relative, inside usr/share/doc).
  (cd "${src}" && find usr/share/doc -mindepth 1 -maxdepth 2 \( -name copyright -o -type l \) -print0 |
    tar --null --no-recursion -T - -cf -) | tar -C "${dst}" -xf -
}

dpkg_input() {
  local dir="${out}/c-dpkg"
  if [[ -f "${dir}/var/lib/dpkg/status" ]]; then
    log "c-dpkg: exists"
  else
    local tmp suite="${DEBIAN_SUITE:-bookworm}" mirror root="${out}/debootstrap-root" origin
    tmp="$(fresh "${dir}")"
    if ! command -v debootstrap >/dev/null; then
      log "c-dpkg: installing debootstrap"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
    fi
    mirror="${DEBIAN_MIRROR:-$(debian_mirror "${suite}" | head -n1)}"
    if [[ -z "${mirror}" ]]; then
      log "c-dpkg: no apt source for ${suite} found in /etc/apt; set DEBIAN_MIRROR"
    fi
    # minbase plus a developer's and a server's usual packages; their Depends
    # (not Recommends) come along: about 590 packages, 700 MB of .debs, ~15 minutes.
    # debootstrap does not resolve virtual packages: a package that depends on one
    # needs its provider listed (python3-cffi-backend for python3-cryptography);
    # gdb and libgtk-3-0 fail to configure for that reason.
    local include=(
      build-essential git curl wget openssh-client openssh-server sudo rsync zip unzip jq procps iproute2
      less vim gnupg ca-certificates python3 python3-pip python3-venv python3-numpy python3-matplotlib
      python3-cffi-backend ansible default-jdk-headless golang-go ruby php-cli nginx apache2 postgresql
      mariadb-client imagemagick ffmpeg cmake libssl-dev libxml2-dev
    )
    local list
    list="$(IFS=,; printf '%s' "${include[*]}")"
    if [[ -n "${mirror}" ]] && {
      log "c-dpkg: debootstrap ${suite} from ${mirror} (${#include[@]} extra packages and their dependencies), log in ${out}/debootstrap.log"
      rm -rf "${root}"
      debootstrap --variant=minbase --include="${list}" "${suite}" "${root}" "${mirror}" >"${out}/debootstrap.log" 2>&1
    }; then
      origin="debootstrap ${suite} from ${mirror}"
      copy_pkgdb "${root}" "${tmp}"
      # Only the package database is used; the 3 GB of installed files are not.
      [[ "${KEEP_DEBOOTSTRAP:-0}" == 1 ]] || rm -rf "${root}"
    else
      log "c-dpkg: debootstrap failed (see ${out}/debootstrap.log); using this machine's package database instead"
      origin="this machine"
      copy_pkgdb / "${tmp}"
    fi
    printf '%s\n' "${origin}" >"${dir}.source"
    rm -rf "${dir}"
    mv "${tmp}" "${dir}"
  fi
  log "c-dpkg: $(grep -c '^Status: install ok installed' "${dir}/var/lib/dpkg/status") installed packages in var/lib/dpkg/status (from $(cat "${dir}.source"), $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "${dir}/etc/os-release"))"
}

# ---------------------------------------------------------------------------
# (d) a monorepo-sized tree holding all of the above
tree_input() {
  local dir="${out}/d-tree"
  # Built in a staging directory and renamed: if it exists, it is complete.
  if [[ -d "${dir}" ]]; then
    log "d-tree: exists"
  else
    local tmp
    tmp="$(fresh "${dir}")"
    mkdir -p "${tmp}/services/web" "${tmp}/services/api" "${tmp}/bin"
    cp "${out}/a-npm/package.json" "${out}/a-npm/package-lock.json" "${tmp}/services/web/"
    cp "${out}/b-gomod/go.mod" "${out}/b-gomod/go.sum" "${out}/b-gomod/main.go" "${tmp}/services/api/"
    cp -a "${out}/c-dpkg" "${tmp}/rootfs"
    # A real Go program's binary, with its module build info: syft, built by peers.sh.
    bash "${bench}/peers.sh" syft >/dev/null
    cp "${bench}/.cache/bin/syft" "${tmp}/bin/syft"
    # Filler: sources, docs and config of a monorepo, no manifests.
    (cd "${repo}" && go run ./bench/cmd/filler -dir "${tmp}" -files "${FILLER_FILES:-8000}" -seed 1)
    cat >"${tmp}/README.md" <<'MD'
# acme platform

Monorepo: services/web (Next.js), services/api (Go), services/worker (Python),
libs/, deploy/, and the root filesystem of the base image in rootfs/.
MD
    rm -rf "${dir}"
    mv "${tmp}" "${dir}"
  fi
  log "d-tree: $(files "${dir}") files, $(du -sh "${dir}" | cut -f1)"
}

npm_input
go_input
dpkg_input
tree_input
for d in a-npm b-gomod c-dpkg d-tree; do
  log "$(printf '%-8s %6s files %6s  %s' "${d}" "$(files "${out}/${d}")" "$(du -sh "${out}/${d}" | cut -f1)" "${out}/${d}")"
done
