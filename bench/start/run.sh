#!/usr/bin/env bash
# Start breakdown of a berth-os machine, median of N starts (default 3) after one unmeasured first
# boot, from the CLI's clock and the agent's log (wall-clock timestamps):
#   agent up     `berth start` run to the agent's first log line (two JVM starts, the launch)
#   QEMU spawned agent up to QEMU started
#   guest boot   QEMU started to the guest's Ready line: the guest's own time
#   SSH + API    Ready to SSH up and the API socket listening
#   CLI returns  agent ready to `berth start` exiting
#   _ping        GET /_ping on the API socket right after start returned
# and, for information, when the guest got its DHCP lease (berth-net only) and when the agent's SSH
# login succeeded, both from QEMU's start: the login now runs in parallel with the guest's boot.
# Host-side overhead: all but the guest boot.        Usage: bench/start/run.sh [N] [NETWORKS]
# NETWORKS: comma-separated values of `berth start --network` (default berth,slirp); the runs
# alternate between them so that each sees the same load, and each gets its own table.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs=${1:-3}
IFS=, read -r -a networks <<< "${2:-berth,slirp}"
export BERTH_HOME; BERTH_HOME=$(mktemp -d /tmp/berth-bench-start.XXXXXX)
export XDG_CONFIG_HOME=$BERTH_HOME/xdg
berth=$root/bin/berth
name=bench
trap '$berth rm -f $name >/dev/null 2>&1 || true; rm -rf "$BERTH_HOME"' EXIT

now_ms() { date +%s%3N; }
log_ms() {
  local at; at=$(grep -m1 "$1" "$log" | cut -d' ' -f1)
  if [ -n "$at" ]; then date -d "$at" +%s%3N; else echo -; fi
}
$berth init -q --image "$root/guest/out/stream.json" --disk-size 10 $name >/dev/null
$berth start -q --network "${networks[0]}" $name >/dev/null
$berth stop $name >/dev/null 2>&1

log=$BERTH_HOME/run/$name/agent.log
declare -A rows
for _ in $(seq "$runs"); do
  for network in "${networks[@]}"; do
    t0=$(now_ms)
    $berth start -q --network "$network" $name >/dev/null
    t1=$(now_ms)
    curl -sf --unix-socket "$BERTH_HOME/run/$name/podman.sock" http://d/_ping >/dev/null
    t2=$(now_ms)
    rows[$network]+="$t0 $(log_ms 'agent of machine') $(log_ms 'Starting QEMU') $(log_ms 'Guest is up') $(log_ms 'is ready') $t1 $t2 $(log_ms 'DHCP lease') $(log_ms 'SSH login as')"$'\n'
    $berth stop $name >/dev/null 2>&1
  done
done

for network in "${networks[@]}"; do
echo "--network $network"
printf '%s' "${rows[$network]}" | tee -a "${BENCH_RAW:-/dev/null}" | python3 -c '
import sys, statistics
steps = [("agent up", 0, 1), ("QEMU spawned", 1, 2), ("guest boot (QEMU to Ready)", 2, 3),
         ("Ready to SSH up, API listening", 3, 4), ("CLI returns", 4, 5), ("berth start, wall", 0, 5),
         ("first _ping", 5, 6), ("(QEMU to the guest DHCP lease)", 2, 7),
         ("(QEMU to the SSH login)", 2, 8)]
rows = [[None if v == "-" else int(v) for v in line.split()] for line in sys.stdin]
print("| step | median ms | each run |")
print("|---|---|---|")
for label, a, b in steps:
    vals = [r[b] - r[a] for r in rows if r[a] is not None and r[b] is not None]
    if vals:
        print("| %s | %.0f | %s |" % (label, statistics.median(vals), " ".join(map(str, vals))))
host = [(r[5] - r[0]) - (r[3] - r[2]) for r in rows]
print("| host-side overhead (wall - guest boot) | %.0f | %s |" % (statistics.median(host), " ".join(map(str, host))))
'
done
