# Sourced by bench/net/run.sh and bench/soak/run.sh: the kernel-as-guest harness. A network namespace
# whose TAP device tap0 is the guest's NIC, attached to berth-net (through the tapbridge relay, as QEMU
# would) or to slirp4netns. Expects WORK (a private directory) and NS (the namespace name) to be set,
# and the caller's cwd to be the repository root.

harness_require() {
  [ "$(id -u)" = 0 ] || { echo "$0 needs root (network namespaces, TAP devices)" >&2; exit 1; }
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$0 needs $tool" >&2; exit 1; }
  done
}

# Compiles berth-net with its tests and the relay; sets CP and TEST_CLASSES (copies in $WORK, so that a
# build during a long run does not change the classes under it).
harness_build() {
  # The test classpath as the compiler saw it, from Maven's debug output: the dependency plugin's own
  # dependencies are not all in the offline repository.
  mvn -B -o -X -pl berth-net -DskipTests test-compile >"$WORK/mvn.log" 2>&1 || { tail -40 "$WORK/mvn.log" >&2; return 1; }
  sed -n 's/^\[DEBUG\]   (f) testPath = \[\(.*\)\]$/\1/p' "$WORK/mvn.log" | head -1 | sed 's/, /\n/g' \
    | grep -v '/target/\(test-\)\?classes$' | paste -sd: - >"$WORK/cp.txt"
  [ -s "$WORK/cp.txt" ] || { echo "no test classpath in $WORK/mvn.log" >&2; return 1; }
  cp -r berth-net/target/classes "$WORK/classes"
  cp -r berth-net/target/test-classes "$WORK/test-classes"
  TEST_CLASSES="$WORK/test-classes"
  CP="$WORK/classes:$TEST_CLASSES:$(cat "$WORK/cp.txt")"
  gcc -O2 -pthread -o "$WORK/tapbridge" berth-net/src/test/c/tapbridge.c
  cat > "$WORK/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in bound|renew)
  ip addr add "$ip/$mask" dev "$interface"
  ip route add default via "$router";;
esac
SCRIPT
  chmod +x "$WORK/udhcpc.sh"
}

ns() { ip netns exec "$NS" "$@"; }

wait_for() { # wait_for TRIES COMMAND...: polls every 0.1 s
  local tries=$1; shift
  for _ in $(seq "$tries"); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# harness_start_berth_net MTU [BerthNetMain flags...]: a namespace attached to a fresh berth-net with
# its host API on $WORK/api.sock (JVM options from BERTH_NET_JAVA_OPTS); sets PEER_PID (the JVM),
# RELAY_PID, HOST_ADDR and GUEST_ADDR.
harness_start_berth_net() {
  local mtu=$1; shift
  ip netns add "$NS"
  ns ip link set lo up
  rm -f "$WORK/net.sock" "$WORK/api.sock"
  java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${BERTH_NET_JAVA_OPTS:-} -cp "$CP" dev.berth.net.BerthNetMain \
    -listen-qemu "unix://$WORK/net.sock" -listen "unix://$WORK/api.sock" -ssh-port -1 -mtu "$mtu" "$@" \
    & PEER_PID=$!
  wait_for 100 test -S "$WORK/net.sock"
  ip netns exec "$NS" "$WORK/tapbridge" "$WORK/net.sock" tap0 & RELAY_PID=$! # not ns(): $! of a function is a subshell
  wait_for 100 ns ip link show tap0
  ns ip link set tap0 address 5a:94:ef:e4:0c:ee mtu "$mtu" txqueuelen 10000 up
  ns busybox udhcpc -i tap0 -n -q -f -s "$WORK/udhcpc.sh" >/dev/null 2>&1
  wait_for 100 test -S "$WORK/api.sock"
  HOST_ADDR=192.168.127.254
  GUEST_ADDR=192.168.127.2
}

# harness_start_slirp MTU: a namespace attached to slirp4netns with its API on $WORK/slirp.sock.
harness_start_slirp() {
  local mtu=$1
  ip netns add "$NS"
  ns ip link set lo up
  rm -f "$WORK/slirp.sock"
  slirp4netns --configure --mtu="$mtu" --api-socket "$WORK/slirp.sock" --netns-type=path "/run/netns/$NS" tap0 \
    >/dev/null 2>&1 & PEER_PID=$!
  RELAY_PID=
  wait_for 100 sh -c "ip netns exec $NS ip -4 addr show tap0 | grep -q inet"
  ns ip link set tap0 txqueuelen 10000
  HOST_ADDR=10.0.2.2
  GUEST_ADDR=10.0.2.100
}

# harness_forward PEER HOST_PORT GUEST_PORT: host 127.0.0.1:HOST_PORT to the guest's GUEST_PORT, through
# the peer's own API (gvproxy's /services/forwarder/expose; slirp4netns's add_hostfwd).
harness_forward() {
  local peer=$1 host_port=$2 guest_port=$3 reply
  if [ "$peer" = berth-net ]; then
    reply=$(curl -sS --fail-with-body --unix-socket "$WORK/api.sock" http://berth/services/forwarder/expose \
      -d "{\"local\":\"127.0.0.1:$host_port\",\"remote\":\"$GUEST_ADDR:$guest_port\",\"protocol\":\"tcp\"}")
  else
    reply=$(printf '{"execute":"add_hostfwd","arguments":{"proto":"tcp","host_addr":"127.0.0.1","host_port":%s,"guest_port":%s}}' \
      "$host_port" "$guest_port" | socat -t 5 - "UNIX-CONNECT:$WORK/slirp.sock")
    case "$reply" in *error*) echo "slirp4netns add_hostfwd: $reply" >&2; return 1;; esac
  fi
}

harness_stop_peer() {
  kill $PEER_PID $RELAY_PID 2>/dev/null || true
  wait $PEER_PID $RELAY_PID 2>/dev/null || true
  PEER_PID= RELAY_PID=
  ip netns del "$NS"
}

# iperf3_retry ARGS...: iperf3 -c, tried again (up to 3 times, 1 s apart) when it fails: iperf3's server
# sometimes resets the next client's control connection while it still winds down the last test.
iperf3_retry() {
  local out
  for try in 1 2 3; do
    if out=$(iperf3 -c "$@" 2>&1); then printf '%s\n' "$out"; return 0; fi
    echo "iperf3 -c $* (try $try): $(printf '%s' "$out" | tail -1)" >&2
    sleep 1
  done
  return 1
}
