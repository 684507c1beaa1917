#!/usr/bin/env bash
# berth-net against slirp4netns in the kernel-as-guest harness: a network namespace whose TAP device is
# the guest's NIC. For each MTU and peer: iperf3 guest->host and host->guest (-R, over the same
# guest-initiated connection) and the median time of connect + 64-byte request + reply + close (300
# rounds); then host->guest and guest->host through each peer's port forward (host 127.0.0.1:FWD_PORT to
# iperf3 -s in the namespace: berth-net's /services/forwarder/expose, slirp4netns's add_hostfwd), each the
# median of RUNS runs. Needs root, iperf3, slirp4netns, socat, curl, busybox, gcc, Java 17 and Maven.
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
FWD_PORT=15303
PIDS=()
PEER_PID=
RELAY_PID=
GUEST_IPERF_PID=
source bench/net/harness.sh

cleanup() {
  for p in "${PIDS[@]}" $GUEST_IPERF_PID $PEER_PID $RELAY_PID; do kill "$p" 2>/dev/null || true; done
  sleep 0.3
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "bench/net: failed at line $LINENO" >&2' ERR

harness_require iperf3 slirp4netns socat curl busybox gcc java mvn

harness_build

iperf3 -s -B 127.0.0.1 -p $IPERF_PORT >/dev/null 2>&1 & PIDS+=($!)
java -cp "$CP" dev.berth.net.testing.GuestTool echo-server 127.0.0.1 $ECHO_PORT & PIDS+=($!)
sleep 1

# Starts a peer for the namespace, with iperf3 -s in the namespace behind a port forward from the host's
# 127.0.0.1:FWD_PORT; sets PEER_PID, RELAY_PID, HOST_ADDR, GUEST_ADDR and GUEST_IPERF_PID.
start_peer() {
  local peer=$1 mtu=$2
  if [ "$peer" = berth-net ]; then harness_start_berth_net "$mtu"; else harness_start_slirp "$mtu"; fi
  # not through ns(): a function in the background is a subshell, and $! would be its pid
  ip netns exec "$NS" iperf3 -s -p $IPERF_PORT >/dev/null 2>&1 & GUEST_IPERF_PID=$!
  wait_for 50 sh -c "ip netns exec $NS ss -ltn | grep -q ':$IPERF_PORT '"
  harness_forward "$peer" $FWD_PORT $IPERF_PORT
}

stop_peer() {
  kill $GUEST_IPERF_PID 2>/dev/null || true
  wait $GUEST_IPERF_PID 2>/dev/null || true
  harness_stop_peer
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

gbits() { awk '/receiver/ {for (i = 1; i < NF; i++) if ($(i+1) == "Mbits/sec") printf "%.2f\n", $i / 1000}'; }

iperf_gbits() { ns iperf3 -c "$HOST_ADDR" -p $IPERF_PORT -t "$SECONDS_PER_RUN" -f m "$@" | gbits; }

# Through the forward: the client on the host, the server in the namespace.
forward_gbits() { iperf3_retry 127.0.0.1 -p $FWD_PORT -t "$SECONDS_PER_RUN" -f m "$@" | gbits; }

latency_us() {
  ns java -cp "$TEST_CLASSES" dev.berth.net.testing.GuestTool latency "$HOST_ADDR" $ECHO_PORT 300 \
    | awk '{print $3}'
}

# Peers take turns within each repetition, so that load from elsewhere on the machine falls on both.
declare -A UP DOWN LAT FIN FOUT
for mtu in 1500 65520; do
  for _ in $(seq "$RUNS"); do
    for peer in slirp4netns berth-net; do
      start_peer "$peer" "$mtu"
      UP[$mtu,$peer]+="$(iperf_gbits) "
      DOWN[$mtu,$peer]+="$(iperf_gbits -R) "
      LAT[$mtu,$peer]+="$(latency_us) "
      FIN[$mtu,$peer]+="$(forward_gbits) "
      FOUT[$mtu,$peer]+="$(forward_gbits -R) "
      stop_peer
    done
  done
done

printf '| MTU | peer | guest→host Gbit/s | host→guest Gbit/s | connect+request µs | forwarded host→guest Gbit/s | forwarded guest→host Gbit/s |\n|---|---|---|---|---|---|---|\n'
for mtu in 1500 65520; do
  for peer in slirp4netns berth-net; do
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$mtu" "$peer" \
      "$(printf '%s\n' ${UP[$mtu,$peer]} | median)" \
      "$(printf '%s\n' ${DOWN[$mtu,$peer]} | median)" \
      "$(printf '%s\n' ${LAT[$mtu,$peer]} | median)" \
      "$(printf '%s\n' ${FIN[$mtu,$peer]} | median)" \
      "$(printf '%s\n' ${FOUT[$mtu,$peer]} | median)"
  done
done
echo "all runs (guest→host / host→guest / µs / forwarded host→guest / forwarded guest→host):"
for mtu in 1500 65520; do
  for peer in slirp4netns berth-net; do
    echo "  $mtu $peer: ${UP[$mtu,$peer]}/ ${DOWN[$mtu,$peer]}/ ${LAT[$mtu,$peer]}/ ${FIN[$mtu,$peer]}/ ${FOUT[$mtu,$peer]}"
  done
done
