#!/usr/bin/env bash
# bench/bench.sh: what `make bench` runs (after make build).
#   1. bench/deps.sh: sip-tester, kamailio, tcpdump, python3 from apt when missing;
#   2. the Go benchmarks of the hot-path packages (BENCH_PKGS), -benchmem;
#   3. bench/compare.sh: sipslb against Kamailio under SIPp.
# Everything lands in OUT (default /tmp/sipslb-bench/<date>): go-bench.txt,
# summary.md and one directory per SIPp run.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$HERE/.."
GO=${GO:-go}
BENCH_PKGS=${BENCH_PKGS:-./slb/sip ./slb/hash ./slb/dialog ./slb/dataplane/...}
export OUT=${OUT:-/tmp/sipslb-bench/$(date +%Y%m%d-%H%M%S)}
export SIPSLB_BIN=${SIPSLB_BIN:-$PWD/bin/sipslb}
mkdir -p "$OUT"

"$HERE/deps.sh"
echo "== Go benchmarks ($BENCH_PKGS) -> $OUT/go-bench.txt"
# shellcheck disable=SC2086
$GO test -run '^$' -bench . -benchmem $BENCH_PKGS 2>&1 | tee "$OUT/go-bench.txt"
echo "== SIPp comparison, sipslb ($SIPSLB_BIN) against Kamailio -> $OUT"
"$HERE/compare.sh"
echo "== done: $OUT/go-bench.txt, $OUT/summary.md"
