#!/usr/bin/env bash
# run.sh: a monitor in a new process, from exec to its first figures on
# screen (issue 16). Not run in CI.
#
# usage: bench/monitor/run.sh [-n ROUNDS] [-r RANGE] [-s SIZE] [-d DIR] [BIN ...]
#   e.g. bench/monitor/run.sh -s 10M -r 30d
#        bench/monitor/run.sh -s 10M -n 5 /tmp/ttmon-before ./ttmon-after
#
# Runs on the stores bench/cold/run.sh leaves in DIR (default
# $TMPDIR/ttmon-cold-SIZE, SIZE 1M): binary i (default: ttmon built from
# this tree) opens DIR/store-i.db, so run bench/cold/run.sh with the same
# binaries first. Each round starts `BIN --db STORE --range RANGE --at
# <fleetgen's end of month>` (default 24h) in a 200x60 tmux session and
# polls the screen every 20 ms until the health dashboard's Versions pane
# shows its count, then prints the seconds from the start of the session.
set -euo pipefail
rounds=3 rng=24h size=1M dir=""
while getopts "n:r:s:d:" o; do
  case $o in
    n) rounds=$OPTARG ;;
    r) rng=$OPTARG ;;
    s) size=$OPTARG ;;
    d) dir=$OPTARG ;;
    *) sed -n '2,15p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
dir=${dir:-${TMPDIR:-/tmp}/ttmon-cold-$size}
command -v tmux >/dev/null || { echo "needs tmux" >&2; exit 2; }
bins=("$@")
for ((i = 0; i < (${#bins[@]} > 0 ? ${#bins[@]} : 1); i++)); do
  [[ -f $dir/store-$i.db ]] || { echo "no $dir/store-$i.db: run bench/cold/run.sh -s $size first" >&2; exit 2; }
done
if [[ ${#bins[@]} -eq 0 ]]; then
  root=$(cd "$(dirname "$0")/../.." && pwd)
  (cd "$root" && go build -o "$dir/ttmon-monitor" .)
  bins=("$dir/ttmon-monitor")
fi
end=2026-03-11T00:00:00Z # fleetgen.End
session=ttmon-monitor-bench-$$
trap 'tmux kill-session -t "$session" 2>/dev/null || true' EXIT
for ((r = 0; r < rounds; r++)); do
  for i in "${!bins[@]}"; do
    tmux kill-session -t "$session" 2>/dev/null || true
    start=$(date +%s%N)
    tmux new-session -d -s "$session" -x 200 -y 60 "'${bins[$i]}' --db '$dir/store-$i.db' --range $rng --at $end; sleep 60"
    took=timeout
    while (($(date +%s%N) - start < 30000000000)); do
      if tmux capture-pane -p -t "$session" 2>/dev/null | grep -qE '[0-9] installs · newest'; then
        took=$(awk -v ns=$(($(date +%s%N) - start)) 'BEGIN { printf "%.2f s", ns / 1e9 }')
        break
      fi
      sleep 0.02
    done
    echo "$(basename "${bins[$i]}") $rng: $took"
  done
done
