#!/bin/bash
# Benchmark ours against stock Linux: boot the two kernels alternately,
# BENCH_N times each, with the same scenarios, collect the measurements
# and write bench/RESULTS.md (medians, ratios ours/stock, raw values).
#
#   bench/run.sh                    boot, collect, summarise
#   bench/run.sh --summarise DIR    summarise an earlier run's DIR again
#
# Environment:
#   BENCH_N=3                 boots per kernel
#   BENCH_SCENARIOS=bench     scenarios each boot runs, e.g. "bench disks16
#                             stall"; besides the bench lines, a scenario's
#                             files/<name>-timing.txt ("key value" lines) and
#                             its wall time are collected
#   BENCH_STOCK, BENCH_OURS   the kernels (default: the lab's two builds)
#   BENCH_RESULTS=bench/RESULTS.md
#   BENCH_QUIET_LOAD=0.3      CPUs of other load below which the host counts
#                             as quiet: each boot first waits for a quiet
#                             host (at most BENCH_QUIET_WAIT=600 s), and the
#                             summary has a second table over quiet boots
#
# Each boot goes through tools/lab/boot.sh, which serialises with every
# other boot on the machine (expect to wait).  A boot whose scenarios did
# not run correctly is listed as failed and its numbers are not used.
# While each boot runs, the CPU time that processes other than its QEMU
# take on the host is sampled: timings under TCG depend on it.
#
# The run's own records go to $LAB_CACHE/bench/<time>/: runs.tsv (one
# line per boot), metrics.tsv (one line per number) and each boot's output.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=../tools/lab/lib.sh
. "$repo/tools/lab/lib.sh"

say() { echo "bench: $*"; }
die() { echo "bench: error: $*" >&2; exit 1; }

n=${BENCH_N:-3}
scenarios=${BENCH_SCENARIOS:-bench}
stock=${BENCH_STOCK:-$LAB_CACHE/out-stock/arch/x86/boot/bzImage}
ours=${BENCH_OURS:-$LAB_CACHE/out-ours/arch/x86/boot/bzImage}
results=${BENCH_RESULTS:-$here/RESULTS.md}
quiet_load=${BENCH_QUIET_LOAD:-0.3}
quiet_wait=${BENCH_QUIET_WAIT:-600}

# kernel_id KERNEL: a short content hash and the build time.
kernel_id() {
	echo "sha256:$(sha256sum < "$1" | cut -c1-12) built $(date -u -r "$1" +%Y-%m-%dT%H:%MZ)"
}

# ours_source: what the ours build was made from, as far as we can tell:
# the repo's git describe, and whether the grafted tree's xenbus sources
# (what build.sh compiled last) match the repo's working tree.
ours_source() {
	local g=$LAB_CACHE/src/grafted/drivers/xen/xenbus f diff=""
	local desc
	desc=$(git -C "$repo" describe --always --dirty --tags 2>/dev/null || echo unknown)
	if [ ! -d "$g" ]; then
		echo "repo $desc (no grafted tree to compare)"
		return
	fi
	for f in $(cd "$g" && find . -name '*.[ch]' | sed 's#^\./##' | sort); do
		cmp -s "$g/$f" "$repo/$f" || diff="$diff $f"
	done
	if [ -z "$diff" ]; then
		echo "repo $desc; the grafted sources match the working tree"
	else
		echo "repo $desc; the grafted sources differ from the working tree in:$diff"
	fi
}

# qemu_of PID: the qemu-system process below PID, if any.
qemu_of() {
	ps -eo pid=,ppid=,comm= | awk -v root="$1" '
		{ parent[$1] = $2; comm[$1] = $3 }
		END {
			for (p in comm) {
				if (comm[p] !~ /^qemu-system/)
					continue
				for (a = parent[p]; a > 1; a = parent[a])
					if (a == root) { print p; exit }
			}
		}'
}

# host_busy: clock ticks the host's CPUs spent busy (user, nice, system,
# irq, softirq; not idle, iowait or steal), all CPUs together.
host_busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8; exit }' /proc/stat; }

# sample_load PID OUT: every 2 s while PID lives, how many CPUs processes
# other than PID's QEMU kept busy (one number per line).
sample_load() {
	local pid=$1 out=$2 q b qt t pb=0 pq=0 pt=0 hz
	hz=$(getconf CLK_TCK)
	: > "$out"
	while kill -0 "$pid" 2>/dev/null; do
		q=$(qemu_of "$pid")
		if [ -n "$q" ] && [ -r "/proc/$q/stat" ]; then
			t=$(date +%s%N)
			b=$(host_busy)
			# utime and stime: fields 14 and 15, after the "(comm)".
			qt=$(sed 's/^.*) //' "/proc/$q/stat" | awk '{ print $12 + $13 }')
			if [ "$pb" != 0 ]; then
				awk -v b=$((b - pb)) -v q=$((qt - pq)) -v hz="$hz" \
				    -v ns=$((t - pt)) 'BEGIN {
					o = (b - q) / hz / (ns / 1e9)
					printf "%.2f\n", o < 0 ? 0 : o }' >> "$out"
			fi
			pb=$b pq=$qt pt=$t
		else
			pb=0
		fi
		sleep 2
	done
}

# wait_quiet: before a boot, wait (at most $quiet_wait s) until the host's
# CPUs are nearly idle for 5 s: another boot or a kernel build next to
# ours slows TCG down several times over.  boot.sh's lock then serialises
# with other boots anyway.
wait_quiet() {
	local t0 b0 b1 hz busy waited=0
	hz=$(getconf CLK_TCK)
	t0=$(date +%s)
	while :; do
		b0=$(host_busy)
		sleep 5
		b1=$(host_busy)
		busy=$(awk -v d=$((b1 - b0)) -v hz="$hz" 'BEGIN { printf "%.2f", d / hz / 5 }')
		waited=$(( $(date +%s) - t0 ))
		if awk -v b="$busy" -v lim="$quiet_load" 'BEGIN { exit !(b < lim) }'; then
			[ "$waited" -gt 5 ] && say "the host is quiet ($busy CPUs busy) after ${waited}s"
			return 0
		fi
		if [ "$waited" -ge "$quiet_wait" ]; then
			say "the host is still busy ($busy CPUs) after ${waited}s: booting anyway"
			return 0
		fi
		[ $((waited % 60)) -lt 6 ] && say "waiting for a quiet host ($busy CPUs busy)"
	done
}

# check_run LOGDIR VARIANT: "ok", or "failed: why".
check_run() {
	local d=$1 v=$2 r=$1/results.txt s
	[ -f "$r" ] || { echo "failed: no results.txt"; return; }
	grep -q "^PASS $v/boot/end-marker" "$r" || { echo "failed: no end marker"; return; }
	for s in $scenarios; do
		if grep -q "^FAIL $v/$s/finished" "$r"; then
			echo "failed: $s did not finish"
			return
		fi
	done
	case " $scenarios " in
	*" bench "*)
		# The bench scenario's own checks: all of them must pass.
		if grep -q "^FAIL $v/bench/" "$r"; then
			echo "failed: $(grep -m1 "^FAIL $v/bench/" "$r" | cut -c1-160 | tr '|\t' '/ ')"
			return
		fi
		grep -q "^PASS $v/bench/dom0/run" "$r" || { echo "failed: no bench/dom0/run"; return; }
		;;
	esac
	echo ok
}

# collect ROUND VARIANT LOGDIR: the boot's numbers as metrics.tsv lines
# (round, variant, metric, value, unit).
collect() {
	local round=$1 v=$2 d=$3 f role s
	for f in "$d"/files/bench-*.txt; do
		[ -f "$f" ] || continue
		role=${f##*/bench-}
		role=${role%.txt}
		awk -v r="$round" -v v="$v" -v role="$role" '
			$1 == "bench" && NF == 4 && $3 ~ /^[0-9.]+$/ {
				printf "%s\t%s\t%s/%s\t%s\t%s\n", r, v, role, $2, $3, $4
			}' "$f"
	done
	for s in $scenarios; do
		[ "$s" = bench ] && continue
		awk -v r="$round" -v v="$v" -v s="$s" -F'\t' '
			$1 == s { sub(/s$/, "", $2); printf "%s\t%s\t%s/scenario\t%s\ts\n", r, v, s, $2 }' \
			"$d/timing.txt" 2>/dev/null || true
		for f in "$d/files/$s-timing.txt" "$d/$s-timing.txt"; do
			[ -f "$f" ] || continue
			awk -v r="$round" -v v="$v" -v s="$s" '
				NF >= 2 && $2 ~ /^[0-9]+(\.[0-9]+)?$/ {
					u = NF >= 3 ? $3 : ($1 ~ /_ms$/ ? "ms" : ($1 ~ /_s$/ ? "s" : "value"))
					printf "%s\t%s\t%s/%s\t%s\t%s\n", r, v, s, $1, $2, u
				}' "$f"
			break
		done
	done
}

# boot_one ROUND VARIANT KERNEL WORKDIR: one boot; appends to runs.tsv
# and metrics.tsv.
boot_one() {
	local round=$1 v=$2 k=$3 w=$4 out logdir status kid load pid
	out=$w/boot-$round-$v.log
	wait_quiet
	kid=$(kernel_id "$k")
	say "round $round/$n: $v ($kid), scenarios: $scenarios"
	# shellcheck disable=SC2086
	LAB_VARIANT=$v "$repo/tools/lab/boot.sh" "$k" $scenarios > "$out" 2>&1 &
	pid=$!
	sample_load "$pid" "$w/load-$round-$v.txt" &
	wait "$pid" || true
	wait
	logdir=$(sed -n 's#^lab: boot\[.*\]: log: \(.*\)/console.log$#\1#p' "$out" | tail -1)
	if [ -z "$logdir" ] || [ ! -d "$logdir" ]; then
		status="failed: boot.sh gave no log directory (see $out)"
		logdir=-
	else
		status=$(check_run "$logdir" "$v")
	fi
	load=$(awk '{ s += $1; if ($1 > m) m = $1; k++ }
		END { if (k) printf "%.2f\t%.2f", s / k, m; else printf "-\t-" }' \
		"$w/load-$round-$v.txt")
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$v" "$status" "$logdir" "$kid" "$load" >> "$w/runs.tsv"
	if [ "$status" = ok ]; then
		collect "$round" "$v" "$logdir" >> "$w/metrics.tsv"
		say "round $round/$n: $v ok, $(grep -c "^$round	$v	" "$w/metrics.tsv") numbers, other load ${load%%	*} CPUs ($logdir)"
	else
		say "ERROR: round $round/$n: $v boot $status"
	fi
}

# median: of the numbers on stdin, one per line; "-" for none.
median() {
	awk 'NF' | sort -g | awk '{ a[++k] = $1 }
		END { if (!k) print "-"; else if (k % 2) print a[(k + 1) / 2];
		      else print (a[k / 2] + a[k / 2 + 1]) / 2 }'
}

# results_table METRICS: the markdown table of medians and ratios.
results_table() {
	local m u vals_s vals_o med_s med_o
	echo "| metric | unit | better | stock median | ours median | ours/stock | verdict | stock raw | ours raw |"
	echo "|---|---|---|---|---|---|---|---|---|"
	awk -F'\t' '!seen[$3]++ { print $3 "\t" $5 }' "$1" |
	while IFS=$'\t' read -r m u; do
		vals_s=$(awk -F'\t' -v m="$m" '$2 == "stock" && $3 == m { print $4 }' "$1")
		vals_o=$(awk -F'\t' -v m="$m" '$2 == "ours" && $3 == m { print $4 }' "$1")
		med_s=$(echo "$vals_s" | median)
		med_o=$(echo "$vals_o" | median)
		awk -v m="$m" -v u="$u" -v s="$med_s" -v o="$med_o" \
		    -v rs="$(echo "$vals_s" | tr '\n' ' ')" \
		    -v ro="$(echo "$vals_o" | tr '\n' ' ')" 'BEGIN {
			if (u ~ /\/s$/) better = "higher"
			else if (u == "ms" || u == "s") better = "lower"
			else better = "(count)"
			ratio = "-"; verdict = "-"
			if (s != "-" && o != "-" && s + 0 > 0) {
				r = o / s
				ratio = sprintf("%.2f", r)
				if (better == "higher" && o > 0)
					f = r
				else if (better == "lower" && o > 0)
					f = 1 / r
				else
					f = 0
				# Ranges of the raw values: do they overlap?
				ns = split(rs, a, " "); no = split(ro, b, " ")
				smin = smax = a[1]; omin = omax = b[1]
				for (i = 2; i <= ns; i++) {
					if (a[i] < smin) smin = a[i]
					if (a[i] > smax) smax = a[i]
				}
				for (i = 2; i <= no; i++) {
					if (b[i] < omin) omin = b[i]
					if (b[i] > omax) omax = b[i]
				}
				apart = omin + 0 > smax + 0 || omax + 0 < smin + 0
				if (f >= 1.05)
					verdict = sprintf("ours %.2fx faster", f)
				else if (f > 0 && f <= 1 / 1.05)
					verdict = sprintf("ours %.2fx slower", 1 / f)
				else if (f > 0)
					verdict = "same"
				if (f > 0 && verdict != "same" && !apart)
					verdict = verdict " (ranges overlap)"
			}
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
				m, u, better, s, o, ratio, verdict, rs, ro
		}'
	done
}

# summarise WORKDIR: write $results.
summarise() {
	local w=$1 nq
	local bench_date="" bench_n="" bench_scenarios="" bench_host=""
	local bench_stock_id="" bench_ours_src=""
	[ -f "$w/runs.tsv" ] || die "no $w/runs.tsv"
	# shellcheck disable=SC1091
	. "$w/meta.sh"
	{
		echo "# Benchmarks: ours against stock Linux 6.12"
		echo
		echo "Written by \`bench/run.sh\` on $bench_date from its own run (records in"
		echo "\`$w\`).  Do not edit by hand: run it again."
		echo
		echo "- Boots per kernel: $bench_n, alternating stock and ours; scenarios: \`$bench_scenarios\`."
		echo "- Machine: $bench_host; QEMU TCG, Xen 4.17, PV dom0 (2 vCPUs) and one PV guest (1 vCPU)."
		echo "- stock: Linux's own xenbus of linux-source-6.12 (6.12.117), $bench_stock_id."
		echo "- ours: the build current when each boot started (the lead may rebuild"
		echo "  during a run): $bench_ours_src."
		echo "  ours builds used:$(awk -F'\t' '$2 == "ours" {
			split($5, a, " "); r[a[1]] = r[a[1]] (r[a[1]] ? "," : "") $1
			if (!(a[1] in seen)) { seen[a[1]] = 1; o[++k] = a[1]; when[a[1]] = a[3] }
		} END {
			for (i = 1; i <= k; i++)
				printf "%s %s (built %s, rounds %s)", (i > 1 ? ";" : ""), o[i], when[o[i]], r[o[i]]
		}' "$w/runs.tsv")."
		echo "- Each value is the median over the boots that ran correctly; a failed boot's"
		echo "  numbers are never used.  Raw values are in boot order."
		echo
		echo "## How to read the ratios"
		echo
		echo "ratio = median(ours) / median(stock).  \"better\" says which way is good:"
		echo "for throughput (ops/s, events/s, cycles/s) higher is better, so a ratio"
		echo "above 1 means ours is faster; for times (ms, s) lower is better, so a"
		echo "ratio below 1 means ours is faster.  Counts (events, nodes, commits) are"
		echo "what happened, not speed; watch-events and watch-time count only the"
		echo "events that arrived, so read them together with watch-received (a"
		echo "kernel that loses events finishes sooner).  \"verdict\" is the ratio"
		echo "turned into a speed factor; \"(ranges overlap)\" means some boot of the"
		echo "slower kernel beat some boot of the faster one: TCG timings on a shared"
		echo "2-core machine are noisy, and such a difference is weak evidence."
		echo
		echo "## Results"
		echo
		results_table "$w/metrics.tsv"
		# The same over the boots that had the host to themselves.
		awk -F'\t' -v lim="$quiet_load" 'NR == FNR {
				if ($3 == "ok" && $6 != "-" && $6 + 0 < lim) q[$1 "\t" $2] = 1
				next
			}
			q[$1 "\t" $2]' "$w/runs.tsv" "$w/metrics.tsv" > "$w/metrics-quiet.tsv"
		nq=$(awk -F'\t' -v lim="$quiet_load" '$3 == "ok" && $6 != "-" && $6 + 0 < lim' "$w/runs.tsv" | wc -l)
		echo
		echo "### Quiet boots only"
		echo
		echo "The $nq boots during which other host processes kept less than $quiet_load CPUs"
		echo "busy on average (see \"Boots\" below).  When this table and the one above"
		echo "disagree, the difference came from the machine, not from the kernels."
		echo
		if [ -s "$w/metrics-quiet.tsv" ]; then
			results_table "$w/metrics-quiet.tsv"
		else
			echo "(none)"
		fi
		echo
		echo "## Boots"
		echo
		echo "\"other load\": CPUs that host processes other than this boot's QEMU kept"
		echo "busy, mean and maximum over 2-second samples.  Above about $quiet_load the"
		echo "boot competed for the two cores and its timings are slower than they"
		echo "should be."
		echo
		echo "| round | kernel | status | other load (mean/max CPUs) | kernel build | log directory |"
		echo "|---|---|---|---|---|---|"
		awk -F'\t' '{ printf "| %s | %s | %s | %s / %s | %s | `%s` |\n", $1, $2, $3, $6, $7, $5, $4 }' "$w/runs.tsv"
		nfail=$(awk -F'\t' '$3 != "ok"' "$w/runs.tsv" | wc -l)
		if [ "$nfail" != 0 ]; then
			echo
			echo "**$nfail boot(s) failed; their numbers are not in the medians.**"
		fi
	} > "$results"
	say "wrote $results"
}

if [ "${1:-}" = --summarise ]; then
	[ $# = 2 ] || die "usage: $0 [--summarise DIR]"
	summarise "$2"
	exit 0
fi
[ $# = 0 ] || die "usage: $0 [--summarise DIR]"
[[ $n =~ ^[1-9][0-9]*$ ]] || die "BENCH_N=$n is not a positive number"
for k in "$stock" "$ours"; do
	[ -f "$k" ] || die "no kernel at $k"
done
for s in $scenarios; do
	[ -f "$repo/tools/lab/scenarios/$s.sh" ] || die "no scenario $s"
done

w=$LAB_CACHE/bench/$(date +%Y%m%d-%H%M%S)
mkdir -p "$w"
: > "$w/runs.tsv"
: > "$w/metrics.tsv"
{
	echo "bench_date='$(date -u '+%Y-%m-%d %H:%M UTC')'"
	echo "bench_n='$n'"
	echo "bench_scenarios='$scenarios'"
	echo "bench_host='$(nproc) CPUs, $(uname -r)'"
	echo "bench_stock_id='$(kernel_id "$stock")'"
	echo "bench_ours_src='$(ours_source)'"
} > "$w/meta.sh"
say "records in $w"

for ((round = 1; round <= n; round++)); do
	boot_one "$round" stock "$stock" "$w"
	boot_one "$round" ours "$ours" "$w"
done
# The ours build may have changed under us: say what it is now, too.
echo "bench_ours_src='$(sed -n "s/^bench_ours_src='\(.*\)'$/\1/p" "$w/meta.sh") (at the start); at the end: $(ours_source)'" >> "$w/meta.sh"
summarise "$w"
nfail=$(awk -F'\t' '$3 != "ok"' "$w/runs.tsv" | wc -l)
if [ "$nfail" != 0 ]; then
	say "ERROR: $nfail boot(s) failed, see $results" >&2
	exit 1
fi
