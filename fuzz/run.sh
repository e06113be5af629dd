#!/usr/bin/env bash
# Run every fuzz target, one at a time, for SECONDS each (default 600), on one core.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]     (needs: rustup nightly, cargo install cargo-fuzz)
# Crashes land in fuzz/artifacts/<target>/; the corpora in fuzz/corpus/<target>/ grow. After a
# long run, minimise a corpus before committing it:  cargo +nightly fuzz cmin -O <target>
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(amount csv_ingest xlsx_ingest scenario_toml mapping_toml)
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  echo "== fuzz $t for ${secs}s"
  cargo +nightly fuzz run -O "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1
done
