#!/usr/bin/env bash
# Image preparation vs `curl -s URL | xz -dc > FILE`, same local server, same file, one run.
# Usage: bench/image-pull/run.sh [ROUNDS]   (WORK=<dir> to place the 2 GiB fixture; default /tmp)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-2}
WORK=${WORK:-/tmp/berth-bench}
mkdir -p "$WORK"

# The fixture: a 2 GiB ext4 disk holding /usr/share (about 0.9 GB of real files), compressed as
# xz 5.4 does with threads (many blocks, like the images that streams publish).
if [[ ! -f $WORK/disk.raw.xz ]]; then
  rm -f "$WORK/disk.raw"
  truncate -s 2G "$WORK/disk.raw"
  mke2fs -q -t ext4 -d /usr/share "$WORK/disk.raw"
  xz -T0 -2 -c "$WORK/disk.raw" > "$WORK/disk.raw.xz.tmp"
  mv "$WORK/disk.raw.xz.tmp" "$WORK/disk.raw.xz"
fi
if [[ ! -f $WORK/disk.raw.sha256 ]]; then
  xz -dc "$WORK/disk.raw.xz" | sha256sum | cut -d' ' -f1 > "$WORK/disk.raw.sha256"
fi

mvn -B -q -o -pl berth-core -am package -DskipTests
mvn -B -q -o -pl berth-core dependency:build-classpath -Dmdep.outputFile="$WORK/cp.txt"
CP="berth-core/target/classes:$(cat "$WORK/cp.txt")"
rm -rf "$WORK/bench-classes"
javac --release 17 -cp "$CP" -d "$WORK/bench-classes" \
  bench/image-pull/src/dev/berth/image/ImagePullBench.java
echo "host: $(nproc) cores, $(uname -r), $(xz --version | head -1), $(java -version 2>&1 | head -1)"
java -cp "$WORK/bench-classes:$CP" dev.berth.image.ImagePullBench \
  "$WORK/disk.raw.xz" "$(cat "$WORK/disk.raw.sha256")" "$WORK" "$ROUNDS"
