#!/usr/bin/env bash
# Soak of berth-net's port forwards in the kernel-as-guest harness (bench/net/harness.sh): a namespace
# is the guest, with a TCP echo server and iperf3 -s behind two forwards from the host's 127.0.0.1.
#
#  1. throughput through the forward (iperf3 from the host, 3 runs of 5 s each way, median);
#  2. berth-net's threads, open file descriptors and heap used after a full GC (jcmd GC.run);
#  3. SOAK_SECONDS (default 600) of mixed load through the echo forward (SoakLoad: bulk transfers, many
#     short connections, idle connections held open and checked), every byte checked;
#  4. after 35 s of quiet, 2. and then 1. again.
# Passes when no byte was lost, throughput at the end is within 10 % of the start, and threads, file
# descriptors and heap did not grow (heap: at most 10 % above). Needs root, iperf3, busybox, curl, gcc,
# Java 17 (jcmd) and Maven. Cleans up its namespace and processes on exit, however it ends.
# The load's mix: SOAK_BULK threads of bulk transfers, SOAK_SHORT threads of short connections and
# SOAK_IDLE idle connections (defaults 2, 4, 200); e.g. SOAK_BULK=0 SOAK_SHORT=8 SOAK_IDLE=0 drives short
# connections alone, as fast as the host allows.
#
#   SOAK_SECONDS=600 bench/soak/run.sh
set -euo pipefail
{ # read whole before it runs: editing this file during a run must not change the run
cd "$(dirname "$0")/../.."
SOAK_SECONDS=${SOAK_SECONDS:-600}
SOAK_BULK=${SOAK_BULK:-2} SOAK_SHORT=${SOAK_SHORT:-4} SOAK_IDLE=${SOAK_IDLE:-200}
WORK=$(mktemp -d /tmp/berth-soak.XXXXXX)
NS=berth-soak-$$
GUEST_ECHO=15311
GUEST_IPERF=15312
FWD_ECHO=15313
FWD_IPERF=15314
PIDS=()
PEER_PID=
RELAY_PID=
source bench/net/harness.sh

cleanup() {
  for p in "${PIDS[@]}" $PEER_PID $RELAY_PID; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "bench/soak: failed at line $LINENO" >&2' ERR

harness_require iperf3 busybox curl gcc java jcmd mvn
harness_build
# berth-net's log: only flows that end abnormally (reset, failed, refused) are logged, at debug; and
# forwarded connections that cannot reach the guest, at info.
BERTH_NET_JAVA_OPTS="-Dorg.slf4j.simpleLogger.log.dev.berth.net.stack.TcpConnection=debug
  -Dorg.slf4j.simpleLogger.log.dev.berth.net.stack.HostSocketPump=debug
  -Dorg.slf4j.simpleLogger.log.dev.berth.net.stack.InboundForwards=info" harness_start_berth_net 1500
ip netns exec "$NS" java -cp "$TEST_CLASSES" dev.berth.net.testing.GuestTool echo-server 0.0.0.0 $GUEST_ECHO \
  >/dev/null 2>&1 & PIDS+=($!)
ip netns exec "$NS" iperf3 -s -p $GUEST_IPERF >/dev/null 2>&1 & PIDS+=($!)
wait_for 100 sh -c "ip netns exec $NS ss -ltn | grep -q ':$GUEST_ECHO '"
wait_for 100 sh -c "ip netns exec $NS ss -ltn | grep -q ':$GUEST_IPERF '"
harness_forward berth-net $FWD_ECHO $GUEST_ECHO
harness_forward berth-net $FWD_IPERF $GUEST_IPERF
API_IDLE_AT=$(( $(date +%s) + 31 )) # the API's worker threads end 30 s after its last request

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
gbits() { awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") printf "%.2f\n", $i / 1000}'; }
throughput() { # host→guest and guest→host through the forward, "IN OUT" Gbit/s
  local in="" out=""
  for _ in 1 2 3; do
    in+="$(iperf3_retry 127.0.0.1 -p $FWD_IPERF -t 5 -f m | gbits) "
    out+="$(iperf3_retry 127.0.0.1 -p $FWD_IPERF -t 5 -f m -R | gbits) "
  done
  echo "runs host→guest: $in guest→host: $out" >&2
  echo "$(printf '%s\n' $in | median) $(printf '%s\n' $out | median)"
}
# "THREADS FDS HEAP_KIB"; jcmd first, so that its attach thread and socket count both times.
resources() {
  jcmd $PEER_PID GC.run >/dev/null
  jcmd $PEER_PID GC.run >/dev/null
  local heap
  heap=$(jcmd $PEER_PID GC.heap_info | grep -o 'used [0-9]*K' | head -1 | tr -dc 0-9)
  echo "$(awk '/^Threads:/ {print $2}' /proc/$PEER_PID/status) $(ls /proc/$PEER_PID/fd | wc -l) $heap"
}

# Warm-up, not measured: the JIT compiles the forwarding path.
iperf3_retry 127.0.0.1 -p $FWD_IPERF -t 5 >/dev/null
iperf3_retry 127.0.0.1 -p $FWD_IPERF -t 5 -R >/dev/null
read -r IN0 OUT0 < <(throughput)
while [ "$(date +%s)" -lt $API_IDLE_AT ]; do sleep 1; done
read -r THREADS0 FDS0 HEAP0 < <(resources)
echo "before: threads $THREADS0, fds $FDS0, heap ${HEAP0} KiB; throughput host→guest $IN0, guest→host $OUT0 Gbit/s"

START=$(date +%s)
java -cp "$TEST_CLASSES" dev.berth.net.testing.SoakLoad 127.0.0.1 $FWD_ECHO "$SOAK_SECONDS" "$SOAK_BULK" 64 "$SOAK_SHORT" "$SOAK_IDLE" \
  & LOAD_PID=$!
PIDS+=($LOAD_PID)
TICK=0
while kill -0 $LOAD_PID 2>/dev/null; do
  sleep 5
  TICK=$(( TICK + 1 ))
  [ $(( TICK % 12 )) = 0 ] && kill -0 $LOAD_PID 2>/dev/null || continue
  echo "  +$(( $(date +%s) - START )) s: threads $(awk '/^Threads:/ {print $2}' /proc/$PEER_PID/status)," \
    "fds $(ls /proc/$PEER_PID/fd | wc -l), CPU $(ps -o times= -p $PEER_PID | tr -d ' ') s," \
    "$(curl -sS --unix-socket "$WORK/api.sock" http://berth/stats | grep -o '"TcpFlows":[0-9]*')"
done
LOAD_OK=0
wait $LOAD_PID || LOAD_OK=$?
echo "load ran $(( $(date +%s) - START )) s, SoakLoad exit $LOAD_OK"

sleep 35 # TIME_WAIT in berth-net is 5 s; the API's worker thread (for /stats above) ends after 30 s idle
read -r THREADS1 FDS1 HEAP1 < <(resources)
read -r IN1 OUT1 < <(throughput)
echo "after:  threads $THREADS1, fds $FDS1, heap ${HEAP1} KiB; throughput host→guest $IN1, guest→host $OUT1 Gbit/s"

verdict() { if [ "$1" = 1 ]; then echo "ok"; else echo "FAIL"; fi; }
within10() { awk -v a="$1" -v b="$2" 'BEGIN {d = (b - a) / a; if (d < 0) d = -d; print (d <= 0.10) ? 1 : 0}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", b / a}'; }
TABLE="| measure | before | after | after/before | verdict |
|---|---|---|---|---|
| throughput host→guest Gbit/s | $IN0 | $IN1 | $(ratio "$IN0" "$IN1") | $(verdict "$(within10 "$IN0" "$IN1")") |
| throughput guest→host Gbit/s | $OUT0 | $OUT1 | $(ratio "$OUT0" "$OUT1") | $(verdict "$(within10 "$OUT0" "$OUT1")") |
| threads | $THREADS0 | $THREADS1 | $(ratio "$THREADS0" "$THREADS1") | $(verdict $(( THREADS1 <= THREADS0 ))) |
| file descriptors | $FDS0 | $FDS1 | $(ratio "$FDS0" "$FDS1") | $(verdict $(( FDS1 <= FDS0 ))) |
| heap after GC KiB | $HEAP0 | $HEAP1 | $(ratio "$HEAP0" "$HEAP1") | $(verdict $(( HEAP1 * 10 <= HEAP0 * 11 ))) |
| load: bytes lost or connections failed | | | | $(verdict $(( LOAD_OK == 0 ))) |"
echo "$TABLE"
case "$TABLE" in *FAIL*) exit 1;; esac
exit 0
}
