#!/usr/bin/env bash
# `berth stop` of a machine running a container whose PID 1 ignores SIGTERM (busybox httpd), N runs
# (default 1): each inits and starts a scratch machine, runs the container, times the stop and says
# whether the guest powered itself off or the agent had to quit QEMU (its log's warning). Run it
# under the VM lock (it boots machines):   flock /tmp/berth-vm.lock bench/stop/run.sh [N]
# BERTH=command runs another build (e.g. "java -jar /tmp/old/berth.jar").
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
read -r -a berth <<<"${BERTH:-$root/bin/berth}"
runs=${1:-1}
home=$(mktemp -d /tmp/berth-stop-bench.XXXXXX)
export BERTH_HOME=$home XDG_RUNTIME_DIR=$home/run
mkdir -m 700 "$XDG_RUNTIME_DIR"
trap '"${berth[@]}" rm -f stop-bench >/dev/null 2>&1 || true; rm -rf "$home"' EXIT
for ((i = 1; i <= runs; i++)); do
  "${berth[@]}" init --now --image "$root/guest/out/stream.json" stop-bench >/dev/null
  api=$("${berth[@]}" inspect --format '{{.ConnectionInfo.PodmanSocket.Path}}' stop-bench)
  podman --url "unix://$api" load -q -i "$root/guest/out/busybox-httpd.tar" >/dev/null
  podman --url "unix://$api" run -d --name web localhost/busybox-httpd >/dev/null
  log=$(find "$home" -name agent.log | head -1)
  t0=$(date +%s%N)
  "${berth[@]}" stop stop-bench >/dev/null
  t1=$(date +%s%N)
  how="the guest powered off"
  grep -q "did not power off" "$log" 2>/dev/null && how="the agent quit QEMU"
  echo "run $i: stop took $(( (t1 - t0) / 1000000 )) ms; $how"
  "${berth[@]}" rm -f stop-bench >/dev/null
done
