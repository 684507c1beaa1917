#!/usr/bin/env bash
# kill -9 trials: kill QEMU or the agent at a random moment of `start`, of the first boot, of
# `stop`, or while the machine runs; then record what `inspect` reports and whether the next `start`
# brings the machine up (SSH and the API answer) with no manual step. One machine, one VM at a time.
#   Usage: bench/crash/trials.sh [TRIALS] [SEED]      (default 20 trials; Linux: pgrep finds the agent)
#   BERTH_CRASH_STREAM: the image stream to init from (default guest/out/stream.json)
#   BERTH_CRASH_PHASES: the phases to draw from (default "firstboot start stop running")
# Prints one line per trial and "N passed, M failed" last; exits non-zero if any trial failed.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
berth="$root/bin/berth"
trials=${1:-20}
stream=${BERTH_CRASH_STREAM:-$root/guest/out/stream.json}
RANDOM=${2:-$$}
scratch=$(mktemp -d /tmp/berth-crash.XXXXXX)
export BERTH_HOME=$scratch/berth XDG_CONFIG_HOME=$scratch/xdg
name=crash
run="$BERTH_HOME/run/$name"
log=$scratch/trials.log
kept_log=/tmp/berth-crash-trials.log
cleanup() {
  "$berth" rm -f "$name" >/dev/null 2>&1
  cp "$log" "$kept_log" 2>/dev/null && echo "commands' output: $kept_log"
  rm -rf "$scratch"
}
trap cleanup EXIT

agent_pid() { pgrep -f "dev.berth.cli.Main agent $name( |\$)" | head -1; }
qemu_pid() { [ -f "$run/qemu.pid" ] && cat "$run/qemu.pid" 2>/dev/null; }

# Kills TARGET (agent or qemu) DELAY seconds from now, or as soon as it exists after that.
kill_later() {
  local target=$1 delay=$2 pid=""
  sleep "$delay"
  for _ in $(seq 600); do
    if [ "$target" = agent ]; then pid=$(agent_pid); else pid=$(qemu_pid); fi
    [ -n "$pid" ] && break
    sleep 0.1
  done
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null && echo "killed $target $pid at ${delay}s"
}

fresh_machine() {
  "$berth" rm -f "$name" >/dev/null 2>&1
  "$berth" init -q --image "$stream" --disk-size 10 "$name" >>"$log" 2>&1
}

ensure_running() {
  "$berth" start -q "$name" >>"$log" 2>&1 || true
}

ensure_stopped() {
  "$berth" stop "$name" >>"$log" 2>&1 || true
}

# Is the machine up for a user: a command over SSH and the API socket's _ping.
usable() {
  "$berth" ssh "$name" true >>"$log" 2>&1 &&
    curl -sf --max-time 60 --unix-socket "$run/podman.sock" http://d/_ping >/dev/null
}

passed=0
failed=0
read -r -a phases <<<"${BERTH_CRASH_PHASES:-firstboot start stop running}"
for i in $(seq "$trials"); do
  phase=${phases[$((RANDOM % ${#phases[@]}))]}
  target=$([ $((RANDOM % 2)) -eq 0 ] && echo agent || echo qemu)
  case $phase in
    firstboot) fresh_machine; delay=$((2 + RANDOM % 40)) ;;
    start) [ -f "$BERTH_HOME/config/machines/$name/machine.json" ] || { fresh_machine; ensure_running; }
           ensure_stopped; delay=$((1 + RANDOM % 25)) ;;
    stop) [ -f "$BERTH_HOME/config/machines/$name/machine.json" ] || fresh_machine
          ensure_running; delay=$((RANDOM % 4)) ;;
    running) [ -f "$BERTH_HOME/config/machines/$name/machine.json" ] || fresh_machine
             ensure_running; delay=$((RANDOM % 3)) ;;
  esac
  echo "== trial $i: $phase, kill -9 $target after ${delay}s" >>"$log"
  case $phase in
    firstboot|start)
      "$berth" start -q "$name" >>"$log" 2>&1 &
      command_pid=$! ;;
    stop)
      "$berth" stop "$name" >>"$log" 2>&1 &
      command_pid=$! ;;
    running)
      command_pid="" ;;
  esac
  killed=$(kill_later "$target" "$delay")
  if [ -n "$command_pid" ]; then
    timeout 300 tail --pid="$command_pid" -f /dev/null
    wait "$command_pid" 2>/dev/null
  fi
  state=$("$berth" inspect --format '{{.State}}' "$name" 2>>"$log" || echo "inspect failed")
  t0=$(date +%s)
  if timeout 600 "$berth" start -q "$name" >>"$log" 2>&1 || "$berth" list -n --format '{{.Name}} {{.Running}}' 2>>"$log" | grep -q "^$name true"; then
    if usable; then result=pass; else result="fail (not usable after start)"; fi
  else
    result="fail (start failed: $(grep -E '^(Error|Hint):' "$log" | tail -2 | tr '\n' ' '))"
    cp "$run/console.log" "/tmp/berth-crash-console-$i.log" 2>/dev/null
  fi
  t1=$(date +%s)
  [ "$result" = pass ] && passed=$((passed + 1)) || failed=$((failed + 1))
  echo "trial $i: $phase, kill -9 $target after ${delay}s (${killed:-nothing to kill yet}); inspect: $state; next start: $result in $((t1 - t0)) s"
done
"$berth" rm -f "$name" >>"$log" 2>&1
echo "processes of the machine left after rm -f: $(pgrep -fc "$run/" || true)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
