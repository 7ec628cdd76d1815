#!/usr/bin/env bash
# bench/compare.sh: sipslb against Kamailio, in one run, with bench/run.sh.
#
#  1. Highest passing call rate of every search target (see TARGETS), by a
#     bounded search: the rates in RATES in order until one fails, then
#     BISECT halvings between the last pass and the first failure. The
#     targets take their steps in turns (round robin), so slow changes of
#     the machine's other load hit all of them alike. A failing step is run
#     again, up to RETRY (2) more times, before it counts: at the edge the
#     2-core machine decides as much as the balancer (README.md); a
#     failure while processes we did not start used more than NOISE_PCT %
#     of a core does not count at all (it is run again, at most
#     NOISE_RETRIES times per step).
#  2. CPU-seconds of the balancer per 10k calls at FIXED_RATE, for every
#     target in FIXED_TARGETS, FIXED_REPEAT times, interleaved; the median
#     of the runs without other load above NOISE_PCT (a noisy run is
#     repeated, at most NOISE_RETRIES times).
#  3. OUT/summary.md: the figures, the ratios sipslb/Kamailio, the machine.
#
# A step passes when every call succeeded (0 failed, 0 unexpected messages),
# retransmissions stayed under 1 % of the calls, the UAC achieved at least
# 95 % of the offered rate and the balancer is still alive.
#
# Target names: sipslb | sipslb@CPUS (pinned with taskset -c CPUS, which
# also sets its worker count) | kamailioN (N UDP workers) | direct (UAC to
# one UAS, no balancer), each with :strict or :tolerant.
#
# env (defaults):
#   TARGETS        "sipslb:strict kamailio1:strict kamailio2:tolerant sipslb:tolerant"
#   RATES          "2000 4000 6000 8000 10000 12000 14000 16000"
#   STEP_SECONDS   8      calls per step = rate x STEP_SECONDS, within
#   MIN_CALLS      10000  .. MAX_CALLS 160000
#   BISECT 2  ROUND 250  RETRY 2  NOISE_PCT 30  NOISE_RETRIES 3
#   FIXED_TARGETS  "sipslb:strict kamailio1:strict kamailio2:tolerant"
#   FIXED_RATE 2000  FIXED_CALLS 30000  FIXED_REPEAT 5
#   QUIET_PCT 25  QUIET_WAIT_S 60   before a step, wait (at most QUIET_WAIT_S)
#                                   while other load exceeds QUIET_PCT of the CPUs
#   OUT            /tmp/sipslb-bench/<date>
#   SIPSLB_BIN     bin/sipslb of this checkout
# Every step is bounded by run.sh (calls/rate + 8 s for the UAC, + ~5 s of
# setup); the whole run takes about 25 minutes with the defaults.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

TARGETS=${TARGETS:-"sipslb:strict kamailio1:strict kamailio2:tolerant sipslb:tolerant"}
RATES=${RATES:-"2000 4000 6000 8000 10000 12000 14000 16000"}
STEP_SECONDS=${STEP_SECONDS:-8}
MIN_CALLS=${MIN_CALLS:-10000}
MAX_CALLS=${MAX_CALLS:-160000}
BISECT=${BISECT:-2}
ROUND=${ROUND:-250}
RETRY=${RETRY:-2}
NOISE_PCT=${NOISE_PCT:-30}
NOISE_RETRIES=${NOISE_RETRIES:-3}
FIXED_TARGETS=${FIXED_TARGETS:-"sipslb:strict kamailio1:strict kamailio2:tolerant"}
FIXED_RATE=${FIXED_RATE:-2000}
FIXED_CALLS=${FIXED_CALLS:-30000}
FIXED_REPEAT=${FIXED_REPEAT:-5}
QUIET_PCT=${QUIET_PCT:-25}
QUIET_WAIT_S=${QUIET_WAIT_S:-60}
OUT=${OUT:-/tmp/sipslb-bench/$(date +%Y%m%d-%H%M%S)}
export SIPSLB_BIN=${SIPSLB_BIN:-$ROOT/bin/sipslb}

case ${1:-} in -h | --help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 1
log() { echo "[compare $(date +%T)] $*" >&2; }

# The run.sh in progress, stopped (it stops its own processes) if we are.
CHILD=""
on_exit() { [ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null; }
trap on_exit EXIT
trap 'log interrupted; exit 130' INT TERM HUP

# target spec -> run.sh arguments
target_args() {
	local name=${1%%:*} scen=${1#*:}
	[ "$scen" = "$1" ] && scen=strict
	case $name in
	sipslb) echo "-b sipslb -s $scen" ;;
	sipslb@*) echo "-b sipslb -p ${name#sipslb@} -s $scen" ;;
	kamailio[0-9]*) echo "-b kamailio -w ${name#kamailio} -s $scen" ;;
	direct) echo "-b direct -s $scen" ;;
	*) return 1 ;;
	esac
}
for t in $TARGETS $FIXED_TARGETS; do
	target_args "$t" >/dev/null || { log "bad target $t"; exit 2; }
done

busy_pct() { # whole machine, % of all CPUs over 1 s
	local a b
	a=$(awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	sleep 1
	b=$(awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat)
	echo "$a $b" | awk '{ d = $4 - $2; printf "%d", (d > 0 ? 100 * ($3 - $1) / d : 0) }'
}
BG=0
wait_quiet() {
	local waited=0
	BG=$(busy_pct)
	while [ "$BG" -gt "$QUIET_PCT" ] && [ $waited -lt "$QUIET_WAIT_S" ]; do
		[ $waited = 0 ] && log "machine busy (${BG}% of all CPUs, not ours): waiting up to ${QUIET_WAIT_S}s"
		sleep 2
		waited=$((waited + 3))
		BG=$(busy_pct)
	done
}

STEPS=$OUT/steps.tsv
FIELDS="RATE CALLS OK FAILED_UNEXPECTED RETRANS_PCT OFFERED_CPS ACHIEVED_CPS LB_SOCK_DROPS SIPP_SOCK_DROPS UDP_RCVBUF_ERRORS LB_CPU_S_PER_10K LB_CPU_PCT UAC_CPU_PCT SIPP_CPU_PCT OTHER_CPU_PCT UAS1_CALLS UAS2_CALLS PASS"
printf 'phase\ttarget\tattempt\tbg_pct\t%s\tdir\n' "$(echo $FIELDS | tr ' ' '\t')" >"$STEPS"

# step phase target rate calls dir attempt -> STEP_PASS (0/1) and STEP_NOISY
# (1: other processes used more than NOISE_PCT % of a core, and for a search
# step it failed); a line in steps.tsv, phase suffixed "-noisy" when noisy
STEP_PASS=0 STEP_NOISY=0
step() {
	local phase=$1 t=$2 rate=$3 calls=$4 d=$5 attempt=$6
	wait_quiet
	# shellcheck disable=SC2046
	"$HERE/run.sh" $(target_args "$t") -r "$rate" -n "$calls" -o "$d" >"$d.log" 2>&1 &
	CHILD=$!
	wait $CHILD
	CHILD=""
	STEP_PASS=0 STEP_NOISY=0
	if [ ! -s "$d/result.env" ]; then
		log "$t rate $rate: run.sh could not measure (see $d.log)"
		printf '%s\t%s\t%s\t%s\t%s\t(no result)\t%s\n' "$phase" "$t" "$attempt" "$BG" "$rate" "$d" >>"$STEPS"
		return
	fi
	read -r STEP_PASS STEP_NOISY < <(
		. "$d/result.env"
		noisy=0
		[ "$OTHER_CPU_PCT" -gt "$NOISE_PCT" ] && { [ "$phase" = fixed ] || [ "$PASS" = 0 ]; } && noisy=1
		[ $noisy = 1 ] && phase+=-noisy
		line="$phase	$t	$attempt	$BG"
		for f in $FIELDS; do line+="	${!f}"; done
		echo "$line	$d" >>"$STEPS"
		echo "$PASS $noisy"
	)
	log "$t: $(tail -1 "$d.log" 2>/dev/null)$([ "$STEP_NOISY" = 1 ] && echo " (noisy: other load ${NOISE_PCT}%+)")"
}

# ---- 1. highest passing rate, round robin over the targets
declare -A IDX LO HI BIS DONE BESTDIR
set -f
LADDER=($RATES)
set +f
for t in $TARGETS; do IDX[$t]=0 LO[$t]=0 HI[$t]=0 BIS[$t]=0 DONE[$t]=0 BESTDIR[$t]=""; done
next_rate() { # target -> next rate to try, or nothing when done
	local t=$1 mid
	if [ "${HI[$t]}" = 0 ]; then
		[ "${IDX[$t]}" -lt ${#LADDER[@]} ] && echo "${LADDER[${IDX[$t]}]}"
		return
	fi
	[ "${BIS[$t]}" -ge "$BISECT" ] && return
	mid=$(((LO[$t] + HI[$t]) / 2 / ROUND * ROUND))
	[ "$mid" -gt "${LO[$t]}" ] && [ "$mid" -lt "${HI[$t]}" ] && echo "$mid"
}
log "output: $OUT"
log "search: $TARGETS; rates $RATES; bisect $BISECT"
while :; do
	active=0
	for t in $TARGETS; do
		[ "${DONE[$t]}" = 1 ] && continue
		rate=$(next_rate "$t")
		if [ -z "$rate" ]; then DONE[$t]=1; continue; fi
		active=1
		calls=$((rate * STEP_SECONDS))
		[ $calls -lt "$MIN_CALLS" ] && calls=$MIN_CALLS
		[ $calls -gt "$MAX_CALLS" ] && calls=$MAX_CALLS
		a=0 fails=0 noisy=0
		while :; do
			a=$((a + 1))
			d="$OUT/search/${t//:/-}/r$rate-a$a"
			mkdir -p "$(dirname "$d")"
			step search "$t" "$rate" "$calls" "$d" "$a"
			[ "$STEP_PASS" = 1 ] && break
			if [ "$STEP_NOISY" = 1 ] && [ $noisy -lt "$NOISE_RETRIES" ]; then
				noisy=$((noisy + 1)) # not counted: the machine was busy
				continue
			fi
			fails=$((fails + 1))
			[ $fails -gt "$RETRY" ] && break
		done
		if [ "${HI[$t]}" != 0 ]; then
			BIS[$t]=$((BIS[$t] + 1)) # a bisection step
		elif [ "$STEP_PASS" = 1 ]; then
			IDX[$t]=$((IDX[$t] + 1)) # next rung of the ladder
		fi
		if [ "$STEP_PASS" = 1 ]; then
			LO[$t]=$rate
			BESTDIR[$t]=$d
		else
			HI[$t]=$rate
		fi
	done
	[ $active = 0 ] && break
done

# ---- 2. CPU per 10k calls at a fixed rate, interleaved repetitions
log "fixed rate: $FIXED_TARGETS at $FIXED_RATE calls/s, $FIXED_CALLS calls, x$FIXED_REPEAT"
for rep in $(seq 1 "$FIXED_REPEAT"); do
	for t in $FIXED_TARGETS; do
		for a in $(seq 0 "$NOISE_RETRIES"); do
			d="$OUT/fixed/${t//:/-}/rep$rep-a$a"
			mkdir -p "$(dirname "$d")"
			step fixed "$t" "$FIXED_RATE" "$FIXED_CALLS" "$d" "$rep"
			[ "$STEP_NOISY" = 0 ] && break
		done
	done
done

# ---- 3. summary
val() { # result dir, key
	[ -s "$1/result.env" ] && (. "$1/result.env" && echo "${!2}")
}
max_of() { # target -> "rate" ("≥rate" when the ladder never failed), "none" if nothing passed
	local t=$1
	if [ "${LO[$t]:-0}" = 0 ]; then echo none
	elif [ "${HI[$t]}" = 0 ]; then echo "≥${LO[$t]}"
	else echo "${LO[$t]}"; fi
}
fixed_med() { # target -> median LB CPU-s per 10k calls over the fixed runs
	awk -F'\t' -v t="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == "fixed" && $2 == t && $(c["LB_CPU_S_PER_10K"]) != "" { v[++n] = $(c["LB_CPU_S_PER_10K"]) }
		END { if (!n) { print ""; exit }
			for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] + 0 > v[j] + 0; j--) { x = v[j]; v[j] = v[j-1]; v[j-1] = x }
			print (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }' "$STEPS"
}
ratio() { # a b -> a/b with 2 decimals, or "-"
	awk -v a="${1#≥}" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'
}
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

SUM=$OUT/summary.md
{
	echo "# sipslb vs Kamailio, SIPp on loopback: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
	echo "- sipslb $("$SIPSLB_BIN" version 2>/dev/null | head -1) ($(go version 2>/dev/null | awk '{ print $3 }')), $(sipp -v 2>/dev/null | grep -o 'SIPp v[0-9.]*' | head -1), kamailio $(kamailio -v 2>/dev/null | head -1 | awk '{ print $3 }')"
	echo "- search: RATES=\"$RATES\", ${STEP_SECONDS}s of calls per step ($MIN_CALLS-$MAX_CALLS calls), BISECT=$BISECT, RETRY=$RETRY, NOISE_PCT=$NOISE_PCT, NOISE_RETRIES=$NOISE_RETRIES;" \
		"pass = 0 failed calls, 0 unexpected messages, retransmissions < 1 %, achieved >= 95 % of offered, balancer alive"
	echo
	echo "## Highest passing call rate"
	echo
	echo "| target | highest pass (calls/s) | first failure | at the highest pass: achieved | LB CPU % of a core | SIPp CPU % (UAC) | other load % | LB s/10k calls |"
	echo "|---|---|---|---|---|---|---|---|"
	for t in $TARGETS; do
		d=${BESTDIR[$t]}
		ff=${HI[$t]}
		[ "$ff" = 0 ] && ff="none up to ${LADDER[-1]}"
		if [ -n "$d" ]; then
			echo "| $t | $(max_of "$t") | $ff | $(val "$d" ACHIEVED_CPS) | $(val "$d" LB_CPU_PCT) | $(val "$d" SIPP_CPU_PCT) ($(val "$d" UAC_CPU_PCT)) | $(val "$d" OTHER_CPU_PCT) | $(val "$d" LB_CPU_S_PER_10K) |"
		else
			echo "| $t | none | $ff | | | | | |"
		fi
	done
	echo
	echo "## Balancer CPU-seconds per 10k calls at $FIXED_RATE calls/s ($FIXED_CALLS calls, median of $FIXED_REPEAT interleaved runs)"
	echo
	echo "| target | median s/10k | every run (s/10k) | failed calls (these runs) | LB CPU % of a core (median run) | SIPp CPU % | noisy runs left out |"
	echo "|---|---|---|---|---|---|---|"
	for t in $FIXED_TARGETS; do
		awk -F'\t' -v t="$t" -v med="$(fixed_med "$t")" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			$1 == "fixed" && $2 == t { n++; all = all (all == "" ? "" : ", ") $(c["LB_CPU_S_PER_10K"]); fail += $(c["CALLS"]) - $(c["OK"])
				if ($(c["LB_CPU_S_PER_10K"]) == med) { lbp = $(c["LB_CPU_PCT"]); sp = $(c["SIPP_CPU_PCT"]) } }
			$1 == "fixed-noisy" && $2 == t { noisy++ }
			END { printf "| %s | %s | %s | %d | %s | %s | %d |\n", t, med, all, fail, lbp, sp, noisy }' "$STEPS"
	done
	echo
	echo "## Ratios (same run)"
	echo
	if in_list sipslb:strict "$TARGETS" && in_list kamailio1:strict "$TARGETS"; then
		echo "- highest passing rate, strict scenario, sipslb / Kamailio 1 worker: **$(ratio "$(max_of sipslb:strict)" "${LO[kamailio1:strict]}")**"
	fi
	if in_list sipslb:tolerant "$TARGETS" && in_list kamailio2:tolerant "$TARGETS"; then
		echo "- highest passing rate, tolerant caller, sipslb / Kamailio 2 workers: **$(ratio "$(max_of sipslb:tolerant)" "${LO[kamailio2:tolerant]}")**"
	fi
	if in_list sipslb:strict "$FIXED_TARGETS"; then
		for k in kamailio1:strict kamailio2:tolerant; do
			in_list $k "$FIXED_TARGETS" &&
				echo "- CPU per 10k calls at $FIXED_RATE calls/s, sipslb / $k: **$(ratio "$(fixed_med sipslb:strict)" "$(fixed_med $k)")**"
		done
	fi
	echo "- a \"≥\" rate passed every rung of RATES: the ratio is then a lower bound"
	echo
	echo "Every step: \`$STEPS\` (per-run directories hold result.env, the SIPp stat files and the balancer's log)."
} >"$SUM"
cat "$SUM"
