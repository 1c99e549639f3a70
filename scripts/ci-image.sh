#!/usr/bin/env bash
# Makes the base images the Dockerfile names (its `FROM debian:...` and `FROM rust:...`)
# from Debian's packages, for a machine that has a Docker engine but cannot pull from a
# public container registry (CI). A user's machine never needs this: it pulls them.
#
# - debian: `debootstrap --variant=minbase` of the same Debian release, imported.
# - rust: that image with the C toolchain cargo's build scripts need (from apt) and this
#   machine's Rust toolchain (`rustc --print sysroot`) copied in. Where the network
#   inspects TLS, the machine's CA bundle is copied in and cargo pointed at it
#   (CARGO_HTTP_CAINFO); that happens here, in the locally made image, never in the
#   project's Dockerfile.
#
# Images that already exist are kept (a second run takes a second); `--force` remakes them.
# Needs root, docker, debootstrap and rustc.
set -euo pipefail
cd "$(dirname "$0")/.."

force=false
[[ "${1:-}" == "--force" ]] && force=true

debian_tag=$(awk '$1 == "FROM" && $2 ~ /^debian:/ { print $2; exit }' Dockerfile)
rust_tag=$(awk '$1 == "FROM" && $2 ~ /^rust:/ { print $2; exit }' Dockerfile)
[[ -n "$debian_tag" && -n "$rust_tag" ]] || {
  echo "ci-image: the Dockerfile must name a debian: and a rust: base image" >&2
  exit 1
}
# The Debian release is the tag's codename (debian:bookworm-slim, rust:1.95-slim-bookworm).
suite=${debian_tag#debian:}
suite=${suite%%-*}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}

exists() { docker image inspect "$1" >/dev/null 2>&1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if $force || ! exists "$debian_tag"; then
  echo "ci-image: making $debian_tag with debootstrap ($suite, $mirror)"
  started=$SECONDS
  debootstrap --variant=minbase "$suite" "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 || {
    tail -n 30 "$work/debootstrap.log" >&2
    exit 1
  }
  # What the official image has: apt's lists emptied, nothing cached.
  rm -rf "$work/root/var/cache/apt/archives/"*.deb "$work/root/var/lib/apt/lists/"*
  tar -C "$work/root" -c . | docker import - "$debian_tag" >/dev/null
  rm -rf "$work/root"
  echo "ci-image: $debian_tag made in $((SECONDS - started)) s"
else
  echo "ci-image: $debian_tag already present"
fi

if $force || ! exists "$rust_tag"; then
  echo "ci-image: making $rust_tag from $debian_tag and $(rustc --version)"
  started=$SECONDS
  sysroot=$(rustc --print sysroot)
  mkdir -p "$work/rust/toolchain"
  # The compiler, cargo and the standard library; not the documentation (share/).
  cp -a "$sysroot/bin" "$sysroot/lib" "$work/rust/toolchain/"
  [[ -d "$sysroot/libexec" ]] && cp -a "$sysroot/libexec" "$work/rust/toolchain/"
  cp "$ca_bundle" "$work/rust/ca-certificates.crt"
  cat >"$work/rust/Dockerfile" <<EOF
FROM $debian_tag
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN apt-get update \\
 && apt-get install -y --no-install-recommends gcc libc6-dev pkg-config make \\
 && rm -rf /var/lib/apt/lists/*
COPY toolchain /usr/local/rust
ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    CARGO_HOME=/usr/local/cargo \\
    CARGO_HTTP_CAINFO=/etc/ssl/certs/ca-certificates.crt \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
EOF
  docker build -q -t "$rust_tag" "$work/rust" >/dev/null
  echo "ci-image: $rust_tag made in $((SECONDS - started)) s"
else
  echo "ci-image: $rust_tag already present"
fi
