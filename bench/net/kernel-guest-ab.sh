#!/usr/bin/env bash
# KernelGuestIT's cases timed in this build against an earlier one, alternating, medians of RUNS: each
# build runs the whole class (the kernel of a network namespace as the guest, berth-net at the default
# budget) and the times per case come from failsafe's report. Needs root (namespaces, TAP) and Maven.
#
#   bench/net/kernel-guest-ab.sh OLD_REF [RUNS]        (KEEP_OUT=1: keep each run's times, path printed)
set -euo pipefail
cd "$(dirname "$0")/../.."
OLD_REF=${1:?usage: bench/net/kernel-guest-ab.sh OLD_REF [RUNS]}
RUNS=${2:-3}
OLD=$(mktemp -d /tmp/berth-ab.XXXXXX)
OUT=$(mktemp -d /tmp/berth-ab-out.XXXXXX)
trap 'git worktree remove --force "$OLD" >/dev/null 2>&1 || true; [ -n "${KEEP_OUT:-}" ] || rm -rf "$OUT"' EXIT
git worktree add --detach "$OLD" "$OLD_REF" >/dev/null 2>&1

run_class() { # TREE LABEL N
  (cd "$1" && mvn -B -q -o -pl berth-net verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
    -Dfailsafe.failIfNoSpecifiedTests=false -Dit.test=KernelGuestIT -Dspotless.check.skip=true \
    >"$OUT/$2-$3.log" 2>&1) || echo "$2 run $3 failed (see the times below)" >&2
  grep -o 'testcase name="[^"]*" classname="[^"]*" time="[^"]*"' \
    "$1/berth-net/target/failsafe-reports/TEST-dev.berth.net.KernelGuestIT.xml" |
    sed 's/testcase name="\([^"]*\)".*time="\([^"]*\)"/\1 \2/' >"$OUT/$2-$3.times"
}

for i in $(seq 1 "$RUNS"); do
  run_class "$OLD" old "$i"
  run_class . new "$i"
done
[ -z "${KEEP_OUT:-}" ] || echo "each run's times: $OUT" >&2
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-62s %8s %8s\n' "case (seconds, median of $RUNS)" old new
for t in $(cut -d' ' -f1 "$OUT/new-1.times"); do
  o=$(cat "$OUT"/old-*.times | awk -v t="$t" '$1 == t {print $2}' | median)
  n=$(cat "$OUT"/new-*.times | awk -v t="$t" '$1 == t {print $2}' | median)
  printf '%-62s %8s %8s\n' "$t" "${o:--}" "${n:--}"
done
