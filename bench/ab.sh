#!/usr/bin/env bash
# bench/ab.sh: CPU of two sipslb builds against each other, interleaved.
#
#   bench/ab.sh OLD_BIN NEW_BIN
#
# Runs bench/run.sh at RATE calls/s (2000) with CALLS calls (30000) for
# each build in turn, REPS times (10), and prints each build's CPU-seconds
# per 10k calls (sorted) and the median. Single runs on a small VM spread by
# ±20 % (docs/performance.md), so judge a change by the medians of many
# interleaved runs, never by one. A run that failed a call is reported and
# left out. Everything stays on 127.66.0.0/16 (run.sh) and every run is
# bounded by run.sh; OUT (default /tmp/sipslb-ab/<date>) keeps the runs.
set -u
[ $# -eq 2 ] || { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
RATE=${RATE:-2000}
CALLS=${CALLS:-30000}
REPS=${REPS:-10}
OUT=${OUT:-/tmp/sipslb-ab/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
declare -A BIN=([old]=$(realpath "$1") [new]=$(realpath "$2"))
for b in old new; do
	[ -x "${BIN[$b]}" ] || { echo "ab: no executable at ${BIN[$b]}" >&2; exit 2; }
done
"$HERE/deps.sh" >/dev/null || exit 3
for rep in $(seq 1 "$REPS"); do
	for b in old new; do
		d="$OUT/$b-$rep"
		SIPSLB_BIN=${BIN[$b]} "$HERE/run.sh" -b sipslb -r "$RATE" -n "$CALLS" -o "$d" >/dev/null 2>"$d.log"
		if [ -s "$d/result.env" ] && (. "$d/result.env" && [ "$PASS" = 1 ]); then
			(. "$d/result.env" && echo "$b $LB_CPU_S_PER_10K")
		else
			echo "ab: $b run $rep did not pass, left out ($d)" >&2
		fi
	done
done >"$OUT/cpu.txt"
for b in old new; do
	awk -v b="$b" '$1 == b { print $2 }' "$OUT/cpu.txt" | sort -n | awk -v b="$b" -v bin="${BIN[$b]}" '
		{ v[++n] = $1; s = s " " $1 }
		END {
			m = n ? (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) : 0
			printf "%s (%s): median %.3f CPU-s per 10k calls over %d runs:%s\n", b, bin, m, n, s
		}'
done | tee "$OUT/summary.txt"
