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
#  3. Time inside the balancer at FIXED_RATE, for every target in
#     LAT_TARGETS, LAT_REPEAT times: a loopback capture (tcpdump on lo,
#     nanosecond time stamps, in and out datagrams matched by first word,
#     Call-ID and CSeq: capture.py) for every balancer, and sipslb's own
#     histogram (show sip statistics) of the same run. Separate runs from
#     2., so that tcpdump's CPU is in no CPU figure.
#  4. OUT/summary.md (also printed): the figures, the ratios
#     sipslb/Kamailio and sipslb/direct with the asymmetry of each pair
#     (workers, sockets, CPUs, buffers), the machine.
#
# A step passes when every call succeeded (0 failed, 0 unexpected messages),
# retransmissions stayed under 1 % of the calls, the UAC achieved at least
# 95 % of the offered rate and the balancer is still alive.
#
# Target names: NAME[@CPUS][:strict|:tolerant], NAME one of
#   sipslb      the daemon with its defaults (one worker per CPU)
#   kamailioN   Kamailio with N UDP workers and its tlsf allocator
#               (-x tlsf -X tlsf), the fastest it offers
#   kamailioN-qm  the same with its default qm allocator (debug bookkeeping)
#   direct      the UAC straight to one UAS, no balancer: SIPp's ceiling
# @CPUS runs the balancer under taskset -c CPUS: sipslb then opens one
# worker per CPU of the set and sets GOMAXPROCS to it; every process of
# Kamailio (workers, main, timer, ctl) shares the set. SIPp is never pinned.
#
# env (defaults):
#   TARGETS        "direct:strict sipslb@1:strict kamailio1@1:strict kamailio1-qm@1:strict
#                   sipslb:strict kamailio2:tolerant sipslb:tolerant"
#   RATES          "2000 4000 6000 8000 10000 12000 14000 16000"
#   STEP_SECONDS   8      calls per step = rate x STEP_SECONDS, within
#   MIN_CALLS      10000  .. MAX_CALLS 160000
#   BISECT 2  ROUND 250  RETRY 2  NOISE_PCT 30  NOISE_RETRIES 3
#   FIXED_TARGETS  "sipslb@1:strict kamailio1@1:strict kamailio1-qm@1:strict sipslb:strict kamailio2:tolerant"
#   FIXED_RATE 2000  FIXED_CALLS 30000  FIXED_REPEAT 5
#   LAT_TARGETS    "sipslb@1:strict kamailio1@1:strict"   LAT_REPEAT 1
#   QUIET_PCT 25  QUIET_WAIT_S 60   before a step, wait (at most QUIET_WAIT_S)
#                                   while other load exceeds QUIET_PCT of the CPUs
#   OUT            /tmp/sipslb-bench/<date>
#   SIPSLB_BIN     bin/sipslb of this checkout
# Every step is bounded by run.sh (calls/rate + 8 s for the UAC, + ~5 s of
# setup); the whole run takes about 45 minutes with the defaults on the
# 2-vCPU VM of docs/performance.md (longer while the machine is busy).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

TARGETS=${TARGETS:-"direct:strict sipslb@1:strict kamailio1@1:strict kamailio1-qm@1:strict sipslb:strict kamailio2:tolerant sipslb:tolerant"}
RATES=${RATES:-"2000 4000 6000 8000 10000 12000 14000 16000"}
STEP_SECONDS=${STEP_SECONDS:-8}
MIN_CALLS=${MIN_CALLS:-10000}
MAX_CALLS=${MAX_CALLS:-160000}
BISECT=${BISECT:-2}
ROUND=${ROUND:-250}
RETRY=${RETRY:-2}
NOISE_PCT=${NOISE_PCT:-30}
NOISE_RETRIES=${NOISE_RETRIES:-3}
FIXED_TARGETS=${FIXED_TARGETS:-"sipslb@1:strict kamailio1@1:strict kamailio1-qm@1:strict sipslb:strict kamailio2:tolerant"}
FIXED_RATE=${FIXED_RATE:-2000}
FIXED_CALLS=${FIXED_CALLS:-30000}
FIXED_REPEAT=${FIXED_REPEAT:-5}
LAT_TARGETS=${LAT_TARGETS:-"sipslb@1:strict kamailio1@1:strict"}
LAT_REPEAT=${LAT_REPEAT:-1}
SIPP_BUFF=${SIPP_BUFF:-4194304}
export SIPP_BUFF
QUIET_PCT=${QUIET_PCT:-25}
QUIET_WAIT_S=${QUIET_WAIT_S:-60}
OUT=${OUT:-/tmp/sipslb-bench/$(date +%Y%m%d-%H%M%S)}
export SIPSLB_BIN=${SIPSLB_BIN:-$ROOT/bin/sipslb}

case ${1:-} in -h | --help) sed -n '2,53p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 1
log() { echo "[compare $(date +%T)] $*" >&2; }

# The run.sh in progress, stopped (it stops its own processes) if we are.
CHILD=""
on_exit() { [ -n "$CHILD" ] && kill -TERM "$CHILD" 2>/dev/null && wait "$CHILD" 2>/dev/null; }
trap on_exit EXIT
trap 'log interrupted; exit 130' INT TERM HUP

# target spec -> run.sh arguments
target_args() {
	local spec=${1%%:*} scen=${1#*:} name cpus="" pin="" w mem=tlsf
	[ "$scen" = "$1" ] && scen=strict
	name=${spec%%@*}
	[ "$name" != "$spec" ] && cpus=${spec#*@} && pin="-p $cpus"
	case $scen in strict | tolerant) ;; *) return 1 ;; esac
	case $name in
	sipslb) echo "-b sipslb $pin -s $scen" ;;
	kamailio[0-9]*)
		w=${name#kamailio}
		case $w in *-qm) mem=qm w=${w%-qm} ;; *-tlsf) w=${w%-tlsf} ;; esac
		[[ $w =~ ^[1-9][0-9]?$ ]] || return 1
		echo "-b kamailio -w $w -m $mem $pin -s $scen"
		;;
	direct) [ -z "$cpus" ] && echo "-b direct -s $scen" ;;
	*) return 1 ;;
	esac
}
# target spec -> what it runs with: workers, sockets, CPUs (the asymmetry
# every ratio in the summary is printed with)
describe() {
	local spec=${1%%:*} name cpus="" w mem=tlsf where
	name=${spec%%@*}
	[ "$name" != "$spec" ] && cpus=${spec#*@}
	if [ -n "$cpus" ]; then where="pinned to CPU $cpus (taskset -c $cpus)"; else where="unpinned, $(nproc) CPUs"; fi
	case $name in
	sipslb)
		if [ -n "$cpus" ]; then
			echo "sipslb: one worker goroutine per CPU of the set on its own SO_REUSEPORT socket, GOMAXPROCS = the set's size, $where"
		else
			echo "sipslb: $(nproc) workers, one SO_REUSEPORT socket each, GOMAXPROCS following the load (sys/procs), $where"
		fi
		;;
	kamailio*)
		w=${name#kamailio}
		case $w in *-qm) mem=qm w=${w%-qm} ;; *-tlsf) w=${w%-tlsf} ;; esac
		echo "Kamailio: $w UDP worker process$([ "$w" = 1 ] || echo es) reading one socket, plus its main, timer, ctl and keepalive processes, allocator $mem, $where"
		;;
	direct) echo "no balancer: the SIPp caller sends straight to one SIPp server" ;;
	esac
}
for t in $TARGETS $FIXED_TARGETS $LAT_TARGETS; do
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
FIELDS="RATE CALLS OK FAILED_UNEXPECTED RETRANS_PCT OFFERED_CPS ACHIEVED_CPS LB_SOCK_DROPS SIPP_SOCK_DROPS UDP_RCVBUF_ERRORS LB_CPU_S_PER_10K LB_CPU_PCT UAC_CPU_PCT SIPP_CPU_PCT OTHER_CPU_PCT UAS1_CALLS UAS2_CALLS PASS CAP_MATCHED CAP_P50_US CAP_P99_US CAP_P999_US CAP_MAX_US CAP_DROPPED LAT_COUNT LAT_P50_US LAT_P99_US LAT_P999_US"
printf 'phase\ttarget\tattempt\tbg_pct\t%s\tdir\n' "$(echo $FIELDS | tr ' ' '\t')" >"$STEPS"

# step phase target rate calls dir attempt -> STEP_PASS (0/1) and STEP_NOISY
# (1: other processes used more than NOISE_PCT % of a core, and for a search
# step it failed); a line in steps.tsv, phase suffixed "-noisy" when noisy
STEP_PASS=0 STEP_NOISY=0
step() {
	local phase=$1 t=$2 rate=$3 calls=$4 d=$5 attempt=$6 cap=""
	[ "$phase" = latency ] && cap=-c
	wait_quiet
	# shellcheck disable=SC2046
	"$HERE/run.sh" $(target_args "$t") $cap -r "$rate" -n "$calls" -o "$d" >"$d.log" 2>&1 &
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
		[ "$OTHER_CPU_PCT" -gt "$NOISE_PCT" ] && { [ "$phase" != search ] || [ "$PASS" = 0 ]; } && noisy=1
		[ $noisy = 1 ] && phase+=-noisy
		line="$phase	$t	$attempt	$BG"
		for f in $FIELDS; do line+="	${!f:-}"; done
		echo "$line	$d" >>"$STEPS"
		echo "$PASS $noisy"
	)
	log "$t: $(grep ' pass=' "$d.log" 2>/dev/null | tail -1)$([ "$STEP_NOISY" = 1 ] && echo " (noisy: other load ${NOISE_PCT}%+)")"
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

# ---- 3. time inside the balancer at the fixed rate, with a capture
log "latency: $LAT_TARGETS at $FIXED_RATE calls/s, $FIXED_CALLS calls, x$LAT_REPEAT, tcpdump on lo"
for rep in $(seq 1 "$LAT_REPEAT"); do
	for t in $LAT_TARGETS; do
		for a in $(seq 0 "$NOISE_RETRIES"); do
			d="$OUT/latency/${t//:/-}/rep$rep-a$a"
			mkdir -p "$(dirname "$d")"
			step latency "$t" "$FIXED_RATE" "$FIXED_CALLS" "$d" "$rep"
			[ "$STEP_NOISY" = 0 ] && break
		done
	done
done

# ---- 4. summary
val() { # result dir, key
	[ -s "$1/result.env" ] && (. "$1/result.env" && echo "${!2}")
}
max_of() { # target -> "rate" ("≥rate" when the ladder never failed), "none" if nothing passed
	local t=$1
	if [ "${LO[$t]:-0}" = 0 ]; then echo none
	elif [ "${HI[$t]}" = 0 ]; then echo "≥${LO[$t]}"
	else echo "${LO[$t]}"; fi
}
fixed_stats() { # target phase key -> "min median max n" of key over the target's runs of phase (not noisy)
	awk -F'\t' -v t="$1" -v ph="$2" -v key="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == ph && $2 == t && $(c[key]) != "" { v[++n] = $(c[key]) }
		END { if (!n) { print "- - - 0"; exit }
			for (i = 2; i <= n; i++) for (j = i; j > 1 && v[j-1] + 0 > v[j] + 0; j--) { x = v[j]; v[j] = v[j-1]; v[j-1] = x }
			print v[1], (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2), v[n], n }' "$STEPS"
}
fixed_med() { set -- $(fixed_stats "$1" fixed LB_CPU_S_PER_10K); echo "${2#-}"; }
ratio() { # a b -> a/b with 2 decimals, or "-"
	awk -v a="${1#≥}" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'
}
in_list() { case " $2 " in *" $1 "*) return 0 ;; esac; return 1; }

rmem_max=$(sysctl -n net.core.rmem_max 2>/dev/null || echo ?)
BUFS="socket buffers: every SIPp socket asks $SIPP_BUFF bytes (-buff_size), sipslb 4 MiB, Kamailio maxbuffer 4 MiB (net.core.rmem_max $rmem_max; the kernel doubles what it grants)"
LOADER="SIPp: the caller and two servers, three single-threaded processes, unpinned on all $(nproc) CPUs, sharing them with the balancer"
asym() { # target target -> the asymmetry line of a ratio between them
	echo "  - asymmetry: $(describe "$1"); against $(describe "$2"); SIPp unpinned on all $(nproc) CPUs beside them; socket buffers 4 MiB asked by every side (header)"
}
ratio_line() { # text a b -> a ratio line
	echo "- $1: **$(ratio "$2" "$3")**"
}
SUM=$OUT/summary.md
{
	echo "# sipslb vs Kamailio, SIPp on loopback: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo
	echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
	echo "- sipslb $("$SIPSLB_BIN" version 2>/dev/null | head -1) ($(go version 2>/dev/null | awk '{ print $3 }')), $(sipp -v 2>/dev/null | grep -o 'SIPp v[0-9.]*' | head -1), kamailio $(kamailio -v 2>/dev/null | head -1 | awk '{ print $3 }')"
	echo "- search: RATES=\"$RATES\", ${STEP_SECONDS}s of calls per step ($MIN_CALLS-$MAX_CALLS calls), BISECT=$BISECT, RETRY=$RETRY, NOISE_PCT=$NOISE_PCT, NOISE_RETRIES=$NOISE_RETRIES;" \
		"pass = 0 failed calls, 0 unexpected messages, retransmissions < 1 %, achieved >= 95 % of offered, balancer alive"
	echo "- $LOADER"
	echo "- $BUFS"
	echo
	echo "What each target runs with:"
	echo
	for t in $(printf '%s\n' $TARGETS $FIXED_TARGETS $LAT_TARGETS | awk '!seen[$0]++'); do
		echo "- \`$t\`: $(describe "$t")"
	done
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
	echo "## Balancer CPU-seconds per 10k calls at $FIXED_RATE calls/s ($FIXED_CALLS calls, $FIXED_REPEAT interleaved runs)"
	echo
	echo "| target | min | median | max | every run (s/10k) | failed calls (these runs) | LB CPU % of a core (median run) | SIPp CPU % | noisy runs left out |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for t in $FIXED_TARGETS; do
		read -r mn md mx _ < <(fixed_stats "$t" fixed LB_CPU_S_PER_10K)
		awk -F'\t' -v t="$t" -v mn="$mn" -v med="$md" -v mx="$mx" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
			$1 == "fixed" && $2 == t { n++; all = all (all == "" ? "" : ", ") $(c["LB_CPU_S_PER_10K"]); fail += $(c["CALLS"]) - $(c["OK"])
				if ($(c["LB_CPU_S_PER_10K"]) == med) { lbp = $(c["LB_CPU_PCT"]); sp = $(c["SIPP_CPU_PCT"]) } }
			$1 == "fixed-noisy" && $2 == t { noisy++ }
			END { printf "| %s | %s | %s | %s | %s | %d | %s | %s | %d |\n", t, mn, med, mx, all, fail, lbp, sp, noisy }' "$STEPS"
	done
	echo
	echo "## Time inside the balancer at $FIXED_RATE calls/s (µs; $FIXED_CALLS calls, $LAT_REPEAT run(s) each; min / median / max over the runs)"
	echo
	echo "Capture: tcpdump on lo, the kernel's time stamps at each send (the caller's or server's into the VIP, the balancer's out), every datagram matched by first word, Call-ID and CSeq (bench/capture.py): socket queues and wake-ups included. sipslb's histogram: from the recvmmsg that read the datagram's batch to the sendmmsg call, in-process, from the same runs (bucket upper bounds, 1 µs wide below 128 µs)."
	echo
	echo "| target | source | matched datagrams | p50 | p99 | p99.9 | max | tcpdump drops | LB CPU % of a core |"
	echo "|---|---|---|---|---|---|---|---|---|"
	for t in $LAT_TARGETS; do
		q() { set -- $(fixed_stats "$t" latency "$1"); [ "$4" = 1 ] && echo "$2" || echo "$1 / $2 / $3"; }
		echo "| $t | capture | $(q CAP_MATCHED) | $(q CAP_P50_US) | $(q CAP_P99_US) | $(q CAP_P999_US) | $(q CAP_MAX_US) | $(q CAP_DROPPED) | $(q LB_CPU_PCT) |"
		case $t in sipslb*) echo "| $t | in-process histogram | $(q LAT_COUNT) | $(q LAT_P50_US) | $(q LAT_P99_US) | $(q LAT_P999_US) | | | |" ;; esac
	done
	echo
	echo "## Ratios (same run)"
	echo
	for p in "sipslb@1:strict kamailio1@1:strict" "sipslb@1:strict kamailio1-qm@1:strict" "sipslb:strict kamailio1@1:strict" "sipslb:tolerant kamailio2:tolerant"; do
		set -- $p
		if in_list "$1" "$TARGETS" && in_list "$2" "$TARGETS"; then
			ratio_line "highest passing rate, $1 / $2" "$(max_of "$1")" "${LO[$2]}"
			asym "$1" "$2"
		fi
	done
	if in_list sipslb@1:strict "$TARGETS" && in_list direct:strict "$TARGETS"; then
		ratio_line "highest passing rate, sipslb@1:strict / direct:strict (the caller-to-server ceiling)" "$(max_of sipslb@1:strict)" "${LO[direct:strict]}"
		asym sipslb@1:strict direct:strict
	fi
	for p in "sipslb@1:strict kamailio1@1:strict" "sipslb@1:strict kamailio1-qm@1:strict" "sipslb:strict kamailio1@1:strict" "sipslb:strict kamailio2:tolerant"; do
		set -- $p
		if in_list "$1" "$FIXED_TARGETS" && in_list "$2" "$FIXED_TARGETS"; then
			ratio_line "CPU per 10k calls at $FIXED_RATE calls/s (medians), $1 / $2" "$(fixed_med "$1")" "$(fixed_med "$2")"
			asym "$1" "$2"
		fi
	done
	for t in $LAT_TARGETS; do
		case $t in sipslb*)
			p99=$(fixed_stats "$t" latency CAP_P99_US | awk '{ print $3 }') # the worst run
			echo "- p99 time inside the balancer, $t, capture, worst run: **${p99} µs**"
			;;
		esac
	done
	echo "- a \"≥\" rate passed every rung of RATES: a ratio with it is then a lower bound"
	echo
	echo "Every step: \`$STEPS\` (per-run directories hold result.env, the SIPp stat files, the balancer's log, and for the latency runs lo.pcap)."
} >"$SUM"
cat "$SUM"
