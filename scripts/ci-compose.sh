#!/usr/bin/env bash
# CI: proves the container image. Builds it with the compose file, starts it with
# `docker compose up -d`, waits for its health check, runs the end-to-end suite against it
# exactly as the README says, and stops it (also on failure).
#
# On a machine without a Docker engine (CI runs as root), installs Debian's (docker.io,
# docker-compose) and debootstrap, and starts dockerd in the background for the run. Where
# no public container registry can be reached, scripts/ci-image.sh makes the Dockerfile's
# base images from Debian's packages first (kept for the next run).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$SECONDS
say() { echo "ci-compose: [$((SECONDS - started)) s] $*"; }

if ! command -v dockerd >/dev/null || ! command -v debootstrap >/dev/null ||
  ! { docker compose version >/dev/null 2>&1 || command -v docker-compose >/dev/null; }; then
  if [[ $(id -u) != 0 ]]; then
    echo "ci-compose: needs docker, docker compose (or docker-compose) and debootstrap; run as root to install them" >&2
    exit 1
  fi
  say "installing docker.io, docker-compose and debootstrap from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
fi

dockerd_pid=
cleanup() {
  local status=$?
  if [[ -n "${compose:-}" ]]; then
    if [[ $status != 0 ]]; then
      $compose logs --no-color --tail=200 || true
    fi
    $compose down --volumes --remove-orphans >/dev/null 2>&1 || true
    say "container stopped"
  fi
  if [[ -n "$dockerd_pid" ]]; then
    kill "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
  fi
  exit "$status"
}
trap cleanup EXIT

if ! docker info >/dev/null 2>&1; then
  # A dockerd killed without its shutdown (a stopped session) leaves its pid file behind.
  if ! pgrep -x dockerd >/dev/null; then
    rm -f /var/run/docker.pid
  fi
  say "starting dockerd in the background"
  dockerd >"${TMPDIR:-/tmp}/ci-dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || {
    tail -n 20 "${TMPDIR:-/tmp}/ci-dockerd.log" >&2
    exit 1
  }
fi

if docker compose version >/dev/null 2>&1; then
  compose="docker compose"
else
  compose="docker-compose"
fi
say "using $compose"

# The base images: pulled by docker where a registry is reachable; else made here.
scripts/ci-image.sh

say "building the image"
$compose build
docker image ls --format '{{.Repository}}:{{.Tag}} {{.Size}}' aws-parameter-store-emulator
say "image built"

$compose up -d
container=$($compose ps -q emulator)
for _ in $(seq 60); do
  health=$(docker inspect --format '{{.State.Health.Status}}' "$container")
  [[ "$health" == healthy ]] && break
  sleep 1
done
say "container $health, user $(docker inspect --format '{{.Config.User}}' "$container")"
[[ "$health" == healthy ]]

# The README's command, word for word, against the container.
say "running the end-to-end suite against the container"
AWS_ENDPOINT_URL=http://127.0.0.1:4566 AWS_REGION=us-east-1 cargo test -p integration-tests
say "the end-to-end suite passed against the container"
