#!/usr/bin/env bash
# 9p volume speed: Berth's mount options (as its Ignition mount unit writes them) against podman
# machine's (msize=131072, no cache), in one machine, one after the other, ROUNDS times each
# (default 2, interleaved; the best round counts, since the host's 2 cores are shared). Workloads
# (bench/volumes/workload.sh, in the guest as the machine's user, guest caches dropped before each):
#   write_1g  dd 1 GiB in 1 MiB blocks to the volume, conv=fsync
#   read_1g   dd it back (the host's page cache holds it: this is the 9p path, not the disk)
#   create    10,000 files of 1 KiB (bash builtins: no process per file)
#   stat      stat of each, read: cat of each (reads of st_blksize, which 9p derives from msize),
#   read8k    head -c of each (8 KiB reads), walk: find DIR | xargs stat
# Usage: bench/volumes/run.sh            env: ROUNDS=2 BIG_MIB=1024 FILES=10000 VARIANTS="berth podman"
#   VARIANTS may add "mN" (e.g. m262144): Berth's options with msize=N, measured every round like
#   berth and podman; and "loose" or "mmap": Berth's options with that cache mode, one round, for reference.
# Raw lines go to $BENCH_RAW if set. Whole run bounded by 40 minutes; the machine is removed on exit.
# (bench/volumes/virtiofs.sh measures virtiofs against both, outside the product.)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds=${ROUNDS:-2} big_mib=${BIG_MIB:-1024} files=${FILES:-10000}
variants=${VARIANTS:-berth podman}
[ -z "${BENCH_BOUNDED:-}" ] && BENCH_BOUNDED=1 exec timeout -k 10 2400 "$0" "$@"
work=$(mktemp -d "${BENCH_DIR:-/work/out}/bench-volumes.XXXXXX")
export BERTH_HOME=$work/berth XDG_CONFIG_HOME=$work/xdg
berth=$root/bin/berth
name=benchvol
trap '$berth rm -f $name >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/share"
cp "$root/bench/volumes/workload.sh" "$work/share/"
# Run as root, Berth gives the guest user uid 1000 and QEMU (root) keeps the share's owners as they
# are: hand the share to that uid so the guest user may write to it.
[ "$(id -u)" = 0 ] && chown -R 1000:1000 "$work/share"
$berth init -q --image "$root/guest/out/stream.json" --disk-size 10 --cpus 2 \
    -v "$work/share:/mnt/bench" $name >/dev/null
$berth start -q $name >/dev/null
ssh_() { timeout 1200 "$berth" ssh $name "$@"; }
berth_opts=$(ssh_ 'sed -n "s/^Options=//p" /etc/systemd/system/mnt-bench.mount' | tr -d '\r')
berth_opts=${berth_opts%,rw}
podman_opts=trans=virtio,version=9p2000.L,msize=131072
echo "berth:  $berth_opts" >&2
echo "podman: $podman_opts" >&2
ssh_ cp /mnt/bench/workload.sh /tmp/workload.sh
ssh_ /tmp/workload.sh /mnt/bench 16 100 >/dev/null # warm-up, unmeasured: the first pass after boot pays for loading programs
raw=$(mktemp "$work/raw.XXXXXX")
for round in $(seq "$rounds"); do
  for v in $variants; do
    case $v in
      berth) opts=$berth_opts ;;
      podman) opts=$podman_opts ;;
      loose) opts=$berth_opts,cache=loose ;;
      mmap) opts=$berth_opts,cache=mmap ;;
      m[0-9]*) [[ $v =~ ^m[0-9]+$ ]] || { echo "unknown variant $v" >&2; exit 2; }
        opts=$(sed -E 's/,msize=[0-9]+//' <<<"$berth_opts"),msize=${v#m} ;;
      *) echo "unknown variant $v" >&2; exit 2 ;;
    esac
    [ "$v" = loose ] || [ "$v" = mmap ] && [ "$round" -gt 1 ] && continue
    ssh_ "sudo umount /mnt/bench && sudo mount -t 9p -o $opts vol0 /mnt/bench"
    ssh_ /tmp/workload.sh /mnt/bench "$big_mib" "$files" | tr -d '\r' | sed "s/^/$v $round /" | tee -a "$raw" >&2
  done
done
[ -n "${BENCH_RAW:-}" ] && cp "$raw" "$BENCH_RAW"
python3 "$root/bench/volumes/summary.py" "$raw" "$big_mib" "$files" "$berth_opts" "$podman_opts"
