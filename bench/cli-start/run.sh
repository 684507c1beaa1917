#!/usr/bin/env bash
# CLI start-up: wall time of `berth list` (a JVM start and an empty list) against `podman machine
# list`, the variants alternating run by run, N runs each (default 9); prints each median. Run it
# under the VM lock (a timing), after mvn package and dist/build:
#   BENCH_USER=berthtest flock /tmp/berth-vm.lock bench/cli-start/run.sh [N]
# Variants: the packaged launcher as a user runs it (bin/berth of the tarball, its archive made on
# the first run); then plain `java -jar` runs of the same jar with JDK 17 (JAVA17, default: java on
# PATH): no archive of the jar's classes, a dynamic class-data archive (-XX:ArchiveClassesAtExit),
# that plus C1 only (-XX:TieredStopAtLevel=1), plus no perf-data file (-XX:-UsePerfData); and with a
# newer JDK (JAVA_AOT, default Temurin 25 where installed): no archive, its AOT cache
# (-XX:AOTCacheOutput, JDK 25+), that plus C1 only. BASELINE_TARBALL=FILE adds another build's
# launcher (e.g. the previous release's tarball).
# As root it runs as the ordinary user BENCH_USER (podman machine refuses root).
set -euo pipefail
if [ "$(id -u)" -eq 0 ]; then
  user=${BENCH_USER:?podman machine refuses root: name an ordinary user to run as, BENCH_USER=NAME}
  exec setpriv --reuid="$user" --regid="$user" --init-groups \
    env -i PATH="$PATH" HOME="$(getent passwd "$user" | cut -d: -f6)" USER="$user" \
    ${JAVA17:+JAVA17="$JAVA17"} ${JAVA_AOT:+JAVA_AOT="$JAVA_AOT"} \
    ${BASELINE_TARBALL:+BASELINE_TARBALL="$BASELINE_TARBALL"} "$0" "$@"
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
jar=$root/berth-cli/target/berth.jar
runs=${1:-9}
java17=${JAVA17:-java}
java_aot=${JAVA_AOT:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}
scratch=$(mktemp -d /tmp/berth-cli-start.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
export BERTH_HOME=$scratch/home XDG_CACHE_HOME=$scratch/cache
version=$("$java17" -jar "$jar" --version | sed -n 's/^berth version \([^ ]*\) .*/\1/p')
tar -C "$scratch" -xzf "$root/dist/target/berth-$version.tar.gz"
launcher=$scratch/berth-$version/bin/berth
"$launcher" list >/dev/null # the launcher's first run makes its archive
names=(podman "launcher (as packaged)")
commands=("podman machine list" "$launcher list")
if [ -n "${BASELINE_TARBALL:-}" ]; then # another build's tarball, to compare launchers
  mkdir "$scratch/baseline"
  tar -C "$scratch/baseline" -xzf "$BASELINE_TARBALL"
  baseline=$(echo "$scratch"/baseline/*/bin/berth)
  XDG_CACHE_HOME=$scratch/baseline/cache "$baseline" list >/dev/null
  names+=("launcher of $(basename "$BASELINE_TARBALL")")
  commands+=("env XDG_CACHE_HOME=$scratch/baseline/cache $baseline list")
fi

train() { "$@" -Xlog:cds=off -Xlog:cds+dynamic=off -Dorg.slf4j.simpleLogger.defaultLogLevel=off \
  -cp "$jar" dev.berth.cli.ClassDataTraining "$(mktemp -d "$scratch/training.XXXXXX")" >/dev/null 2>&1; }
train "$java17" -XX:+UseSerialGC -XX:ArchiveClassesAtExit="$scratch/berth17.jsa"
names+=("JDK 17, no archive" "JDK 17, archive" "JDK 17, archive, C1 only"
  "JDK 17, archive, C1, -UsePerfData")
commands+=("$java17 -XX:+UseSerialGC -jar $jar list"
  "$java17 -XX:+UseSerialGC -XX:SharedArchiveFile=$scratch/berth17.jsa -jar $jar list"
  "$java17 -XX:+UseSerialGC -XX:SharedArchiveFile=$scratch/berth17.jsa -XX:TieredStopAtLevel=1 -jar $jar list"
  "$java17 -XX:+UseSerialGC -XX:SharedArchiveFile=$scratch/berth17.jsa -XX:TieredStopAtLevel=1 -XX:-UsePerfData -jar $jar list")
if [ -x "$java_aot" ] && train "$java_aot" -XX:+UseSerialGC -XX:AOTCacheOutput="$scratch/berth.aot"; then
  aot_version=$("$java_aot" -version 2>&1 | head -1)
  names+=("$aot_version, no archive" "$aot_version, AOT cache" "$aot_version, AOT cache, C1 only")
  commands+=("$java_aot -XX:+UseSerialGC -jar $jar list"
    "$java_aot -XX:+UseSerialGC -XX:AOTCache=$scratch/berth.aot -jar $jar list"
    "$java_aot -XX:+UseSerialGC -XX:AOTCache=$scratch/berth.aot -XX:TieredStopAtLevel=1 -jar $jar list")
else
  echo "(no JDK with an AOT cache at $java_aot: those variants are left out)"
fi

ms() { local t0 t1; t0=$(date +%s%N); $1 >/dev/null 2>&1 || { echo "failed: $1" >&2; exit 1; }; t1=$(date +%s%N); echo $(( (t1 - t0) / 1000000 )); }
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -a times
for ((i = 0; i < runs; i++)); do
  for ((v = 0; v < ${#commands[@]}; v++)); do
    times[v]="${times[v]:-} $(ms "${commands[v]}")"
  done
done
for ((v = 0; v < ${#commands[@]}; v++)); do
  printf '%-45s median %4s ms  (runs:%s)\n' "${names[v]}" "$(median <<<"${times[v]# }")" "${times[v]}"
done
