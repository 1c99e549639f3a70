#!/usr/bin/env bash
# Builds what the container image ships: the emulator and the scenario's handler, release.
# The Dockerfile runs exactly this script, and so does CI (there is no Docker engine on the
# development and CI machines, so CI checks the image's build steps this way).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -p emulator -p handler
