#!/usr/bin/env bash
# berth-net against slirp4netns in the kernel-as-guest harness: a network namespace whose TAP device is
# the guest's NIC. For each MTU and peer: iperf3 guest->host and host->guest (-R, over the same
# guest-initiated connection) and the median time of connect + 64-byte request + reply + close (300
# rounds), each the median of RUNS runs. Needs root, iperf3, slirp4netns, busybox, gcc, Java 17 and Maven.
#
#   bench/net/run.sh [SECONDS_PER_RUN] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_PER_RUN=${1:-5}
RUNS=${2:-3}
WORK=$(mktemp -d /tmp/berth-bench.XXXXXX)
NS=berth-bench-$$
IPERF_PORT=15301
ECHO_PORT=15302
PIDS=()
PEER_PID=
RELAY_PID=

cleanup() {
  for p in "${PIDS[@]}" $PEER_PID $RELAY_PID; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "bench/net: failed at line $LINENO" >&2' ERR

[ "$(id -u)" = 0 ] || { echo "bench/net needs root (network namespaces, TAP devices)" >&2; exit 1; }
for tool in iperf3 slirp4netns busybox gcc java mvn; do
  command -v "$tool" >/dev/null || { echo "bench/net needs $tool" >&2; exit 1; }
done

mvn -B -q -pl berth-net -DskipTests test-compile
mvn -B -q -pl berth-net org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
CP="berth-net/target/classes:berth-net/target/test-classes:$(cat "$WORK/cp.txt")"
gcc -O2 -pthread -o "$WORK/tapbridge" berth-net/src/test/c/tapbridge.c

iperf3 -s -B 127.0.0.1 -p $IPERF_PORT >/dev/null 2>&1 & PIDS+=($!)
java -cp "$CP" dev.berth.net.testing.GuestTool echo-server 127.0.0.1 $ECHO_PORT & PIDS+=($!)
sleep 1

cat > "$WORK/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in bound|renew)
  ip addr add "$ip/$mask" dev "$interface"
  ip route add default via "$router";;
esac
SCRIPT
chmod +x "$WORK/udhcpc.sh"

ns() { ip netns exec "$NS" "$@"; }

# Starts a peer for the namespace; sets PEER_PID and HOST_ADDR.
start_peer() {
  local peer=$1 mtu=$2
  ip netns add "$NS"
  ns ip link set lo up
  if [ "$peer" = berth-net ]; then
    rm -f "$WORK/net.sock"
    java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$CP" dev.berth.net.BerthNetMain \
      -listen-qemu "unix://$WORK/net.sock" -mtu "$mtu" & PEER_PID=$!
    for _ in $(seq 100); do [ -S "$WORK/net.sock" ] && break; sleep 0.1; done
    ns "$WORK/tapbridge" "$WORK/net.sock" tap0 & RELAY_PID=$!
    for _ in $(seq 100); do ns ip link show tap0 >/dev/null 2>&1 && break; sleep 0.05; done
    ns ip link set tap0 address 5a:94:ef:e4:0c:ee mtu "$mtu" txqueuelen 10000 up
    ns busybox udhcpc -i tap0 -n -q -f -s "$WORK/udhcpc.sh" >/dev/null 2>&1
    HOST_ADDR=192.168.127.254
  else
    slirp4netns --configure --mtu="$mtu" --netns-type=path "/run/netns/$NS" tap0 >/dev/null 2>&1 & PEER_PID=$!
    RELAY_PID=
    for _ in $(seq 100); do ns ip -4 addr show tap0 2>/dev/null | grep -q inet && break; sleep 0.05; done
    ns ip link set tap0 txqueuelen 10000
    HOST_ADDR=10.0.2.2
  fi
}

stop_peer() {
  kill $PEER_PID $RELAY_PID 2>/dev/null || true
  wait $PEER_PID $RELAY_PID 2>/dev/null || true
  PEER_PID= RELAY_PID=
  ip netns del "$NS"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

iperf_gbits() {
  ns iperf3 -c "$HOST_ADDR" -p $IPERF_PORT -t "$SECONDS_PER_RUN" -f m "$@" \
    | awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") printf "%.2f\n", $i / 1000}'
}

latency_us() {
  ns java -cp berth-net/target/test-classes dev.berth.net.testing.GuestTool latency "$HOST_ADDR" $ECHO_PORT 300 \
    | awk '{print $3}'
}

# Peers take turns within each repetition, so that load from elsewhere on the machine falls on both.
declare -A UP DOWN LAT
for mtu in 1500 65520; do
  for _ in $(seq "$RUNS"); do
    for peer in slirp4netns berth-net; do
      start_peer "$peer" "$mtu"
      UP[$mtu,$peer]+="$(iperf_gbits) "
      DOWN[$mtu,$peer]+="$(iperf_gbits -R) "
      LAT[$mtu,$peer]+="$(latency_us) "
      stop_peer
    done
  done
done

printf '| MTU | peer | guest→host Gbit/s | host→guest Gbit/s | connect+request µs |\n|---|---|---|---|---|\n'
for mtu in 1500 65520; do
  for peer in slirp4netns berth-net; do
    printf '| %s | %s | %s | %s | %s |\n' "$mtu" "$peer" \
      "$(printf '%s\n' ${UP[$mtu,$peer]} | median)" \
      "$(printf '%s\n' ${DOWN[$mtu,$peer]} | median)" \
      "$(printf '%s\n' ${LAT[$mtu,$peer]} | median)"
  done
done
echo "all runs (guest→host / host→guest / µs):"
for mtu in 1500 65520; do
  for peer in slirp4netns berth-net; do
    echo "  $mtu $peer: ${UP[$mtu,$peer]}/ ${DOWN[$mtu,$peer]}/ ${LAT[$mtu,$peer]}"
  done
done
