#!/usr/bin/env bash
# Memory a running guest frees goes back to the host (issue 18 item 4): QEMU's resident set after the
# guest allocates and frees 1 GiB, with virtio-balloon's free-page-reporting (as Berth launches QEMU)
# and without it (the same launch through a wrapper that turns it off), alternating, N rounds each
# (default 2), on one machine cold-booted for every round. Linux host (ps reads QEMU's RSS).
#   Usage: bench/balloon/run.sh [N] [MEMORY_MIB]      (default 2 rounds, 2048 MiB)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
runs=${1:-2}
memory=${2:-2048}
export BERTH_HOME; BERTH_HOME=$(mktemp -d /tmp/berth-bench-balloon.XXXXXX)
export XDG_CONFIG_HOME=$BERTH_HOME/xdg
berth=$root/bin/berth
name=balloon
trap '$berth rm -f $name >/dev/null 2>&1 || true; rm -rf "$BERTH_HOME"' EXIT
real_qemu=$(command -v qemu-system-x86_64)
mkdir "$BERTH_HOME/without"
cat >"$BERTH_HOME/without/qemu-system-x86_64" <<WRAP
#!/usr/bin/env bash
exec "$real_qemu" "\${@//free-page-reporting=on/free-page-reporting=off}"
WRAP
chmod +x "$BERTH_HOME/without/qemu-system-x86_64"

qemu_rss_mib() {
  local pid; pid=$(pgrep -n -f "qemu-system-x86_64.*$BERTH_HOME")
  echo $(( $(ps -o rss= -p "$pid") / 1024 ))
}
reporting() { pgrep -a -f "qemu-system-x86_64.*$BERTH_HOME" | grep -o 'free-page-reporting=o[nf]*' | head -1; }

$berth init -q --memory "$memory" --image "$root/guest/out/stream.json" --disk-size 10 $name >/dev/null
echo "| round | launch | RSS booted (MiB) | RSS with 1 GiB held (MiB) | RSS 15 s after it is freed (MiB) |"
echo "|---|---|---|---|---|"
for round in $(seq "$runs"); do
  for kind in with without; do
    path=$PATH; [ "$kind" = without ] && path=$BERTH_HOME/without:$PATH
    PATH=$path $berth start -q $name >/dev/null
    sleep 10
    booted=$(qemu_rss_mib)
    # dd's 1 GiB buffer, every page written, held 20 s, then freed when dd exits
    $berth ssh $name -- 'dd if=/dev/zero bs=1G count=1 2>/dev/null | (sleep 20; cat >/dev/null)' &
    ssh_pid=$!
    sleep 15
    held=$(qemu_rss_mib)
    wait $ssh_pid
    sleep 15
    after=$(qemu_rss_mib)
    echo "| $round | $(reporting) | $booted | $held | $after |"
    $berth stop --no-save $name >/dev/null 2>&1 || $berth stop $name >/dev/null
  done
done
