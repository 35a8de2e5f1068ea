#!/usr/bin/env bash
# run.sh: a monitor in a new process, from exec to its first figures on
# screen (issue 16). Not run in CI.
#
# usage: bench/monitor/run.sh [-n ROUNDS] [-r RANGE] [-a AT] DB [BIN ...]
#   e.g. bench/monitor/run.sh -r 30d /tmp/ttmon-cold-10M/store-0.db
#        bench/monitor/run.sh -n 5 store.db /tmp/ttmon-before ./ttmon-after
#
# Starts `BIN --db DB --range RANGE --at AT` (default 24h, at fleetgen's
# end of month) in a 200x60 tmux session and polls the screen every 20 ms
# until the health dashboard's Versions pane shows its count; prints the
# seconds from the start of the session to that screen, per round and
# binary. Each binary should get its own copy of DB (a newer ttmon
# migrates the file on open). The stores bench/cold/run.sh makes will do.
set -euo pipefail
rounds=3 rng=24h at=2026-03-11T00:00:00Z
while getopts "n:r:a:" o; do
  case $o in
    n) rounds=$OPTARG ;;
    r) rng=$OPTARG ;;
    a) at=$OPTARG ;;
    *) sed -n '2,15p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
[[ $# -ge 1 ]] || { sed -n '2,15p' "$0" >&2; exit 2; }
db=$1
shift
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 2; }
bins=("$@")
if [[ ${#bins[@]} -eq 0 ]]; then
  root=$(cd "$(dirname "$0")/../.." && pwd)
  (cd "$root" && go build -o "${TMPDIR:-/tmp}/ttmon-monitor-bench" .)
  bins=("${TMPDIR:-/tmp}/ttmon-monitor-bench")
fi
session=ttmon-monitor-bench-$$
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT
for ((r = 0; r < rounds; r++)); do
  for b in "${bins[@]}"; do
    tmux kill-session -t "$session" 2>/dev/null || true
    start=$(date +%s%N)
    tmux new-session -d -s "$session" -x 200 -y 60 "$b --db '$db' --range $rng --at $at; sleep 60"
    took=timeout
    while (($(date +%s%N) - start < 30000000000)); do
      if tmux capture-pane -p -t "$session" 2>/dev/null | grep -qE '[0-9] installs · newest'; then
        took=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.2f s", ns / 1e9 }')
        break
      fi
      sleep 0.02
    done
    echo "$(basename "$b") $rng: $took"
  done
done
