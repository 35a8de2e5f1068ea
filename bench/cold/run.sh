#!/usr/bin/env bash
# run.sh: `ttmon snapshot` in a new process on a big store (issue 16, the
# cold part). Not run in CI.
#
# usage: bench/cold/run.sh [-n ROUNDS] [-s SIZE] [-d DIR] [BIN ...]
#   e.g. bench/cold/run.sh -s 10M -n 5
#        bench/cold/run.sh -s 1M /tmp/ttmon-before ./ttmon-after
#
# Builds the embedded store's benchmark data set of SIZE events (fleetgen:
# the fleet simulator's month, 5,000 installations, 20,000 users; exactly
# SIZE events or the generator refuses) through the benchmark cache
# (TTMON_BENCH_SIZES; the cache lives in DIR/cache, not ~/.cache, because
# a benchmark run replaces the cached stores of other generator versions,
# which another checkout may be using), and copies it into DIR (default
# $TMPDIR/ttmon-cold-SIZE), one copy per binary, since a newer
# ttmon migrates the file on open and an older one then refuses it. Each
# binary (default: ttmon built from this tree) opens its copy once
# untimed (the migration, if any), then every case below runs ROUNDS times
# (default 5), interleaved case by case and binary by binary so that load
# from other work spreads evenly, under nice -n 10, timed by
# /usr/bin/time (wall seconds, peak RSS). The table has the best and the
# worst run of each; the load averages before and after are printed.
set -euo pipefail
rounds=5 size=1M dir=""
while getopts "n:s:d:" o; do
  case $o in
    n) rounds=$OPTARG ;;
    s) size=$OPTARG ;;
    d) dir=$OPTARG ;;
    *) sed -n '2,20p' "$0" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
root=$(cd "$(dirname "$0")/../.." && pwd)
dir=${dir:-${TMPDIR:-/tmp}/ttmon-cold-$size}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
[[ -x /usr/bin/time ]] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

bins=("$@")
if [[ ${#bins[@]} -eq 0 ]]; then
  echo "building ttmon" >&2
  (cd "$root" && go build -o "$dir/ttmon" .)
  bins=("$dir/ttmon")
fi

if [[ ! -f $dir/master.db ]]; then
  echo "generating $size events through the benchmark cache (minutes)" >&2
  (cd "$root" && XDG_CACHE_HOME=$dir/cache TTMON_BENCH_SIZES=$size go test -run '^$' -bench 'OpenFirstSnapshot' \
    -benchtime 1x -timeout 3h ./datasource/embedded/ >&2)
  cache=$dir/cache/ttmon-bench
  src=$(ls -t "$cache"/fleet-*-"$size".db | head -1)
  cp "$src" "$dir/master.db.tmp" && mv "$dir/master.db.tmp" "$dir/master.db"
fi

cfg=$(mktemp -d)
trap 'rm -rf "$cfg"' EXIT
end=2026-03-11T00:00:00Z # fleetgen.End
newest=$(sqlite3 "$dir/master.db" "SELECT json_extract(value, '\$') FROM pairs WHERE key = 'app_version'" 2>/dev/null |
  sort -t. -k1,1n -k2,2n -k3,3n | tail -1)
newest=${newest:-4.9.1}

stores=()
for i in "${!bins[@]}"; do
  st="$dir/store-$i.db"
  if [[ ! -f $st.ready || $dir/master.db -nt $st.ready ]]; then
    rm -f "$st" "$st-wal" "$st-shm"
    cp "$dir/master.db" "$st"
  fi
  echo "opening $st with ${bins[$i]} once (migrates if needed)" >&2
  XDG_CONFIG_HOME=$cfg "${bins[$i]}" snapshot --db "$st" --at "$end" --range 1h --json >/dev/null
  touch "$st.ready"
  stores+=("$st")
done

names=("24h none" "24h cohort" "24h event filter" "empty range" "30d none" "30d cohort" "30d auth_method")
cases=(
  "--range 24h"
  "--range 24h --filter person.deployment_method=docker --filter person.current_version=$newest"
  "--range 24h --filter event.deployment_method=docker"
  "--range 24h --at 2026-01-01T00:00:00Z"
  "--range 30d"
  "--range 30d --filter person.deployment_method=docker --filter person.current_version=$newest"
  "--range 30d --filter event.auth_method=oidc"
)

declare -A best worst rss
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 0; r < rounds; r++)); do
  for c in "${!cases[@]}"; do
    for i in "${!bins[@]}"; do
      # shellcheck disable=SC2086 # cases are word lists
      out=$(XDG_CONFIG_HOME=$cfg nice -n 10 /usr/bin/time -f '%e %M' "${bins[$i]}" snapshot --db "${stores[$i]}" \
        --at "$end" --tz Europe/Berlin --json ${cases[$c]} 2>&1 >/dev/null | tail -1)
      s=${out% *} kb=${out#* }
      k="$c/$i"
      if [[ -z ${best[$k]:-} ]] || awk "BEGIN{exit !($s < ${best[$k]})}"; then best[$k]=$s; fi
      if [[ -z ${worst[$k]:-} ]] || awk "BEGIN{exit !($s > ${worst[$k]})}"; then worst[$k]=$s; fi
      if [[ -z ${rss[$k]:-} ]] || ((kb > ${rss[$k]})); then rss[$k]=$kb; fi
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "$size events, $rounds rounds; wall s best-worst, peak RSS MB (max over rounds)"
printf '| case |'
for b in "${bins[@]}"; do printf ' %s |' "$(basename "$b")"; done
printf '\n|---|'
for _ in "${bins[@]}"; do printf -- '---|'; done
printf '\n'
for c in "${!cases[@]}"; do
  printf '| %s |' "${names[$c]}"
  for i in "${!bins[@]}"; do
    k="$c/$i"
    printf ' %s-%s s, %d MB |' "${best[$k]}" "${worst[$k]}" $((rss[$k] / 1024))
  done
  printf '\n'
done
