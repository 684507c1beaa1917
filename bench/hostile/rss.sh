#!/usr/bin/env bash
# berth-net's memory under a hostile guest (issue 16, item 2), in the kernel-as-guest harness
# (bench/net/harness.sh): a network namespace is the guest, attached to a standalone berth-net
# (BerthNetMain, which serves the guest's forwarder at the gateway's port 80 as the agent does). For each
# build and each attack, on a fresh berth-net: its RSS at rest (after DHCP), the peak (sampled every
# 0.2 s from the attack's start) and after the attack, then its heap's live data after a full GC; what
# it holds (forwards, TCP flows, MACs), its threads and descriptors; whether it still serves the guest's
# forwarder and the host's API afterwards; and the bytes it logged. The attacks
# (bench/hostile/attack.py), each bounded in time:
#
#  headers   one request to http://192.168.127.1/ whose head never ends (HEADER_LINE_BYTES lines, 64 by
#            default, the most costly per byte; each a new name), up to HEADER_BYTES (150 MB) or 15 s;
#  forwards  FORWARDS (2,000) POST /services/forwarder/expose from the guest, host 127.0.0.1:20000+i;
#  flows     FLOWS (5,000) TCP connections from the guest to the host alias 192.168.127.254 (the host's
#            127.0.0.1:15400, a server that holds them), held until counted;
#  macs      MAC_FRAMES (3,000,000) frames from as many spoofed source MACs, paced by what berth-net
#            has read so the TAP device drops none, for at most 60 s.
#
# BEFORE_TREE (optional) is a checkout of an older build, measured first with BEFORE_JAVA_OPTS (the
# agent's JVM flags before issue 16); this tree is measured with AFTER_JAVA_OPTS (the agent's flags in
# JvmAgentLauncher). Both log at info with dates, as the agent does. ATTACKS picks attacks. Needs root,
# python3, busybox, curl, gcc, Java 17 (jcmd) and Maven. Sends only to loopback and its own namespace;
# cleans up its namespace and processes on exit, however it ends.
#
#   bench/hostile/rss.sh [BEFORE_TREE]
set -euo pipefail
{ # read whole before it runs: editing this file during a run must not change the run
cd "$(dirname "$0")/../.."
AFTER_TREE=$PWD
BEFORE_TREE=${1:-}
ATTACKS=${ATTACKS:-headers forwards flows macs}
HEADER_BYTES=${HEADER_BYTES:-150000000}
HEADER_LINE_BYTES=${HEADER_LINE_BYTES:-64}
FORWARDS=${FORWARDS:-2000}
FLOWS=${FLOWS:-5000}
MAC_FRAMES=${MAC_FRAMES:-3000000}
BEFORE_JAVA_OPTS=${BEFORE_JAVA_OPTS:--Xss512k -XX:+UseSerialGC}
AFTER_JAVA_OPTS=${AFTER_JAVA_OPTS:--Xss512k -XX:+UseSerialGC -Xmx256m -XX:MaxDirectMemorySize=1g}
LOG_OPTS="-Dorg.slf4j.simpleLogger.defaultLogLevel=info -Dorg.slf4j.simpleLogger.showDateTime=true
  -Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSSXXX"
ATTACK=$AFTER_TREE/bench/hostile/attack.py
GATEWAY=192.168.127.1
FIRST_FORWARD_PORT=20000
FLOW_PORT=15400
ROOT=$(mktemp -d /tmp/berth-hostile.XXXXXX)
WORK=$ROOT
NS=berth-hostile-$$
PIDS=()
PEER_PID=
RELAY_PID=
SAMPLER_PID=
source bench/net/harness.sh

cleanup() {
  for p in "${PIDS[@]}" $SAMPLER_PID $PEER_PID $RELAY_PID; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'echo "bench/hostile: failed at line $LINENO" >&2' ERR

harness_require python3 busybox curl gcc java jcmd mvn

# build LABEL TREE: compiles TREE's berth-net into $ROOT/LABEL (harness_build, run from TREE's root).
build() {
  mkdir "$ROOT/$1"
  (cd "$2" && WORK="$ROOT/$1" && harness_build)
}

mib() { awk -v k="$1" 'BEGIN {printf "%.0f", k / 1024}'; }
rss() { ps -o rss= -p "$PEER_PID" | tr -d ' '; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$PEER_PID/status"; }
fds() { ls "/proc/$PEER_PID/fd" | wc -l; }
# The heap's live data after a full GC, KiB: what berth-net holds, whatever the heap's size.
live_heap() {
  jcmd "$PEER_PID" GC.run >/dev/null
  jcmd "$PEER_PID" GC.heap_info | grep generation | grep -o 'used [0-9]*K' | tr -dc '0-9\n' | awk '{s += $1} END {print s}'
}
api() { curl -sS -m 10 --unix-socket "$WORK/api.sock" "http://berth$1"; }
stat_of() { api /stats | python3 -c "import json, sys; print(json.load(sys.stdin).get('$1', ''))"; }
forwards_held() { api /services/forwarder/all | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
# "yes" when berth-net answers the guest's forwarder and the host's API, else what failed.
serving() {
  local guest host
  guest=$(ns curl -sS -m 10 -o /dev/null -w '%{http_code}' "http://$GATEWAY/services/forwarder/all" 2>/dev/null) || true
  host=$(curl -sS -m 10 -o /dev/null -w '%{http_code}' --unix-socket "$WORK/api.sock" http://berth/stats 2>/dev/null) || true
  if [ "$guest" = 200 ] && [ "$host" = 200 ]; then echo yes; else echo "no (guest ${guest:-000}, host ${host:-000})"; fi
}

TABLE="| attack | build | RSS at rest MiB | peak MiB | after MiB | heap live after MiB | held | threads rest→held | fds rest→held | still serving | log bytes |
|---|---|---|---|---|---|---|---|---|---|---|"
DETAILS=""

# measure LABEL ATTACK JAVA_OPTS: one attack on a fresh berth-net of build LABEL.
measure() {
  local label=$1 attack=$2 opts=$3 log="$ROOT/$1-$2.log" held="-" detail rest peak after live t0 f0 t1 f1 client server
  WORK="$ROOT/$label"
  CP="$WORK/classes:$WORK/test-classes:$(cat "$WORK/cp.txt")"
  BERTH_NET_JAVA_OPTS="$opts $LOG_OPTS" harness_start_berth_net 1500 >"$log" 2>&1
  sleep 3
  rest=$(rss) t0=$(threads) f0=$(fds)
  (while kill -0 "$PEER_PID" 2>/dev/null; do ps -o rss= -p "$PEER_PID" || true; sleep 0.2; done) \
    >"$ROOT/samples" & SAMPLER_PID=$!
  case $attack in
    headers)
      detail=$(ns python3 "$ATTACK" headers $GATEWAY "$HEADER_BYTES" 15 "$HEADER_LINE_BYTES")
      t1=$(threads) f1=$(fds);;
    forwards)
      detail=$(ns python3 "$ATTACK" forwards $GATEWAY "$GUEST_ADDR" "$FORWARDS" $FIRST_FORWARD_PORT)
      held="$(forwards_held) forwards" t1=$(threads) f1=$(fds);;
    flows)
      python3 "$ATTACK" flows-server $FLOW_PORT & server=$!
      PIDS+=($server)
      wait_for 100 sh -c "ss -ltn | grep -q '127.0.0.1:$FLOW_PORT '"
      : >"$ROOT/flows.json"
      ip netns exec "$NS" python3 "$ATTACK" flows-client "$HOST_ADDR" $FLOW_PORT "$FLOWS" 60 >"$ROOT/flows.json" \
        & client=$!
      PIDS+=($client)
      wait_for 1200 test -s "$ROOT/flows.json"
      held="$(stat_of TcpFlows) flows" t1=$(threads) f1=$(fds)
      detail="$(cat "$ROOT/flows.json") serving while held: $(serving)"
      kill "$client"; wait "$client" 2>/dev/null || true;;
    macs)
      detail=$(ns python3 "$ATTACK" macs tap0 "$WORK/api.sock" "$MAC_FRAMES" 60)
      held=$(stat_of KnownMacs)
      if [ -n "$held" ]; then held="$held MACs"; else held="$(grep -c ' on a link' "$log") MACs (log lines)"; fi
      t1=$(threads) f1=$(fds);;
  esac
  sleep 3
  local still
  still=$(serving)
  after=$(rss)
  kill "$SAMPLER_PID"; wait "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
  live=$(live_heap)
  peak=$(sort -n "$ROOT/samples" | tail -1)
  local log_bytes
  log_bytes=$(stat -c %s "$log")
  harness_stop_peer
  [ "$attack" != flows ] || { kill "$server"; wait "$server" 2>/dev/null || true; }
  TABLE+="
| $attack | $label | $(mib "$rest") | $(mib "$peak") | $(mib "$after") | $(mib "$live") | $held | $t0→$t1 | $f0→$f1 | $still | $log_bytes |"
  DETAILS+="$attack, $label: $detail
"
  echo "$attack, $label: rest $(mib "$rest") MiB, peak $(mib "$peak") MiB, after $(mib "$after") MiB, heap live $(mib "$live") MiB, held $held," \
    "threads $t0→$t1, fds $f0→$f1, serving $still, log $log_bytes bytes; $detail"
  rm -f "$log"
}

BUILDS=()
if [ -n "$BEFORE_TREE" ]; then
  build before "$BEFORE_TREE"
  BUILDS+=("before|$BEFORE_JAVA_OPTS")
  echo "before: $(git -C "$BEFORE_TREE" log -1 --format='%h %s' | cut -c1-80); JVM: $BEFORE_JAVA_OPTS"
fi
build after "$AFTER_TREE"
BUILDS+=("after|$AFTER_JAVA_OPTS")
echo "after:  $(git -C "$AFTER_TREE" log -1 --format='%h %s' | cut -c1-80); JVM: $AFTER_JAVA_OPTS"

for attack in $ATTACKS; do
  for b in "${BUILDS[@]}"; do
    measure "${b%%|*}" "$attack" "${b#*|}"
  done
done
echo
echo "$TABLE"
echo
printf '%s' "$DETAILS"
exit 0
}
