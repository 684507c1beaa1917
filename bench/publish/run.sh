#!/usr/bin/env bash
# Throughput of a large file served by busybox httpd in a container and fetched from the host
# through a forwarded port: berth-net against QEMU's network (--network=slirp), in one run, on one
# machine restarted between the two. Usage: bench/publish/run.sh [MIB] [ROUNDS]   (256, 5)
#
# Rows:
#   berth-net, -p (as users do)   `podman run -p P:80`: host → berth-net forward → guest's
#                                 rootlessport → container
#   berth-net, forward only       a host-network container on port Q in the guest, forwarded by
#                                 berth-net (exposed through the machine's net-api.sock)
#   slirp, forward only           the same container, forwarded by QEMU's hostfwd (BERTH_SLIRP_PORTS)
# The "forward only" rows compare the two networks on the same path; QEMU's network cannot
# publish with -p at all.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
mib=${1:-256}
rounds=${2:-5}
export BERTH_HOME; BERTH_HOME=$(mktemp -d /tmp/berth-bench-publish.XXXXXX)
export XDG_CONFIG_HOME=$BERTH_HOME/xdg
berth=$root/bin/berth
name=benchpub
trap '$berth rm -f $name >/dev/null 2>&1 || true; rm -rf "$BERTH_HOME"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
p_port=$(free_port); q_port=$(free_port)
api=$BERTH_HOME/run/$name/podman.sock
podman_() { podman --url "unix://$api" "$@"; }

# Median MB/s of $rounds fetches of the file from the host's port $1.
fetch() {
  # Both networks accept on the host before the guest answers: a server still starting shows as
  # a reset connection, which curl does not retry.
  for _ in $(seq 180); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/big" && break
    sleep 1
  done
  for _ in $(seq "$rounds"); do
    curl -sS --fail -o /dev/null -w '%{speed_download}\n' "http://127.0.0.1:$1/big"
  done | python3 -c 'import sys, statistics; v=[float(x)/1e6 for x in sys.stdin]; print("%.1f %s" % (statistics.median(v), " ".join("%.1f" % x for x in v)))'
}

# Written aside and renamed, so that a fetch never sees half of it.
make_big="dd if=/dev/zero of=/www/big.part bs=1M count=$mib 2>/dev/null && mv /www/big.part /www/big"

serve() {
  podman_ rm -f web hostweb >/dev/null 2>&1 || true
  # The file lives in a volume-free directory of the container's own layer, made once per start.
  podman_ run -d --name web -p "$p_port:80" localhost/busybox-httpd >/dev/null 2>&1 || true
  podman_ run -d --name hostweb --network host localhost/busybox-httpd \
    /bin/busybox sh -c "$make_big; exec /bin/busybox httpd -f -p $q_port -h /www" >/dev/null
  podman_ exec web /bin/busybox sh -c "$make_big" 2>/dev/null || true
}

$berth init -q --image "$root/guest/out/stream.json" --disk-size 10 $name >/dev/null
$berth start -q $name >/dev/null
podman_ load -q -i "$root/guest/out/busybox-httpd.tar" >/dev/null
serve
curl -sS --fail --unix-socket "$BERTH_HOME/run/$name/net-api.sock" \
  -d "{\"local\":\"127.0.0.1:$q_port\",\"remote\":\"192.168.127.2:$q_port\"}" http://n/services/forwarder/expose
berth_p=$(fetch "$p_port")
berth_fwd=$(fetch "$q_port")
$berth stop $name >/dev/null 2>&1

BERTH_SLIRP_PORTS=$q_port $berth start -q --network slirp $name >/dev/null
serve
slirp_fwd=$(fetch "$q_port")

ratio=$(python3 -c "print('%.2f' % (float('${berth_fwd%% *}') / float('${slirp_fwd%% *}')))")
cat <<EOM
file: $mib MiB, median of $rounds fetches with curl, MB/s (each run)
| path | MB/s | each |
|---|---|---|
| berth-net, -p (as users do) | ${berth_p%% *} | ${berth_p#* } |
| berth-net, forward only | ${berth_fwd%% *} | ${berth_fwd#* } |
| slirp, forward only | ${slirp_fwd%% *} | ${slirp_fwd#* } |
berth-net / slirp (forward only): ${ratio}x
EOM
