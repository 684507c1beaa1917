# Sourced by the start benches. Rows are lines of space-separated figures, one line per round.
now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# The median of column $2 of the rows in $1.
column_median() { printf '%s' "$1" | awk -v c="$2" 'NF {print $c}' | median; }
# Waits until the API socket $1 answers GET /_ping.
await_ping() {
  until curl -sf --unix-socket "$1" http://d/_ping >/dev/null; do
    sleep 0.05
  done
}
