#!/usr/bin/env bash
# The console in a real browser: headless Chromium from Debian's packages, driven over
# WebDriver (python3-selenium + chromium-driver), walks the reference scenario (the key
# administrator's "Show" refused by the key policy, the function's role sees the value)
# and saves screenshots. Run by .ci/run, as root on Debian bookworm; installs what it
# needs. The emulator and handler binaries: $EMULATOR_BIN and $HANDLER_BIN, else the
# release builds (built here if missing). Screenshots go to $CONSOLE_SCREENSHOTS (default
# target/console-screenshots); the directory is printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
  || ! /usr/bin/python3 -c 'import selenium' 2>/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver python3-selenium >/dev/null
fi
target="${CARGO_TARGET_DIR:-target}"
if [ -z "${EMULATOR_BIN:-}" ]; then
  cargo build --release --locked -p emulator
  EMULATOR_BIN="$target/release/emulator"
fi
if [ -z "${HANDLER_BIN:-}" ]; then
  [ -x "$target/release/handler" ] || cargo build --release --locked -p handler
  HANDLER_BIN="$target/release/handler"
fi
export EMULATOR_BIN HANDLER_BIN
export CONSOLE_SCREENSHOTS="${CONSOLE_SCREENSHOTS:-$target/console-screenshots}"
exec /usr/bin/python3 scripts/console_browser_test.py
