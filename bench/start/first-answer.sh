#!/usr/bin/env bash
# From `berth start` to the first GET /_ping answered on the API socket, for two builds of berth
# (two bin/berth paths, e.g. a worktree of an older commit and this one), on machines of the same
# guest image, alternating so that both see the same load.
#   Usage: bench/start/first-answer.sh BERTH_A BERTH_B [ROUNDS]     (default 3 rounds)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
declare -A bin=([a]=${1:?the first build\'s bin/berth} [b]=${2:?the second build\'s bin/berth})
rounds=${3:-3}
scratch=$(mktemp -d /tmp/berth-bench-first.XXXXXX)
use() { export BERTH_HOME=$scratch/$1 XDG_CONFIG_HOME=$scratch/$1/xdg; }
cleanup() {
  for v in a b; do use $v; "${bin[$v]}" rm -f m >/dev/null 2>&1 || true; done
  rm -rf "$scratch"
}
trap cleanup EXIT
for v in a b; do
  use $v
  "${bin[$v]}" init -q --image "$root/guest/out/stream.json" --disk-size 10 m >/dev/null
  "${bin[$v]}" start -q m >/dev/null 2>&1
  "${bin[$v]}" stop m >/dev/null 2>&1
done
for _ in $(seq "$rounds"); do
  for v in a b; do
    use $v
    t0=$(date +%s%3N); "${bin[$v]}" start -q m >/dev/null 2>&1; t1=$(date +%s%3N)
    curl -sf --unix-socket "$BERTH_HOME/run/m/podman.sock" http://d/_ping >/dev/null; t2=$(date +%s%3N)
    echo "${bin[$v]} wall=$((t1 - t0)) ping=$((t2 - t1)) total=$((t2 - t0))"
    "${bin[$v]}" stop m >/dev/null 2>&1
  done
done
