#!/usr/bin/env bash
# The aarch64 stand-in under TCG: an arm64 berth-os machine on this x86_64 host, N fresh machines
# (default 3), each measured for
#   init+start   `berth init --arch aarch64` then `berth start` (first boot, Ignition included)
#   start→_ping  from `berth start` run to the first GET /_ping answered on the API socket
#   stop         `berth stop` with the arm64 busybox-httpd running, published with -p
# then the median of each. The image is pulled into the cache once, unmeasured, before the runs.
# Run it under the VM lock:   flock /tmp/berth-vm.lock bench/aarch64/run.sh [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs=${1:-3}
export BERTH_HOME; BERTH_HOME=$(mktemp -d /tmp/berth-bench-aarch64.XXXXXX)
export XDG_CONFIG_HOME=$BERTH_HOME/xdg HOME=$BERTH_HOME
berth=$root/bin/berth
stream=$root/guest/out/stream.json
name=arm
trap '$berth rm -f $name >/dev/null 2>&1 || true; rm -rf "$BERTH_HOME"' EXIT
now_ms() { date +%s%3N; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
secs() { awk -v ms="$1" 'BEGIN {printf "%.1f", ms / 1000}'; }

$berth init -q --arch aarch64 --image "$stream" --disk-size 10 $name >/dev/null 2>&1
$berth rm -f $name >/dev/null
sock=$BERTH_HOME/run/$name/podman.sock
declare -a init_start ping stop
for i in $(seq "$runs"); do
  t0=$(now_ms)
  $berth init -q --arch aarch64 --image "$stream" --disk-size 10 $name >/dev/null 2>&1
  t1=$(now_ms)
  $berth start -q $name >/dev/null 2>&1
  t2=$(now_ms)
  until curl -sf --unix-socket "$sock" http://d/_ping >/dev/null; do sleep 0.1; done
  t3=$(now_ms)
  podman --url "unix://$sock" load -q -i "$root/guest/out/busybox-httpd-aarch64.tar" >/dev/null
  podman --url "unix://$sock" run -d -p $((20000 + RANDOM % 10000)):80 localhost/busybox-httpd >/dev/null
  t4=$(now_ms)
  $berth stop $name >/dev/null 2>&1
  t5=$(now_ms)
  $berth rm -f $name >/dev/null
  init_start+=($((t2 - t0))); ping+=($((t3 - t1))); stop+=($((t5 - t4)))
  echo "run $i: init+start $(secs $((t2 - t0))) s  start→_ping $(secs $((t3 - t1))) s  stop $(secs $((t5 - t4))) s"
done
echo "median of $runs: init+start $(secs "$(printf '%s\n' "${init_start[@]}" | median)") s" \
  " start→_ping $(secs "$(printf '%s\n' "${ping[@]}" | median)") s" \
  " stop $(secs "$(printf '%s\n' "${stop[@]}" | median)") s"
