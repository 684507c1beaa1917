#!/bin/bash
# Runs inside the guest as the machine's user (bench/volumes/run.sh copies it there):
#   workload.sh DIR BIG_MIB FILES
# prints "name milliseconds" lines: write and read of one BIG_MIB file (1 MiB blocks, caches dropped
# before the read) and, on FILES files of 1 KiB in DIR/small: create, stat, read (cat, whose reads are
# as large as the file system's block size), read8k (head, 8 KiB reads), find|xargs stat.
set -euo pipefail
dir=$1 big_mib=$2 files=$3
drop() { sync; echo 3 | sudo tee /proc/sys/vm/drop_caches >/dev/null; }
t() { # NAME CMD...: runs CMD, prints NAME and its wall time in seconds
    local name=$1 start end; shift
    start=$(date +%s%N); "$@"; end=$(date +%s%N)
    echo "$name $(( (end - start) / 1000000 ))"
}
rm -rf "$dir/big" "$dir/small"
drop
t write_1g dd if=/dev/zero of="$dir/big" bs=1M count="$big_mib" conv=fsync status=none
drop
t read_1g dd if="$dir/big" of=/dev/null bs=1M status=none
rm -f "$dir/big"
mkdir "$dir/small"
create() { local i; for ((i = 0; i < files; i++)); do printf '%01024d' "$i" >"$dir/small/f$i"; done; }
drop
t create create
drop
t stat bash -c 'cd "$1" && ls -f | xargs stat >/dev/null' - "$dir/small"
drop
t read bash -c 'cd "$1" && ls -f | grep "^f" | xargs cat >/dev/null' - "$dir/small"
drop
t read8k bash -c 'cd "$1" && ls -f | grep "^f" | xargs head -qc 1M >/dev/null' - "$dir/small"
drop
t walk bash -c 'find "$1" | xargs stat >/dev/null' - "$dir/small"
rm -rf "$dir/small"
