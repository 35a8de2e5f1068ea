#!/usr/bin/env bash
# run.sh: ttmon beside ClickHouse on the same data (issue 16). Not run in CI.
#
# usage: bench/sidebyside/run.sh [SIZE] [DIR]      e.g. bench/sidebyside/run.sh 1M
#
# Builds the embedded store's benchmark data (fleetgen: the fleet
# simulator's month, 5,000 installations, 20,000 users, scaled to SIZE as
# TTMON_BENCH_SIZES does) once into DIR (default $TMPDIR/ttmon-sbs-SIZE):
# a ttmon store, and the same events plus each distinct id's person for
# ClickHouse. Then times, on that data:
#   - ttmon's warm in-process Snapshot (best of 7 after one warm-up),
#   - `ttmon snapshot --json` in a new process (best of 5, wall clock),
#   - the same work in chdb (ClickHouse in-process, via npm) on a MergeTree
#     table shaped like PostHog's events with persons on events and
#     materialized property columns, kept in DIR/chdb: warm (best of 7 per
#     statement after one warm-up, summed) and in a new node process (best
#     of 5, wall clock),
# for a 24h snapshot without filters and a 30d one with the cohort
# "docker, on the newest release", and prints the ratios. Needs Go, Node
# 20+ and npm (chdb 3.4.0 is installed into bench/sidebyside/node_modules).
# DIR takes about 1 KB per event (the store, JSON lines, ClickHouse's
# copy in DIR/chdb); a second run reuses the data and measures again.
set -euo pipefail
size=${1:-1M}
dir=${2:-${TMPDIR:-/tmp}/ttmon-sbs-$size}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

echo "building ttmon and the generator" >&2
go build -o "$dir/ttmon" .
go build -o "$dir/sidebyside" ./datasource/embedded/internal/sidebyside
npm install --prefix bench/sidebyside --no-audit --no-fund --silent >&2

if [[ ! -f $dir/meta.json ]]; then
  rm -rf "$dir/chdb" "$dir/chdb.done"
  echo "generating $size events into $dir (the natural month is counted first: minutes)" >&2
  "$dir/sidebyside" gen -size "$size" -dir "$dir"
fi
end=$(sed -n 's/.*"end": "\(.*\)".*/\1/p' "$dir/meta.json")
newest=$(sed -n 's/.*"newest": "\(.*\)".*/\1/p' "$dir/meta.json")

echo "ttmon, warm in-process" >&2
warm=$("$dir/sidebyside" snap -dir "$dir")

# best5 prints the best wall time in ms of five runs of a command.
best5() {
  local best=""
  for _ in 1 2 3 4 5; do
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    local ms=$(( (t1 - t0) / 1000000 ))
    if [[ -z $best || $ms -lt $best ]]; then best=$ms; fi
  done
  echo "$best"
}
echo "ttmon snapshot, new processes" >&2
cfg=$(mktemp -d)
snap=(env XDG_CONFIG_HOME="$cfg" "$dir/ttmon" snapshot --db "$dir/events.db" --at "$end" --tz Europe/Berlin --json)
p24=$(best5 "${snap[@]}" --range 24h)
p30=$(best5 "${snap[@]}" --range 30d --filter person.deployment_method=docker --filter "person.current_version=$newest")
rm -rf "$cfg"

echo "ClickHouse (chdb): loading" >&2
if [[ ! -f $dir/chdb.done ]]; then
  node bench/sidebyside/chdb.mjs "$dir" load >&2
  touch "$dir/chdb.done"
fi
echo "ClickHouse (chdb), new processes" >&2
c24=$(best5 node bench/sidebyside/chdb.mjs "$dir" once 24h)
c30=$(best5 node bench/sidebyside/chdb.mjs "$dir" once 30d_cohort)
printf '{"warm": %s, "process": {"24h": %s, "30d_cohort": %s}, "chdb_process": {"24h": %s, "30d_cohort": %s}}\n' \
  "$warm" "$p24" "$p30" "$c24" "$c30" > "$dir/ttmon.json"

echo "ClickHouse (chdb), warm" >&2
node bench/sidebyside/chdb.mjs "$dir" report
