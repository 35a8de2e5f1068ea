#!/usr/bin/env bash
# soak.sh runs `ttmon collect` on a copy of a 10M-event store while `ttmon
# demo` sends it live traffic, and samples the collector's resident memory.
#
#   datasource/embedded/soak/soak.sh [minutes] [events/s] [store.db]
#
# Defaults: 60 minutes, 300 events/s (about 1M events an hour) from a
# 5,000-installation, 20,000-user fleet, and the cached 10M benchmark store
# (make it with: TTMON_BENCH_SIZES=10M go test -run '^$' -bench OpenFirst
# ./datasource/embedded/). Writes soak-<time>.csv (elapsed s, VmRSS KiB,
# VmHWM KiB, store bytes) in $SOAK_OUT (default: the current directory)
# and prints a summary.
set -euo pipefail
minutes=${1:-60}
rate=${2:-300}
src=${3:-$(ls -t "${XDG_CACHE_HOME:-$HOME/.cache}"/ttmon-bench/fleet-*-10M.db 2>/dev/null | head -1)}
[ -f "$src" ] || { echo "no store to copy: pass one, or generate the 10M benchmark store" >&2; exit 1; }
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d)
trap 'kill $collect $demo 2>/dev/null || true; wait 2>/dev/null; rm -rf "$work"' EXIT
(cd "$root" && go build -o "$work/ttmon" .)
cp "$src" "$work/events.db"
port=$((20000 + RANDOM % 20000))
"$work/ttmon" collect --db "$work/events.db" --listen "127.0.0.1:$port" --token phc_soak 2>"$work/collect.err" &
collect=$!
sleep 2
"$work/ttmon" demo --host "http://127.0.0.1:$port" --token phc_soak --installs 5000 --users 20000 \
	--backfill 0 --rate "$rate" >"$work/demo.out" 2>&1 &
demo=$!
out="${SOAK_OUT:-.}/soak-$(date +%Y%m%d-%H%M%S).csv"
echo "elapsed_s,vmrss_kib,vmhwm_kib,store_bytes" >"$out"
start=$(date +%s)
end=$((start + minutes * 60))
while [ "$(date +%s)" -lt "$end" ]; do
	kill -0 "$collect" 2>/dev/null || { echo "collector died:" >&2; cat "$work/collect.err" >&2; exit 1; }
	rss=$(awk '/^VmRSS:/{print $2}' "/proc/$collect/status")
	hwm=$(awk '/^VmHWM:/{print $2}' "/proc/$collect/status")
	bytes=$(( $(stat -c %s "$work/events.db") + $(stat -c %s "$work/events.db-wal" 2>/dev/null || echo 0) ))
	echo "$(( $(date +%s) - start )),$rss,$hwm,$bytes" >>"$out"
	sleep 10
done
kill "$demo" 2>/dev/null || true
wait "$demo" 2>/dev/null || true
grown=$(( $(tail -1 "$out" | cut -d, -f4) - $(sed -n 2p "$out" | cut -d, -f4) ))
awk -F, -v grown="$grown" 'NR>1 { n++; if (n==1 || $2<min) min=$2; if ($2>max) max=$2; last=$2; hwm=$3 }
	END { printf "samples %d  VmRSS min %.0f MiB  max %.0f MiB  last %.0f MiB  VmHWM %.0f MiB  store grew %.0f MiB\n",
		n, min/1024, max/1024, last/1024, hwm/1024, grown/1048576 }' "$out"
tail -3 "$work/demo.out" || true
