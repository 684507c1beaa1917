#!/usr/bin/env bash
# Resumed start of this build against an older one (a git revision), alternating, median of N
# rounds (default 3): each build makes its own idle machine with --save-state and saves it; a round
# resumes each in turn (one machine runs at a time), times `berth start` and start to the first
# GET /_ping answered, and saves it again after 5 s idle.
#   Usage: bench/start/resume-ab.sh OLD_REVISION [N] [MEMORY_MIB]   (default 3 rounds, 2048 MiB)
# The older build is made in a throw-away worktree (/tmp/berth-ab-REV).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
old_rev=${1:?give the older git revision}
runs=${2:-3}
memory=${3:-2048}
old_root=/tmp/berth-ab-$old_rev
if [ ! -f "$old_root/berth-cli/target/berth.jar" ]; then
  git -C "$root" worktree add -f "$old_root" "$old_rev" >/dev/null
  (cd "$old_root" && mvn -B -q -o package -DskipTests -Dspotless.check.skip=true)
fi
export BERTH_HOME; BERTH_HOME=$(mktemp -d /tmp/berth-bench-resume-ab.XXXXXX)
export XDG_CONFIG_HOME=$BERTH_HOME/xdg
declare -A berth=([new]=$root/bin/berth [old]=$old_root/bin/berth)
trap 'for b in new old; do ${berth[$b]} rm -f $b >/dev/null 2>&1 || true; done; rm -rf "$BERTH_HOME"' EXIT
# shellcheck source=bench/start/common.sh
. "$root/bench/start/common.sh"

for build in old new; do
  ${berth[$build]} init -q --now --save-state --memory "$memory" \
    --image "$root/guest/out/stream.json" --disk-size 10 $build >/dev/null 2>&1
  sleep 5 # an idle machine, as a user leaves it
  ${berth[$build]} stop $build >/dev/null 2>&1 # saved: one machine runs at a time
done
declare -A rows
for _ in $(seq "$runs"); do
  for build in old new; do
    b=${berth[$build]}
    t0=$(now_ms); $b start -q $build >/dev/null; t1=$(now_ms)
    await_ping "$BERTH_HOME/run/$build/podman.sock"
    t2=$(now_ms)
    echo "$build start=$((t1 - t0)) ping=$((t2 - t0))" >&2
    rows[$build]+="$((t1 - t0)) $((t2 - t0))"$'\n'
    sleep 5
    $b stop $build >/dev/null 2>&1
  done
done
echo "| build | resumed \`berth start\` (ms) | start to first _ping (ms) |"
echo "|---|---|---|"
for build in old new; do
  col() { column_median "${rows[$build]}" "$1"; }
  echo "| $build | $(col 1) | $(col 2) |"
done
