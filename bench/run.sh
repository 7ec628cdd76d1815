#!/usr/bin/env bash
# bench/run.sh: one bounded SIPp load run through one balancer.
#
#   UAC   sipp (built-in uac, or uac-tolerant.xml)  127.66.0.50:5060
#   VIP   the balancer under test                   127.66.0.1:5060
#   UAS   two sipp -sn uas                          127.66.0.11:5060, 127.66.0.12:5060
#
# usage: run.sh -b sipslb|kamailio|direct -r RATE -n CALLS -o DIR
#               [-s strict|tolerant] [-w CHILDREN] [-m tlsf|qm] [-p CPULIST] [-c]
#   -b  sipslb: bin/sipslb boot, configured with `sipslb cli -c` (two real
#               servers, one virtual server, record-route);
#       kamailio: kamailio.cfg, dispatcher algorithm 0 (Call-ID hash);
#       direct: the UAC straight to one UAS (what SIPp alone can do).
#   -s  strict (sipp -sn uac, default) | tolerant (uac-tolerant.xml and the
#       UAS with -pause_msg_ign; same messages on the wire)
#   -w  Kamailio UDP worker processes (default 1)
#   -m  Kamailio's memory manager for both its private and shared memory
#       (-x/-X): tlsf (default, its fast allocator) or qm (its default,
#       with debugging bookkeeping)
#   -c  capture the VIP's datagrams on lo (tcpdump, nanosecond timestamps)
#       during the load and measure each one's time inside the balancer
#       (capture.py: CAP_* keys); sipslb's own histogram gives LAT_* keys
#   -p  run the balancer under `taskset -c CPULIST`. sipslb opens one worker
#       socket per CPU it may run on, so -p 1 gives it one worker on CPU 1.
# env: SIPSLB_BIN (default: bin/sipslb of this checkout), SIPP_BUFF (socket
#      buffers of every SIPp, 4 MiB like sipslb and kamailio.cfg; capped by
#      net.core.rmem_max), GRACE_S (8: seconds the UAC may run
#      past CALLS/RATE), KAMAILIO_BIN, SIPP_BIN.
#
# Writes DIR/result.env (KEY=VALUE, see README.md) and prints one line.
# Every process it starts is stopped on exit, by PID, also on error or
# interrupt. Exit: 0 measured (pass or fail: see PASS), 2 usage, 3 could
# not set up (address busy, balancer did not start).
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

KIND="" RATE="" CALLS="" OUT="" SCEN=strict CHILDREN=1 CPUS="" MEM=tlsf CAPTURE=0
SIPSLB_BIN=${SIPSLB_BIN:-$ROOT/bin/sipslb}
KAMAILIO_BIN=${KAMAILIO_BIN:-kamailio}
SIPP_BIN=${SIPP_BIN:-sipp}
SIPP_BUFF=${SIPP_BUFF:-4194304}
GRACE_S=${GRACE_S:-8}

usage() { sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; }
while getopts "b:r:n:o:s:w:m:p:ch" o; do
	case $o in
	b) KIND=$OPTARG ;; r) RATE=$OPTARG ;; n) CALLS=$OPTARG ;; o) OUT=$OPTARG ;;
	s) SCEN=$OPTARG ;; w) CHILDREN=$OPTARG ;; p) CPUS=$OPTARG ;; m) MEM=$OPTARG ;; c) CAPTURE=1 ;;
	h) usage; exit 0 ;; *) usage >&2; exit 2 ;;
	esac
done
case $KIND in sipslb | kamailio | direct) ;; *) echo "run.sh: -b sipslb|kamailio|direct" >&2; exit 2 ;; esac
case $SCEN in strict | tolerant) ;; *) echo "run.sh: -s strict|tolerant" >&2; exit 2 ;; esac
case $MEM in tlsf | qm) ;; *) echo "run.sh: -m tlsf|qm" >&2; exit 2 ;; esac
[[ $RATE =~ ^[1-9][0-9]*$ && $CALLS =~ ^[1-9][0-9]*$ && $CHILDREN =~ ^[1-9][0-9]?$ && -n $OUT ]] || {
	usage >&2
	exit 2
}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd) || exit 3

VIP=127.66.0.1 UAS1=127.66.0.11 UAS2=127.66.0.12 UAC=127.66.0.50 PORT=5060
HZ=$(getconf CLK_TCK)
log() { echo "[run $(date +%T)] $*" >&2; }

# ---- processes we started, stopped in reverse order on any exit
PIDS=()
tree() { # pid -> the pid and all its descendants
	local c
	echo "$1"
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree "$c"; done
}
stop() { # pid: TERM its tree, KILL what is left after 3 s
	local all i
	all=$(tree "$1")
	kill -TERM $all 2>/dev/null
	for i in $(seq 30); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL $all 2>/dev/null
	wait "$1" 2>/dev/null
}
cleanup() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop "${PIDS[i]}"; done
	PIDS=()
}
trap cleanup EXIT
trap 'log interrupted; exit 130' INT TERM HUP

# ---- measurements
ticks() { # pid... -> utime+stime of those processes (all their threads), clock ticks
	local p s f sum=0
	for p in "$@"; do
		s=$(cat /proc/"$p"/stat 2>/dev/null) || continue
		read -r -a f <<<"${s##*) }"
		sum=$((sum + f[11] + f[12]))
	done
	echo $sum
}
all_ticks() { # every process: "pid ticks"
	cat /proc/[0-9]*/stat 2>/dev/null | awk '{ s = $0; sub(/^.*\) /, "", s); split(s, f, " "); print $1, f[12] + f[13] }'
}
busy_ticks() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
bound() { [ -n "$(ss -Hlun "src $1:$PORT" 2>/dev/null)" ]; }
sock_drops() { # ip -> kernel receive drops summed over the sockets bound to ip:PORT
	ss -Huamn "src $1:$PORT" 2>/dev/null | grep -o 'skmem:([^)]*)' | grep -o ',d[0-9]*' | tr -d ',d' |
		awk '{ s += $1 } END { print s + 0 }'
}
rcvbuf_errors() { # the netns's UDP receive-buffer overflows (all sockets)
	awk '/^Udp:/ { n++; if (n == 1) for (i = 1; i <= NF; i++) { if ($i == "RcvbufErrors") c = i } else { print $c; exit } }' /proc/net/snmp
}
col() { # stat.csv column -> its value on the last line
	[ -s "$1" ] || { echo 0; return; }
	awk -F';' -v want="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == want) c = i; next }
		{ last = $0 } END { split(last, a, ";"); v = a[c] + 0; print (c ? v : 0) }' "$1"
}

# ---- preflight
tools=("$SIPP_BIN" ss taskset timeout)
[ $CAPTURE = 1 ] && tools+=(tcpdump python3)
for t in "${tools[@]}"; do
	command -v "$t" >/dev/null || { log "$t not found (bench/deps.sh installs it)"; exit 3; }
done
ips=("$UAS1" "$UAC")
[ "$KIND" != direct ] && ips+=("$VIP" "$UAS2")
for ip in "${ips[@]}"; do
	if bound "$ip"; then log "udp $ip:$PORT is in use by something else; not touching it"; exit 3; fi
done

# ---- servers
UAS_EXTRA=()
[ "$SCEN" = tolerant ] && UAS_EXTRA=(-pause_msg_ign)
start_uas() { # name ip
	mkdir -p "$OUT/$1"
	(cd "$OUT/$1" && exec "$SIPP_BIN" -sn uas -aa -i "$2" -p $PORT -mi "$2" -ci "$2" -nostdin \
		-buff_size "$SIPP_BUFF" -trace_stat -stf stat.csv -fd 1 -trace_err -error_file errors.log "${UAS_EXTRA[@]}" \
		>/dev/null 2>stderr.log </dev/null) &
	PIDS+=($!)
	eval "$1_PID=$!"
}
start_uas uas1 "$UAS1"
uas2_PID=""
[ "$KIND" != direct ] && start_uas uas2 "$UAS2"
for i in $(seq 100); do
	bound "$UAS1" && { [ "$KIND" = direct ] || bound "$UAS2"; } && break
	sleep 0.1
done

# ---- balancer
LB_PID="" LB_DESC=""
PIN=()
[ -n "$CPUS" ] && PIN=(taskset -c "$CPUS")
mkdir -p "$OUT/lb"
case $KIND in
sipslb)
	[ -x "$SIPSLB_BIN" ] || { log "no sipslb binary at $SIPSLB_BIN (make build)"; exit 3; }
	LB_DESC="${PIN[*]} $SIPSLB_BIN boot"
	(cd "$OUT/lb" && exec "${PIN[@]}" "$SIPSLB_BIN" boot --state-dir "$OUT/lb" >lb.log 2>&1 </dev/null) &
	LB_PID=$!
	PIDS+=($LB_PID)
	for i in $(seq 100); do [ -S "$OUT/lb/sipslb.sock" ] && break; sleep 0.1; done
	# The same two servers; the servers' health is checked with OPTIONS
	# (default 5 s), record-route as Kamailio's record_route().
	timeout 20 "$SIPSLB_BIN" cli --state-dir "$OUT/lb" -c 'configure terminal' \
		-c "server real uas1 $UAS1" -c 'port sip' -c exit \
		-c "server real uas2 $UAS2" -c 'port sip' -c exit \
		-c "server virtual bench $VIP" -c 'port sip' -c 'port sip record-route' \
		-c 'bind sip uas1 sip uas2 sip' -c end -c 'show running-config' >"$OUT/lb/config.txt" 2>&1 ||
		{ log "sipslb cli failed: $(cat "$OUT/lb/config.txt")"; exit 3; }
	;;
kamailio)
	command -v "$KAMAILIO_BIN" >/dev/null || { log "kamailio not found (bench/deps.sh installs it)"; exit 3; }
	printf '1 sip:%s:%s 0 0\n1 sip:%s:%s 0 0\n' "$UAS1" $PORT "$UAS2" $PORT >"$OUT/lb/dispatcher.list"
	LB_ARGS=(-x "$MEM" -X "$MEM" -f "$HERE/kamailio.cfg" -DD -E -Y "$OUT/lb" -P "$OUT/lb/kamailio.pid" -w "$OUT/lb" -m 128 -M 16
		-A "LISTEN=udp:$VIP:$PORT" -A "DSLIST=\"$OUT/lb/dispatcher.list\"" -A "CTLSOCK=\"unix:$OUT/lb/ctl.sock\""
		-A "CHILDREN=$CHILDREN")
	LB_DESC="${PIN[*]} $KAMAILIO_BIN ${LB_ARGS[*]}"
	(cd "$OUT/lb" && exec "${PIN[@]}" "$KAMAILIO_BIN" "${LB_ARGS[@]}" >lb.log 2>&1 </dev/null) &
	LB_PID=$!
	PIDS+=($LB_PID)
	;;
esac
if [ -n "$LB_PID" ]; then
	for i in $(seq 100); do bound "$VIP" && break; kill -0 "$LB_PID" 2>/dev/null || break; sleep 0.1; done
	bound "$VIP" || { log "balancer did not bind $VIP:$PORT; see $OUT/lb/lb.log"; exit 3; }
	sleep 1 # first health probes, worker start
	kill -0 "$LB_PID" 2>/dev/null || { log "balancer died; see $OUT/lb/lb.log"; exit 3; }
fi

# ---- the load
DEST=$VIP
[ "$KIND" = direct ] && DEST=$UAS1
if [ "$SCEN" = tolerant ]; then UAC_SCEN=(-sf "$HERE/uac-tolerant.xml"); else UAC_SCEN=(-sn uac); fi
LIMIT=$(((CALLS + RATE - 1) / RATE + GRACE_S))
UAC_ARGS=("${UAC_SCEN[@]}" "$DEST:$PORT" -i "$UAC" -p $PORT -mi "$UAC" -ci "$UAC" -nostdin
	-r "$RATE" -m "$CALLS" -d 0 -timeout "${LIMIT}s" -buff_size "$SIPP_BUFF"
	-trace_stat -stf stat.csv -fd 200ms -trace_err -error_file errors.log)
mkdir -p "$OUT/uac"

lb_pids=""
[ -n "$LB_PID" ] && lb_pids=$(tree "$LB_PID" | tr '\n' ' ')
lb0=$(ticks $lb_pids)
u10=$(ticks "$uas1_PID")
u20=0
[ -n "$uas2_PID" ] && u20=$(ticks "$uas2_PID")
all_ticks >"$OUT/procs-before.txt"
busy0=$(busy_ticks)
drops0=$(sock_drops "$VIP")
sipp_drops0=$(($(sock_drops "$UAS1") + $(sock_drops "$UAS2")))
rcvbuf0=$(rcvbuf_errors)
CAP_PID=""
if [ $CAPTURE = 1 ] && [ "$KIND" != direct ]; then
	# lo offers only host time stamps (tcpdump -J -i lo): the kernel's
	# clock when the sender hands the datagram to lo. 64 MiB of buffer, so
	# that tcpdump, which shares the CPUs, loses nothing at these rates.
	tcpdump -i lo -nn -q -B 65536 --time-stamp-precision=nano -w "$OUT/lo.pcap" \
		"udp and host $VIP and port $PORT" >/dev/null 2>"$OUT/tcpdump.log" </dev/null &
	CAP_PID=$!
	PIDS+=($CAP_PID)
	for i in $(seq 50); do grep -q listening "$OUT/tcpdump.log" 2>/dev/null && break; sleep 0.1; done
fi
t0=$(date +%s.%N)
# The wrapper shell reports the UAC's CPU: its children's utime+stime
# (cutime+cstime) once timeout and sipp are reaped. timeout is the second,
# hard bound on the UAC.
(cd "$OUT/uac" && exec bash -c 'timeout -k 2 "$1" "${@:2}" >/dev/null 2>stderr.log </dev/null; rc=$?
	read -r -a f <<<"$(sed "s/^.*) //" /proc/$$/stat)"; echo $((f[13] + f[14])) >uac.ticks; exit $rc' \
	_ $((LIMIT + 5)) "$SIPP_BIN" "${UAC_ARGS[@]}") &
UAC_PID=$!
PIDS+=($UAC_PID)
wait $UAC_PID
UAC_RC=$?
t1=$(date +%s.%N)
lb1=$(ticks $lb_pids)
u11=$(ticks "$uas1_PID")
u21=0
[ -n "$uas2_PID" ] && u21=$(ticks "$uas2_PID")
busy1=$(busy_ticks)
all_ticks >"$OUT/procs-after.txt"
drops1=$(sock_drops "$VIP")
sipp_drops1=$(($(sock_drops "$UAS1") + $(sock_drops "$UAS2")))
rcvbuf1=$(rcvbuf_errors)
LB_ALIVE=1
[ -n "$LB_PID" ] && ! kill -0 "$LB_PID" 2>/dev/null && LB_ALIVE=0
if [ "$KIND" = sipslb ] && [ $LB_ALIVE = 1 ]; then
	timeout 10 "$SIPSLB_BIN" cli --state-dir "$OUT/lb" -c 'show sip statistics' -c 'show server real' \
		>"$OUT/lb/show.txt" 2>&1
fi
sleep 1.2 # the UAS dump their counters every second
if [ -n "$CAP_PID" ]; then
	# libpcap hands over a ring block when it fills or after its 1 s
	# timeout; stopping sooner loses the last block's datagrams
	sleep 0.5
	stop "$CAP_PID"
fi
UAC_TICKS=$(cat "$OUT/uac/uac.ticks" 2>/dev/null || echo 0)
cleanup

# ---- results
S=$OUT/uac/stat.csv
OK=$(col "$S" 'SuccessfulCall(C)')
UNEXP=$(col "$S" 'FailedUnexpectedMessage(C)')
MAXRETR=$(col "$S" 'FailedMaxUDPRetrans(C)')
RETRANS=$(($(col "$S" 'Retransmissions(C)') + $(col "$OUT/uas1/stat.csv" 'Retransmissions(C)') + $(col "$OUT/uas2/stat.csv" 'Retransmissions(C)')))
# calls each server took: incoming calls minus the health-check OPTIONS
# that -aa answered (each of those counts as a call in SIPp)
UAS1_CALLS=$(($(col "$OUT/uas1/stat.csv" 'IncomingCall(C)') - $(col "$OUT/uas1/stat.csv" 'AutoAnswered(C)')))
UAS2_CALLS=$(($(col "$OUT/uas2/stat.csv" 'IncomingCall(C)') - $(col "$OUT/uas2/stat.csv" 'AutoAnswered(C)')))
# offered = calls created / creation window, achieved = successful calls /
# time to the last success; both from the UAC's 200 ms dumps, interpolated
# inside the dump interval where the last call was created / succeeded.
read -r OFFERED ACHIEVED < <(awk -F';' '
	NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "StartTime") cs = i; if ($i == "CurrentTime") ct = i
		if ($i == "OutgoingCall(C)") co = i; if ($i == "SuccessfulCall(C)") cu = i }; next }
	{ n++; split($cs, a, "\t"); t0 = a[3]; split($ct, b, "\t"); T[n] = b[3]; O[n] = $co; S[n] = $cu }
	function at(v, x,   i, pt, pv) { pt = t0; pv = 0
		for (i = 1; i <= n; i++) { if (v[i] + 0 >= x) return pt + (x - pv) / (v[i] - pv) * (T[i] - pt); pt = T[i]; pv = v[i] }
		return T[n] }
	END { if (!n) { print 0, 0; exit }
		o = O[n] + 0; s = S[n] + 0; wo = o ? at(O, o) - t0 : 0; ws = s ? at(S, s) - t0 : 0
		printf "%.0f %.0f\n", (wo > 0 ? o / wo : 0), (ws > 0 ? s / ws : 0) }' "$S" 2>/dev/null || echo 0 0)
OTHER_TICKS=$(awk -v ex=" $lb_pids $uas1_PID $uas2_PID $UAC_PID $CAP_PID $$ " '
	FNR == NR { b[$1] = $2; next }
	index(ex, " " $1 " ") == 0 && ($1 in b) && $2 > b[$1] { s += $2 - b[$1] } END { print s + 0 }' \
	"$OUT/procs-before.txt" "$OUT/procs-after.txt")

awk -v calls="$CALLS" -v rate="$RATE" -v ok="$OK" -v unexp="$UNEXP" -v retr="$RETRANS" -v ach="$ACHIEVED" \
	-v alive="$LB_ALIVE" -v hz="$HZ" -v w="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')" \
	-v lb=$((lb1 - lb0)) -v uac="$UAC_TICKS" -v u1=$((u11 - u10)) -v u2=$((u21 - u20)) \
	-v busy=$((busy1 - busy0)) -v oth="$OTHER_TICKS" -v direct="$([ "$KIND" = direct ] && echo 1 || echo 0)" '
BEGIN {
	if (w <= 0) w = 1e-9
	rp = 100 * retr / calls
	pass = (ok == calls && unexp == 0 && rp < 1 && ach >= 0.95 * rate && alive) ? 1 : 0
	lbs = lb / hz; sipp = (uac + u1 + u2) / hz
	# other load: the larger of what the processes we did not start used
	# (misses processes that came and went) and /proc/stat busy minus ours
	o1 = oth / hz; o2 = busy / hz - lbs - sipp; if (o2 > o1) o1 = o2; if (o1 < 0) o1 = 0
	printf "RETRANS_PCT=%.2f\nPASS=%d\nWALL_S=%.2f\n", rp, pass, w
	printf "LB_CPU_S=%.2f\nLB_CPU_S_PER_10K=%.3f\nLB_CPU_PCT=%.0f\n", lbs, (ok ? lbs * 10000 / ok : 0), 100 * lbs / w
	printf "UAC_CPU_PCT=%.0f\nUAS1_CPU_PCT=%.0f\nUAS2_CPU_PCT=%.0f\nSIPP_CPU_PCT=%.0f\n", 100 * uac / hz / w, 100 * u1 / hz / w, 100 * u2 / hz / w, 100 * sipp / w
	printf "OTHER_CPU_S=%.2f\nOTHER_CPU_PCT=%.0f\n", o1, 100 * o1 / w
}' >"$OUT/metrics.env"

{
	echo "KIND=$KIND"
	echo "SCENARIO=$SCEN"
	echo "CHILDREN=$CHILDREN"
	echo "KAMAILIO_MEM=$([ "$KIND" = kamailio ] && echo "$MEM")"
	echo "CPUS=$CPUS"
	echo "RATE=$RATE"
	echo "CALLS=$CALLS"
	echo "UAC_RC=$UAC_RC"
	echo "OK=$OK"
	echo "FAILED=$((CALLS - OK))"
	echo "FAILED_UNEXPECTED=$UNEXP"
	echo "FAILED_MAX_RETRANS=$MAXRETR"
	echo "RETRANS=$RETRANS"
	echo "OFFERED_CPS=$OFFERED"
	echo "ACHIEVED_CPS=$ACHIEVED"
	echo "UAS1_CALLS=$UAS1_CALLS"
	echo "UAS2_CALLS=$UAS2_CALLS"
	echo "LB_SOCK_DROPS=$((drops1 - drops0))"
	echo "SIPP_SOCK_DROPS=$((sipp_drops1 - sipp_drops0))"
	echo "UDP_RCVBUF_ERRORS=$((rcvbuf1 - rcvbuf0))"
	echo "LB_ALIVE=$LB_ALIVE"
	cat "$OUT/metrics.env"
	if [ -n "$CAP_PID" ]; then
		python3 "$HERE/capture.py" "$OUT/lo.pcap" "$VIP" "$PORT" 2>"$OUT/capture.err"
		echo "CAP_DROPPED=$(grep -o '^[0-9]* packets dropped by kernel' "$OUT/tcpdump.log" | awk '{ print $1 }')"
	fi
	# sipslb's own histogram (show sip statistics), same run
	sed -n 's/^  Latency inside the balancer: \([0-9]*\) datagrams, p50 \([0-9]*\)us p99 \([0-9]*\)us p99.9 \([0-9]*\)us$/LAT_COUNT=\1\nLAT_P50_US=\2\nLAT_P99_US=\3\nLAT_P999_US=\4/p' \
		"$OUT/lb/show.txt" 2>/dev/null | head -4
	printf 'LB_CMD=%q\n' "$LB_DESC"
	printf 'UAC_CMD=%q\n' "$SIPP_BIN ${UAC_ARGS[*]}"
} >"$OUT/result.env"
rm -f "$OUT/metrics.env"

. "$OUT/result.env"
[ -n "${CAP_P99_US:-}" ] && echo "capture: $CAP_MATCHED matched of $CAP_IN in, p50 ${CAP_P50_US}us p99 ${CAP_P99_US}us p99.9 ${CAP_P999_US}us max ${CAP_MAX_US}us (tcpdump dropped ${CAP_DROPPED:-?})"
[ -n "${LAT_P99_US:-}" ] && echo "sipslb histogram: $LAT_COUNT datagrams, p50 ${LAT_P50_US}us p99 ${LAT_P99_US}us p99.9 ${LAT_P999_US}us"
printf '%-8s %-8s w=%s%s cpus=%-3s rate=%-6s ok=%s/%s unexp=%s retrans=%s%% achieved=%s drops=%s lb=%ss (%s s/10k, %s%%) sipp=%s%% (uac %s%%) other=%s%% pass=%s\n' \
	"$KIND" "$SCEN" "$CHILDREN" "${KAMAILIO_MEM:+/$KAMAILIO_MEM}" "${CPUS:--}" "$RATE" "$OK" "$CALLS" "$FAILED_UNEXPECTED" "$RETRANS_PCT" "$ACHIEVED_CPS" \
	"$LB_SOCK_DROPS" "$LB_CPU_S" "$LB_CPU_S_PER_10K" "$LB_CPU_PCT" "$SIPP_CPU_PCT" "$UAC_CPU_PCT" "$OTHER_CPU_PCT" "$PASS"
exit 0
