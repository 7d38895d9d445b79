#!/usr/bin/env bash
# Generates the inputs of the inventory benchmark into bench/.cache/inventory/:
#
#   a-npm/    package.json + package-lock.json of a large web project (2,000+ packages)
#   b-gomod/  go.mod + go.sum + main.go of a service importing heavy libraries (300+ modules)
#   c-dpkg/   a Debian bookworm root filesystem's package database (500+ packages):
#             var/lib/dpkg/{status,info/}, etc/os-release, usr/share/doc/*/copyright
#   d-tree/   a 10,000+ file monorepo holding all of the above at nested places,
#             filler sources and a real Go binary in bin/
#   f-java/   Java archives from Debian's /usr/share/java: deploy/acme-web.war (WEB-INF/lib
#             jars and a Spring Boot fat jar holding log4j-core 2.14.1 in BOOT-INF/lib),
#             deploy/acme.ear holding that WAR, lib/ with every jar Debian installed (200+)
#   e-image/  a container image of a Debian bookworm root filesystem (debootstrap) with an
#             application on top and a layer deleting with whiteouts: docker.tar (docker
#             save, Docker 24 shape, uncompressed) and oci.tar (OCI layout, gzip layers)
#   g-polyglot/ a monorepo of the lockfiles of issue 7: real yarn.lock (v1) and
#             pnpm-lock.yaml (v9) of a-npm's package.json, the extractors' testdata
#             fixtures copied into a few hundred projects, Alpine and RPM databases
#
# Idempotent: an input that exists is kept (delete its directory to rebuild it).
# INPUTS (names as above, space-separated) makes only those and what they are made
# from. Environment for (g): YARN_CACHE (a yarn cache directory to reuse; else a
# scratch one, removed), YARN_TIMEOUT (seconds, default 2400), POLYGLOT_PROJECTS (400).
# For (e): DEBIAN_SUITE and DEBIAN_MIRROR as for (c); the image's
# debootstrap root stays in e-image-root/ (~320 MB) so that the image rebuilds in seconds.
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

# ---------------------------------------------------------------------------
# Shared by (e), (f) and (g)

# epoch: the one time every generated archive entry carries (2026-01-01 UTC),
# so that a rebuilt input is the same bytes.
epoch=1767225600

# settle DIR: sets every mtime under DIR to the epoch (zip records them).
settle() { find "$1" -exec touch -h -d "@${epoch}" {} +; }

# zipdir OUT DIR [STORED_SUBDIR]: zips the tree of DIR into OUT, entries in
# name order with META-INF/MANIFEST.MF first (as jar tools write it) and
# STORED_SUBDIR's files stored uncompressed (Spring Boot's BOOT-INF/lib).
zipdir() {
  local out="$1" dir="$2" stored="${3:-}"
  rm -f "${out}"
  settle "${dir}"
  (
    cd "${dir}"
    if [[ -f META-INF/MANIFEST.MF ]]; then
      zip -X -q "${out}" META-INF/
      zip -X -q "${out}" META-INF/MANIFEST.MF
    fi
    local skip=(! -path ./META-INF/MANIFEST.MF ! -path ./META-INF)
    [[ -z "${stored}" ]] || skip+=(! -path "./${stored}/*")
    find . -mindepth 1 "${skip[@]}" | sed 's|^\./||' | LC_ALL=C sort | zip -X -q "${out}" -@
    if [[ -n "${stored}" ]]; then
      find "${stored}" -type f | LC_ALL=C sort | zip -X -q -0 "${out}" -@
    fi
  )
}

# pomprops DIR GROUP ARTIFACT VERSION: writes the pom.properties and pom.xml
# maven-archiver puts in an archive it builds.
pomprops() {
  local d="$1/META-INF/maven/$2/$3"
  mkdir -p "${d}"
  printf '#Created by Apache Maven 3.9.9\nartifactId=%s\ngroupId=%s\nversion=%s\n' "$3" "$2" "$4" >"${d}/pom.properties"
  cat >"${d}/pom.xml" <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>$2</groupId>
  <artifactId>$3</artifactId>
  <version>$4</version>
</project>
POM
}

# classfile PATH: a stand-in compiled class (magic and Java 17's version, no
# body): the tools read archives' metadata, never their classes.
classfile() {
  mkdir -p "$(dirname "$1")"
  printf '\xca\xfe\xba\xbe\x00\x00\x00\x3d' >"$1"
}

# ---------------------------------------------------------------------------
# (f) Java archives

# The Debian packages whose jars f-java is made of (bookworm names), installed
# when fewer than 200 jars are in /usr/share/java.
java_packages=(
  liblog4j2-java libslf4j-java libguava-java libhttpclient-java libnetty-java libtomcat9-java
  libjetty9-java libxerces2-java libbcprov-java libhibernate-validator-java
  libjackson2-annotations-java libjackson2-core-java libjackson2-databind-java
  libjackson2-dataformat-cbor libjackson2-dataformat-smile libjackson2-dataformat-xml-java
  libjackson2-dataformat-yaml libjackson2-datatype-joda-java libjackson2-jr-java
  libspring-aop-java libspring-beans-java libspring-context-java libspring-core-java
  libspring-expression-java libspring-jdbc-java libspring-orm-java libspring-transaction-java
  libspring-web-java libspring-web-servlet-java
  libcommons-beanutils-java libcommons-collections3-java libcommons-collections4-java
  libcommons-compress-java libcommons-configuration2-java libcommons-csv-java
  libcommons-dbcp2-java libcommons-email-java libcommons-exec-java libcommons-fileupload-java
  libcommons-jexl3-java libcommons-math3-java libcommons-net-java libcommons-pool2-java
  libcommons-text-java libcommons-validator-java libcommons-vfs-java
)

# java_jars: prints "NAME<TAB>PATH" for every distinct jar in /usr/share/java,
# NAME being the versioned one of its names where there is one
# (log4j-core-2.19.0.jar rather than log4j-core.jar), sorted by NAME.
java_jars() {
  local -A pick=()
  local j real b cur
  while IFS= read -r -d '' j; do
    real="$(readlink -f "${j}")"
    [[ -f "${real}" ]] || continue
    b="$(basename "${j}")"
    cur="${pick[${real}]:-}"
    if [[ -z "${cur}" ]] || { [[ ! "${cur}" =~ -[0-9] ]] && [[ "${b}" =~ -[0-9] ]]; }; then
      pick[${real}]="${b}"
    fi
  done < <(find /usr/share/java -maxdepth 1 -name '*.jar' -print0 | LC_ALL=C sort -z)
  for real in "${!pick[@]}"; do printf '%s\t%s\n' "${pick[${real}]}" "${real}"; done | LC_ALL=C sort
}

java_input() {
  local dir="${out}/f-java"
  if [[ -f "${dir}/deploy/acme.ear" ]]; then
    log "f-java: exists"
  else
    if (($(find /usr/share/java -maxdepth 1 -name '*.jar' -type f 2>/dev/null | wc -l) < 200)); then
      log "f-java: installing Debian's Java libraries (${#java_packages[@]} packages)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${java_packages[@]}" >/dev/null
    fi
    local tmp work name path p
    tmp="$(fresh "${dir}")"
    work="$(mktemp -d)"
    mkdir -p "${tmp}/lib" "${tmp}/deploy"
    # lib/: every jar, as an application server's lib directory holds them.
    while IFS=$'\t' read -r name path; do
      cp "${path}" "${tmp}/lib/${name}"
    done < <(java_jars)

    # jars PATTERN...: the lib/ jars whose names match a PATTERN, in name order.
    jars() {
      local q
      for q in "$@"; do find "${tmp}/lib" -maxdepth 1 -name "${q}"; done | LC_ALL=C sort -u
    }

    # log4j-core 2.14.1 (the Log4Shell version) is not in Debian: Debian's
    # 2.19.0 relabelled in its pom.properties and manifest (the classes stay
    # 2.19.0's), as the jar extractor's log4j-core-2.14.1 fixture is.
    local l4j relabel="${work}/relabel" props=META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties
    l4j="$(jars 'log4j-core-2*.jar' | head -n1)"
    mkdir -p "${relabel}"
    cp "${l4j}" "${work}/log4j-core-2.14.1.jar"
    (
      cd "${relabel}"
      unzip -q "${l4j}" META-INF/MANIFEST.MF "${props}"
      sed -i -E 's/^((Implementation|Specification|Bundle)-Version: )2\.[0-9.]+/\12.14.1/; s/^version=.*/version=2.14.1/' \
        META-INF/MANIFEST.MF "${props}"
      settle .
      zip -X -q "${work}/log4j-core-2.14.1.jar" META-INF/MANIFEST.MF "${props}"
    )

    # A Spring Boot 3 executable jar, laid out as the repackage goal does: its
    # dependencies stored uncompressed in BOOT-INF/lib.
    local boot="${work}/boot"
    mkdir -p "${boot}/META-INF" "${boot}/BOOT-INF/lib" "${boot}/BOOT-INF/classes"
    printf '%s\r\n' 'Manifest-Version: 1.0' 'Created-By: Maven JAR Plugin 3.4.2' 'Build-Jdk-Spec: 17' \
      'Implementation-Title: orders-service' 'Implementation-Version: 2.3.1' \
      'Main-Class: org.springframework.boot.loader.launch.JarLauncher' \
      'Start-Class: com.acme.orders.OrdersApplication' 'Spring-Boot-Version: 3.3.4' \
      'Spring-Boot-Classes: BOOT-INF/classes/' 'Spring-Boot-Lib: BOOT-INF/lib/' \
      'Spring-Boot-Classpath-Index: BOOT-INF/classpath.idx' '' >"${boot}/META-INF/MANIFEST.MF"
    pomprops "${boot}" com.acme orders-service 2.3.1
    classfile "${boot}/BOOT-INF/classes/com/acme/orders/OrdersApplication.class"
    classfile "${boot}/BOOT-INF/classes/com/acme/orders/OrderController.class"
    printf 'spring.application.name=orders\nserver.port=8081\n' >"${boot}/BOOT-INF/classes/application.properties"
    cp "${work}/log4j-core-2.14.1.jar" "${boot}/BOOT-INF/lib/"
    jars 'log4j-api-2*.jar' 'slf4j-api-*.jar' 'spring3-core-*.jar' 'spring3-beans-*.jar' 'spring3-context-[0-9]*.jar' \
      'spring3-aop-*.jar' 'spring3-expression-*.jar' 'spring3-web-[0-9]*.jar' 'spring3-web-servlet-*.jar' \
      'jackson-core-*.jar' 'jackson-databind-*.jar' 'jackson-annotations-*.jar' 'jackson-dataformat-yaml-*.jar' \
      'snakeyaml*.jar' 'hibernate-validator-*.jar' 'validation-api-*.jar' 'commons-logging-1*.jar' \
      'tomcat9-util-[0-9]*.jar' 'jboss-logging-*.jar' 'classmate-*.jar' |
      while IFS= read -r path; do cp "${path}" "${boot}/BOOT-INF/lib/"; done
    (cd "${boot}" && find BOOT-INF/lib -name '*.jar' | LC_ALL=C sort | sed 's/.*/- "&"/') >"${boot}/BOOT-INF/classpath.idx"
    zipdir "${work}/orders-service-2.3.1.jar" "${boot}" BOOT-INF/lib

    # The WAR: a web application with its libraries, the fat jar among them.
    local war="${work}/war"
    mkdir -p "${war}/META-INF" "${war}/WEB-INF/lib" "${war}/WEB-INF/classes"
    printf '%s\r\n' 'Manifest-Version: 1.0' 'Created-By: Maven WAR Plugin 3.4.0' 'Build-Jdk-Spec: 17' \
      'Implementation-Title: acme-web' 'Implementation-Version: 1.4.0' '' >"${war}/META-INF/MANIFEST.MF"
    pomprops "${war}" com.acme acme-web 1.4.0
    cat >"${war}/WEB-INF/web.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">
  <display-name>acme-web</display-name>
  <servlet>
    <servlet-name>dispatcher</servlet-name>
    <servlet-class>org.springframework.web.servlet.DispatcherServlet</servlet-class>
  </servlet>
</web-app>
XML
    printf '<html><body>acme</body></html>\n' >"${war}/index.jsp"
    classfile "${war}/WEB-INF/classes/com/acme/web/HomeController.class"
    cp "${work}/orders-service-2.3.1.jar" "${war}/WEB-INF/lib/"
    jars 'commons-*.jar' 'jackson-*.jar' 'spring3-*.jar' 'guava-*.jar' 'httpclient-*.jar' 'httpcore-*.jar' \
      'slf4j-api-*.jar' 'log4j-api-2*.jar' 'xercesImpl-*.jar' 'bcprov-*.jar' 'joda-time-*.jar' |
      while IFS= read -r path; do cp "${path}" "${war}/WEB-INF/lib/"; done
    zipdir "${tmp}/deploy/acme-web.war" "${war}"

    # The EAR: the WAR and shared libraries.
    local ear="${work}/ear"
    mkdir -p "${ear}/META-INF" "${ear}/lib"
    printf '%s\r\n' 'Manifest-Version: 1.0' 'Created-By: Maven EAR Plugin 3.3.0' 'Build-Jdk-Spec: 17' '' >"${ear}/META-INF/MANIFEST.MF"
    pomprops "${ear}" com.acme acme-ear 1.4.0
    cat >"${ear}/META-INF/application.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<application xmlns="https://jakarta.ee/xml/ns/jakartaee" version="10">
  <display-name>acme</display-name>
  <module><web><web-uri>acme-web-1.4.0.war</web-uri><context-root>/acme</context-root></web></module>
  <library-directory>lib</library-directory>
</application>
XML
    cp "${tmp}/deploy/acme-web.war" "${ear}/acme-web-1.4.0.war"
    jars 'log4j-api-2*.jar' 'log4j-core-2*.jar' 'netty-*.jar' 'javax.mail*.jar' |
      while IFS= read -r path; do cp "${path}" "${ear}/lib/"; done
    zipdir "${tmp}/deploy/acme.ear" "${ear}"
    settle "${tmp}"
    rm -rf "${work}"
    rm -rf "${dir}"
    mv "${tmp}" "${dir}"
  fi
  local boot_jars
  unzip -p "${dir}/deploy/acme-web.war" WEB-INF/lib/orders-service-2.3.1.jar >"${dir}.boot.jar"
  boot_jars="$(unzip -Z1 "${dir}.boot.jar" | grep -c '^BOOT-INF/lib/.*\.jar$')"
  rm -f "${dir}.boot.jar"
  log "f-java: $(find "${dir}/lib" -name '*.jar' | wc -l) jars in lib/ ($(du -sh "${dir}/lib" | cut -f1));" \
    "deploy/acme-web.war $(du -h "${dir}/deploy/acme-web.war" | cut -f1), $(unzip -Z1 "${dir}/deploy/acme-web.war" | grep -c '^WEB-INF/lib/.*\.jar$') jars in WEB-INF/lib," \
    "one a Spring Boot jar with ${boot_jars} in BOOT-INF/lib (log4j-core 2.14.1 among them);" \
    "deploy/acme.ear $(du -h "${dir}/deploy/acme.ear" | cut -f1) holding the WAR and $(unzip -Z1 "${dir}/deploy/acme.ear" | grep -c '^lib/.*\.jar$') jars"
}

# ---------------------------------------------------------------------------
# (e) container image

image_input() {
  local dir="${out}/e-image"
  if [[ -f "${dir}/docker.tar" && -f "${dir}/oci.tar" ]]; then
    log "e-image: exists"
  else
    # Layer 1: a Debian root filesystem, kept (bench/.cache/inventory/e-image-root,
    # ~320 MB) so that a rebuild of the image does not debootstrap again.
    local root="${out}/e-image-root" suite="${DEBIAN_SUITE:-bookworm}" mirror
    if [[ ! -f "${root}/var/lib/dpkg/status" ]]; then
      if ! command -v debootstrap >/dev/null; then
        log "e-image: installing debootstrap"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
      fi
      mirror="${DEBIAN_MIRROR:-$(debian_mirror "${suite}" | head -n1)}"
      [[ -n "${mirror}" ]] || {
        log "e-image: no apt source for ${suite} found in /etc/apt; set DEBIAN_MIRROR"
        return 1
      }
      log "e-image: debootstrap --variant=minbase ${suite} from ${mirror}, log in ${out}/e-image-debootstrap.log (a few minutes)"
      rm -rf "${root}.tmp"
      debootstrap --variant=minbase --include=ca-certificates,curl,openssl,python3,procps,libxml2 \
        "${suite}" "${root}.tmp" "${mirror}" >"${out}/e-image-debootstrap.log" 2>&1
      mv "${root}.tmp" "${root}"
    fi
    local tmp work
    tmp="$(fresh "${dir}")"
    work="$(mktemp -d "${out}/.e-image-work.XXXXXX")"

    # Layer 2: an application under /app: a-npm's lockfile, d-tree's Go
    # binary, f-java's WAR and a few of its jars, and a cache directory that
    # layer 3 empties.
    local l2="${work}/l2/app" j
    mkdir -p "${l2}/bin" "${l2}/lib" "${l2}/webapps" "${l2}/cache"
    cp "${out}/a-npm/package.json" "${out}/a-npm/package-lock.json" "${l2}/"
    cp "${out}/d-tree/bin/syft" "${l2}/bin/"
    cp "${out}/f-java/deploy/acme-web.war" "${l2}/webapps/"
    for j in 'log4j-core-2*.jar' 'log4j-api-2*.jar' 'jackson-databind-*.jar' 'guava-*.jar' 'commons-text-*.jar' 'netty-all-*.jar'; do
      find "${out}/f-java/lib" -maxdepth 1 -name "${j}" -exec cp {} "${l2}/lib/" \;
    done
    find "${out}/f-java/lib" -maxdepth 1 -name 'commons-collections-3*.jar' -exec cp {} "${l2}/cache/" \;

    # Layer 3: "apt-get purge curl" and a clean-up, as whiteouts: the package
    # database without curl, a ".wh." file for each file curl installed, one
    # for a jar of layer 2, and an opaque marker emptying /app/cache.
    local l3="${work}/l3" f
    mkdir -p "${l3}/var/lib/dpkg" "${l3}/app/lib" "${l3}/app/cache"
    awk 'BEGIN { RS = ""; ORS = "\n\n" } !/^Package: curl\n/' "${root}/var/lib/dpkg/status" >"${l3}/var/lib/dpkg/status"
    while IFS= read -r f; do
      [[ -f "${root}${f}" || -L "${root}${f}" ]] || continue
      mkdir -p "${l3}$(dirname "${f}")"
      : >"${l3}$(dirname "${f}")/.wh.$(basename "${f}")"
    done <"${root}/var/lib/dpkg/info/curl.list"
    mkdir -p "${l3}/var/lib/dpkg/info"
    for f in "${root}"/var/lib/dpkg/info/curl.*; do : >"${l3}/var/lib/dpkg/info/.wh.$(basename "${f}")"; done
    for f in "${l2}"/lib/commons-text-*.jar; do : >"${l3}/app/lib/.wh.$(basename "${f}")"; done
    : >"${l3}/app/cache/.wh..wh..opq"
    printf 'emptied at build time\n' >"${l3}/app/cache/README"

    settle "${work}"
    # The root's device nodes, kernel file systems, apt's downloaded .debs and
    # lists are not in a base image (Debian's own images leave them out too).
    (cd "${repo}" && GOFLAGS='' go run ./bench/cmd/imagesave -docker "${tmp}/docker.tar" -oci "${tmp}/oci.tar" -tag acme/app:1.0 \
      -exclude 'dev/*' -exclude 'proc/*' -exclude 'sys/*' -exclude 'run/*' -exclude 'tmp/*' \
      -exclude 'var/cache/apt/archives/*.deb' -exclude 'var/cache/apt/*.bin' -exclude 'var/lib/apt/lists/*' \
      -label org.opencontainers.image.base.name=docker.io/library/debian:bookworm \
      -label org.opencontainers.image.title=acme-app -label org.opencontainers.image.version=1.0 \
      -created-by "/bin/sh -c #(nop) ADD file:debootstrap-${suite}-minbase in / " \
      -created-by 'COPY app /app # buildkit' \
      -created-by 'RUN /bin/sh -c apt-get purge -y curl && rm -f /app/lib/commons-text-*.jar && rm -rf /app/cache/* # buildkit' \
      "${root}" "${work}/l2" "${l3}")
    rm -rf "${work}"
    rm -rf "${dir}"
    mv "${tmp}" "${dir}"
  fi
  log "e-image: docker.tar $(du -h "${dir}/docker.tar" | cut -f1) ($(tar -tf "${dir}/docker.tar" | grep -c '/layer.tar$') layers)," \
    "oci.tar $(du -h "${dir}/oci.tar" | cut -f1) (gzip layers); layer 1 holds $(grep -c '^Status: install ok installed' "${out}/e-image-root/var/lib/dpkg/status") Debian packages, layer 3 purges curl"
}

# ---------------------------------------------------------------------------
# (g) the lockfiles of issue 7, many projects of them

# node_tool NAME@VERSION: installs an npm-distributed tool (yarn, pnpm) into
# bench/.cache/node-tools/NAME through npm and prints its executable.
node_tool() {
  local spec="$1" name="${1%@*}" prefix="${bench}/.cache/node-tools/${1//[@\/]/-}"
  if [[ ! -x "${prefix}/node_modules/.bin/${name}" ]]; then
    npm install --prefix "${prefix}" --no-audit --no-fund --loglevel=error "${spec}" >&2
  fi
  printf '%s\n' "${prefix}/node_modules/.bin/${name}"
}

# The fixture directories of the new extractors that are copied, and how often
# in all (round robin): every testdata/<case>/ but the fuzz corpus and the
# bad-input cases, of the lockfile formats; the OS databases go to rootfs/.
POLYGLOT_PROJECTS="${POLYGLOT_PROJECTS:-400}"
polyglot_fixtures=(cargolock yarnlock pnpmlock gemfilelock composerlock nugetlock pomxml gradlelock gradleverify)

polyglot_input() {
  local dir="${out}/g-polyglot"
  if [[ -f "${dir}/.complete" ]]; then
    log "g-polyglot: exists"
  else
    local tmp
    tmp="$(fresh "${dir}")"

    # Real lockfiles of a-npm's package.json, resolved by the tools themselves
    # against npm's registry: pnpm (lockfile v9) resolves metadata only; yarn
    # 1 has no lockfile-only mode, so it installs into a scratch directory
    # (4+ GB of downloads into its cache, YARN_CACHE if set, else a scratch one
    # that is removed; YARN_TIMEOUT seconds at most) and only its yarn.lock is
    # kept.
    local pnpm yarn scratch
    pnpm="$(node_tool pnpm@9)"
    mkdir -p "${tmp}/apps/web-pnpm"
    cp "${out}/a-npm/package.json" "${tmp}/apps/web-pnpm/"
    log "g-polyglot: pnpm $("${pnpm}" --version) install --lockfile-only (a few minutes)"
    (cd "${tmp}/apps/web-pnpm" && "${pnpm}" install --lockfile-only --ignore-scripts --reporter=silent)
    yarn="$(node_tool yarn@1.22.22)"
    scratch="$(mktemp -d)"
    cp "${out}/a-npm/package.json" "${scratch}/"
    log "g-polyglot: yarn $("${yarn}" --version) install in ${scratch} (downloads every package; ${YARN_TIMEOUT:-2400} s at most; log in ${out}/g-polyglot-yarn.log)"
    if (cd "${scratch}" && timeout "${YARN_TIMEOUT:-2400}" "${yarn}" install --ignore-scripts --ignore-engines --non-interactive \
      --no-progress --network-concurrency 8 --network-timeout 300000 --cache-folder "${YARN_CACHE:-${scratch}/.cache}" \
      >"${out}/g-polyglot-yarn.log" 2>&1); then
      mkdir -p "${tmp}/apps/web-yarn"
      cp "${scratch}/package.json" "${scratch}/yarn.lock" "${tmp}/apps/web-yarn/"
    else
      log "g-polyglot: yarn install failed or timed out (see ${out}/g-polyglot-yarn.log): no real yarn.lock (the fixtures' remain)"
    fi
    rm -rf "${scratch}"

    # The fixtures, copied round robin into POLYGLOT_PROJECTS projects.
    local cases=() c p i=0
    for p in "${polyglot_fixtures[@]}"; do
      for c in "${repo}/extract/${p}/testdata"/*/; do
        c="${c%/}"
        case "$(basename "${c}")" in fuzz | bad-* | README*) continue ;; esac
        cases+=("${c}")
      done
    done
    mkdir -p "${tmp}/projects"
    if ((${#cases[@]} > 0)); then
      while ((i < POLYGLOT_PROJECTS)); do
        c="${cases[$((i % ${#cases[@]}))]}"
        p="$(basename "$(dirname "$(dirname "${c}")")")"
        cp -r "${c}" "${tmp}/projects/$(printf '%03d' "${i}")-${p}-$(basename "${c}")"
        i=$((i + 1))
      done
    fi

    # OS databases as root filesystems: Alpine's (the apk fixtures), and the
    # rpm fixtures' databases at the paths of the distributions that use each
    # format (SQLite: Rocky 9, Berkeley DB: CentOS 7, NDB: openSUSE Leap 15).
    local apk="${repo}/extract/apk/testdata" rpm="${repo}/extract/rpm/testdata"
    if [[ -f "${apk}/minirootfs-3.14/lib/apk/db/installed" ]]; then
      mkdir -p "${tmp}/rootfs"
      cp -r "${apk}/minirootfs-3.14" "${tmp}/rootfs/alpine-3.14"
    fi
    if [[ -f "${apk}/xz-chain/image/rootfs/lib/apk/db/installed" ]]; then
      mkdir -p "${tmp}/rootfs"
      cp -r "${apk}/xz-chain/image/rootfs" "${tmp}/rootfs/alpine-xz-chain"
    fi
    # rpmdb OS SRC DBDIR DBFILE: a root filesystem with SRC as its database.
    rpmdb() {
      local os="$1" src="$2" d="${tmp}/rootfs/$1"
      [[ -f "${src}" ]] || return 0
      mkdir -p "${d}/$3" "${d}/etc"
      case "${src}" in
        *.gz) gunzip -c "${src}" >"${d}/$3/$4" ;;
        *) cp "${src}" "${d}/$3/$4" ;;
      esac
      [[ -f "${rpm}/os-release/${os}" ]] && cp "${rpm}/os-release/${os}" "${d}/etc/os-release"
    }
    rpmdb rocky-9.3 "${rpm}/db/rpmdb.sqlite.gz" usr/lib/sysimage/rpm rpmdb.sqlite
    rpmdb centos-7 "${rpm}/db/Packages" var/lib/rpm Packages
    rpmdb opensuse-leap-15.5 "${rpm}/db/Packages.db" usr/lib/sysimage/rpm Packages.db
    date -u +%FT%TZ >"${tmp}/.complete"
    rm -rf "${dir}"
    mv "${tmp}" "${dir}"
  fi
  local pn yl
  # pnpm 9: the keys of "packages:"; yarn 1: the unindented entry lines.
  pn="$(awk '/^packages:/ { p = 1; next } /^[^ ]/ { p = 0 } p && /^  [^ ]/ { n++ } END { print n + 0 }' "${dir}/apps/web-pnpm/pnpm-lock.yaml" 2>/dev/null || true)"
  yl="$(awk '/^[^ #].*:$/ { n++ } END { print n + 0 }' "${dir}/apps/web-yarn/yarn.lock" 2>/dev/null || true)"
  log "g-polyglot: $(find "${dir}/projects" -mindepth 1 -maxdepth 1 -type d | wc -l) fixture projects ($(find "${dir}/projects" -type f | wc -l) files)," \
    "apps/web-pnpm/pnpm-lock.yaml ${pn:-no} packages, apps/web-yarn/yarn.lock ${yl:-no} entries," \
    "$(find "${dir}/rootfs" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l) OS root filesystems"
}

# ---------------------------------------------------------------------------

# Which inputs to make: all by default; INPUTS (as run.sh takes it) limits
# them, with what they are made from ("e-image" needs a-npm, d-tree and f-java).
want="${INPUTS:-a-npm b-gomod c-dpkg d-tree e-image f-java g-polyglot}"
wants() { [[ " ${want} " == *" $1 "* ]]; }
wants e-image-oci && want+=" e-image"
wants e-image && want+=" a-npm b-gomod c-dpkg d-tree f-java"
wants d-tree && want+=" a-npm b-gomod c-dpkg"
wants g-polyglot && want+=" a-npm"

wants a-npm && npm_input
wants b-gomod && go_input
wants c-dpkg && dpkg_input
wants d-tree && tree_input
wants f-java && java_input
wants e-image && image_input
wants g-polyglot && polyglot_input
for d in a-npm b-gomod c-dpkg d-tree e-image f-java g-polyglot; do
  wants "${d}" || continue
  log "$(printf '%-10s %6s files %6s  %s' "${d}" "$(files "${out}/${d}")" "$(du -sh "${out}/${d}" | cut -f1)" "${out}/${d}")"
done
