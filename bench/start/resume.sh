#!/usr/bin/env bash
# Instant start (issue 18): cold boot against resume from a saved state, alternating, median of N
# rounds (default 3) of each: `berth stop` wall (with saving for the resumed kind, --no-save for the
# cold one), `berth start` wall, start to the first GET /_ping answered, and the saved state's size.
#   Usage: bench/start/resume.sh [N] [MEMORY_MIB]      (default 3 rounds, 2048 MiB)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs=${1:-3}
memory=${2:-2048}
export BERTH_HOME; BERTH_HOME=$(mktemp -d /tmp/berth-bench-resume.XXXXXX)
export XDG_CONFIG_HOME=$BERTH_HOME/xdg
berth=$root/bin/berth
name=bench
trap '$berth rm -f $name >/dev/null 2>&1 || true; rm -rf "$BERTH_HOME"' EXIT
# shellcheck source=bench/start/common.sh
. "$root/bench/start/common.sh"
state_bytes() { find "$BERTH_HOME" -name '*.state' -printf '%s\n' | head -1; }

$berth init -q --now --save-state --memory "$memory" --image "$root/guest/out/stream.json" --disk-size 10 \
  $name >/dev/null 2>&1
declare -A rows
for _ in $(seq "$runs"); do
  for kind in resumed cold; do
    flags=(); [ "$kind" = cold ] && flags=(--no-save)
    sleep 5 # an idle machine, as a user leaves it
    t0=$(now_ms); $berth stop "${flags[@]}" $name >/dev/null 2>&1; t1=$(now_ms)
    size=$(state_bytes); size=${size:-0}
    t2=$(now_ms); $berth start -q $name >/dev/null; t3=$(now_ms)
    await_ping "$BERTH_HOME/run/$name/podman.sock"
    t4=$(now_ms)
    echo "$kind stop=$((t1 - t0)) start=$((t3 - t2)) ping=$((t4 - t2)) state=$size" >&2
    rows[$kind]+="$((t1 - t0)) $((t3 - t2)) $((t4 - t2)) $size"$'\n'
  done
done
echo "| kind | stop (ms) | start (ms) | start to first _ping (ms) | saved state (MiB) |"
echo "|---|---|---|---|---|"
for kind in resumed cold; do
  col() { column_median "${rows[$kind]}" "$1"; }
  echo "| $kind | $(col 1) | $(col 2) | $(col 3) | $(( $(col 4) / 1048576 )) |"
done
