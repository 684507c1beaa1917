#!/usr/bin/env bash
# virtiofs against 9p for one host directory, in one boot: a measurement outside the product (Berth
# shares volumes over 9p; bench/RESULTS.md, "9p volumes", session 4, says why it stays so). A berth-os
# machine on --network slirp is started once by Berth to take its QEMU command line, stopped, and
# then that command is run here with shared memfd RAM and a vhost-user-fs device served by QEMU's
# virtiofsd (cache=$CACHE) added. In the guest the same directory is mounted three ways: 9p with
# podman's options ("podman"), 9p with Berth's ("berth") and virtiofs ("virtiofs"); bench/volumes/
# workload.sh runs over them in turn, ROUNDS times, guest caches dropped before each workload.
# Needs root: QEMU 7.2's C virtiofsd does not run as an ordinary user.
# Usage: bench/volumes/virtiofs.sh   env: ROUNDS=2 BIG_MIB=1024 FILES=10000 CACHE=auto
#   VIRTIOFSD=/usr/lib/qemu/virtiofsd; raw lines go to $BENCH_RAW if set. Bounded by 60 minutes; the
#   guest, virtiofsd and the machine are gone on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds=${ROUNDS:-2} big_mib=${BIG_MIB:-1024} files=${FILES:-10000} cache=${CACHE:-auto}
virtiofsd=${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}
[ -z "${BENCH_BOUNDED:-}" ] && BENCH_BOUNDED=1 exec timeout -k 10 3600 "$0" "$@"
[ "$(id -u)" = 0 ] || { echo "bench/volumes/virtiofs.sh: run it as root (virtiofsd needs root)" >&2; exit 2; }
[ -x "$virtiofsd" ] || { echo "bench/volumes/virtiofs.sh: no virtiofsd at $virtiofsd (set VIRTIOFSD)" >&2; exit 2; }
work=$(mktemp -d "${BENCH_DIR:-/work/out}/bench-virtiofs.XXXXXX")
export BERTH_HOME=$work/berth XDG_CONFIG_HOME=$work/xdg
berth=$root/bin/berth
name=benchvfs
qemu_pid= virtiofsd_pid=
cleanup() {
  [ -n "$qemu_pid" ] && kill "$qemu_pid" 2>/dev/null && wait "$qemu_pid" 2>/dev/null
  [ -n "$virtiofsd_pid" ] && kill "$virtiofsd_pid" 2>/dev/null && wait "$virtiofsd_pid" 2>/dev/null
  $berth rm -f $name >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/share"
cp "$root/bench/volumes/workload.sh" "$work/share/"
chown -R 1000:1000 "$work/share" # Berth's guest user, when Berth runs as root
$berth init -q --image "$root/guest/out/stream.json" --disk-size 10 --cpus 2 \
    -v "$work/share:/mnt/bench" $name >/dev/null
$berth start -q --network slirp $name >/dev/null
mapfile -d '' argv <"/proc/$(cat "$BERTH_HOME/run/$name/qemu.pid")/cmdline"
berth_opts=$($berth ssh $name 'sed -n "s/^Options=//p" /etc/systemd/system/mnt-bench.mount' | tr -d '\r')
berth_opts=${berth_opts%,rw}
podman_opts=trans=virtio,version=9p2000.L,msize=131072
read -r key user port < <($berth inspect $name | python3 -c \
    'import json, sys; c = json.load(sys.stdin)[0]["SSHConfig"]; print(c["IdentityPath"], c["RemoteUsername"], c["Port"])')
$berth stop $name >/dev/null

"$virtiofsd" --socket-path="$work/vfs.sock" -o source="$work/share" -o cache="$cache" \
    </dev/null >"$work/virtiofsd.log" 2>&1 &
virtiofsd_pid=$!
for _ in $(seq 100); do [ -S "$work/vfs.sock" ] && break; sleep 0.1; done
# Berth's command line, less the ready port (Berth listens on it, nobody here) and the first-boot flag
# (Ignition ran at the start above), with the guest's RAM shared with virtiofsd.
qemu=()
for ((i = 0; i < ${#argv[@]}; i++)); do
  a=${argv[i]} next=${argv[i + 1]:-}
  case "$a $next" in
    "-device virtio-serial"* | "-chardev socket,id=ready"* | "-device virtserialport,chardev=ready"*) i=$((i + 1)); continue ;;
    "-append "*) qemu+=(-append "${next/ ignition.firstboot/}"); i=$((i + 1)); continue ;;
    "-m "*) mem=$next ;;
  esac
  qemu+=("$a")
done
qemu+=(-object "memory-backend-memfd,id=mem,size=$mem,share=on" -numa node,memdev=mem
       -chardev "socket,id=vfs,path=$work/vfs.sock" -device vhost-user-fs-pci,chardev=vfs,tag=benchvfs)
"${qemu[@]}" </dev/null >"$work/qemu.log" 2>&1 &
qemu_pid=$!
ssh_() {
  timeout 1500 ssh -i "$key" -p "$port" -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
      -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=20 "$user@127.0.0.1" "$@"
}
for _ in $(seq 60); do ssh_ true 2>/dev/null && break; kill -0 $qemu_pid || { cat "$work/qemu.log" >&2; exit 1; }; sleep 5; done
ssh_ "sudo mkdir -p /mnt/vfs && sudo mount -t virtiofs benchvfs /mnt/vfs && cp /mnt/vfs/workload.sh /tmp/workload.sh"
echo "berth:    $berth_opts" >&2
echo "podman:   $podman_opts" >&2
echo "virtiofs: cache=$cache ($("$virtiofsd" --version 2>&1 | head -1))" >&2
ssh_ /tmp/workload.sh /mnt/vfs 16 100 >/dev/null # warm-up, unmeasured, as run.sh does
raw=$(mktemp "$work/raw.XXXXXX")
for round in $(seq "$rounds"); do
  for v in podman berth virtiofs; do
    case $v in
      podman) dir=/mnt/bench; ssh_ "sudo umount /mnt/bench && sudo mount -t 9p -o $podman_opts vol0 /mnt/bench" ;;
      berth) dir=/mnt/bench; ssh_ "sudo umount /mnt/bench && sudo mount -t 9p -o $berth_opts vol0 /mnt/bench" ;;
      virtiofs) dir=/mnt/vfs ;;
    esac
    ssh_ /tmp/workload.sh $dir "$big_mib" "$files" | tr -d '\r' | sed "s/^/$v $round /" | tee -a "$raw" >&2
  done
done
ssh_ sudo systemctl poweroff || true
wait $qemu_pid || true
qemu_pid=
[ -n "${BENCH_RAW:-}" ] && cp "$raw" "$BENCH_RAW"
python3 "$root/bench/volumes/summary.py" "$raw" "$big_mib" "$files" "$berth_opts" "$podman_opts"
