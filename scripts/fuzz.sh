#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each; `scripts/fuzz.sh 300`),
# growing the committed corpus (minimised afterwards) and turning each crash into a
# regression input under fuzz/regressions/TARGET/, which `cargo test` replays on stable.
# Needs a nightly toolchain and cargo-fuzz, installed here when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
targets=(http_request sigv4 policy kms_ciphertext fixture template)

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
cargo fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked

status=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target" "fuzz/regressions/$target"
  echo "== $target: ${seconds}s"
  started=$(date +%s)
  if ! cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 2>"fuzz/$target.log"; then
    status=1
    echo "   CRASH: see fuzz/$target.log"
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "fuzz/$target.log" | sed 's/^/   /' || true
  echo "   ran $(( $(date +%s) - started ))s"
  for crash in fuzz/artifacts/"$target"/crash-* fuzz/artifacts/"$target"/timeout-* fuzz/artifacts/"$target"/oom-*; do
    [ -e "$crash" ] || continue
    cp "$crash" "fuzz/regressions/$target/"
    echo "   kept $(basename "$crash") as a regression input"
  done
  # Keep the committed corpus small: only inputs that add coverage.
  cargo +nightly fuzz cmin "$target" "fuzz/corpus/$target" >/dev/null 2>&1 || true
done
exit "$status"
