#!/usr/bin/env bash
# `berth list` wall time (a JVM start and an empty list) with and without the class-data archive,
# alternating, N runs each (default 5); prints each median. Run it under the VM lock (a timing):
#   flock /tmp/berth-vm.lock bench/cli-start/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
jar=$root/berth-cli/target/berth.jar
archive=$root/berth-cli/target/berth.jsa
runs=${1:-5}
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
export BERTH_HOME=$home
ms() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
with=() without=()
for ((i = 0; i < runs; i++)); do
  with+=("$(ms java -XX:+UseSerialGC -Xshare:on -XX:SharedArchiveFile="$archive" -jar "$jar" list)")
  without+=("$(ms java -XX:+UseSerialGC -jar "$jar" list)")
done
echo "with the archive:    ${with[*]} ms, median $(printf '%s\n' "${with[@]}" | median) ms"
echo "without the archive: ${without[*]} ms, median $(printf '%s\n' "${without[@]}" | median) ms"
