#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make test-kernels: spantap on Debian's own kernels, booted under qemu, and
# on the host's kernel.
#   tools/kernels/run.sh [build/spantap]
#
# Rows (KERNELS, default "5.10 6.1 6.12 host"):
#   5.10   bullseye's linux-image-5.10.0-*-amd64
#   6.1    bookworm's linux-image-6.1.0-*-amd64
#   6.12   bookworm-backports' linux-image-6.12*-amd64
#   host   the running kernel, no VM
# Each Debian kernel comes from deb.debian.org once (tools/kernels/fetch.sh;
# cached in $SPANTAP_KERNEL_CACHE, default ~/.cache/spantap-kernels) and
# boots under qemu with software emulation (no KVM here) with a busybox
# initramfs (tools/kernels/init.sh) that mounts this machine's root read-only
# over virtio-9p and chroots into it. There, and on the host for its row,
# tests/kernels/guest-test.sh runs build/spantap: `spantap check`, a capture
# test per attach mode, and the instruction count of every BPF program.
#
# At the end: a matrix kernel x (check, attach modes) with the reason of
# every cell that did not pass, the seconds each kernel took, a warning list
# of BPF programs whose instruction count grew by more than 10 % or that
# appeared or disappeared against tests/kernels/insns-baseline.txt (warnings,
# not failures), and a last line "kernels: N passed, N failed, N skipped"
# (also written to build/kernels/summary).
# Exits non-zero when a cell the kernel supports failed. Logs, results and
# instruction counts are left in build/kernels/.
#
# Knobs (environment):
#   KERNELS="6.1 host"        the rows to run
#   KERNELS_TIMEOUT=600       seconds a row may take, boot included
#   UPDATE_BASELINE=1         rewrite tests/kernels/insns-baseline.txt with
#                             this run's counts (rows not run are kept)
#   SPANTAP_KERNEL_CACHE=DIR  where the kernels are kept
#   SPANTAP_KERNEL_REFRESH=1  download the newest Debian kernels again
#   GUEST_SCRIPT=FILE         run FILE in each row instead of
#                             tests/kernels/guest-test.sh (same arguments,
#                             results as "@@SPANTAP" lines on stdout)
#   KERNELS_REPORT=bench      make bench-kernels: GUEST_SCRIPT is
#                             tests/kernels/guest-bench.sh, port 18310, rows
#                             "5.10 6.1 6.12" by default, and in place of the
#                             matrix a table kernel x attach mode of its
#                             figures, ending "bench-kernels: N measured,
#                             N failed, N n/a"; logs, that table, the runs
#                             and the BPF programs in build/kernels/bench/
#                             (results.md, summary)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
spantap=$(realpath "${1:-$top/build/spantap}")
report=${KERNELS_REPORT:-test}
case $report in
test)
	read -ra rows <<<"${KERNELS:-5.10 6.1 6.12 host}"
	port=18300
	guest_test=$top/tests/kernels/guest-test.sh
	;;
bench)
	read -ra rows <<<"${KERNELS:-5.10 6.1 6.12}"
	port=18310
	guest_test=$top/tests/kernels/guest-bench.sh
	;;
*)
	echo "kernels: KERNELS_REPORT: no report '$report' (test, bench)" >&2
	exit 1
	;;
esac
if [ -n "${GUEST_SCRIPT:-}" ]; then guest_test=$(realpath "$GUEST_SCRIPT"); fi
tmo=${KERNELS_TIMEOUT:-600}
outdir=$(dirname "$spantap")/kernels
# the bench's logs apart: a bench run leaves the matrix's as they were
[ "$report" = test ] || outdir=$outdir/bench
baseline=$top/tests/kernels/insns-baseline.txt

say() { printf 'kernels: %s\n' "$*" >&2; }
die() {
	say "$*"
	echo "kernels: 0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "the matrix loads BPF programs and boots kernels: run as root (sudo make test-kernels)"
[ -x "$spantap" ] || die "no $spantap: build it first (make)"
[ -x "$guest_test" ] || die "GUEST_SCRIPT: no executable $guest_test"
"$here/deps.sh" || die "cannot install what the matrix needs (tools/kernels/deps.sh)"
for c in qemu-system-x86_64 cpio busybox jq curl bpftool timeout; do
	command -v "$c" >/dev/null || die "$c is missing (tools/kernels/deps.sh, tools/install-deps.sh test)"
done
for r in "${rows[@]}"; do
	case $r in 5.10 | 6.1 | 6.12 | host) ;; *) die "KERNELS: no row '$r' (5.10 6.1 6.12 host)" ;; esac
done

mkdir -p "$outdir"
tmp=$(mktemp -d /tmp/spantap-kernels.XXXXXX)
child= # the qemu (or host test) running now
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
		kill -TERM "$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# tail_of FILE N: the last N non-empty lines of FILE on one line, at most
# 200 characters (nothing, and no failure, when there are none)
tail_of() {
	{ tr -d '\r' <"$1" | grep -v '^$' | tail -"$2" | tr '\n' ' ' | cut -c1-200; } 2>/dev/null || true
}

# --- running one row ------------------------------------------------------------

# initramfs KIT OUT ROW: a newc cpio with busybox, /init, the kit's modules
# and /spantap.conf telling init what to run
initramfs() {
	local kit=$1 out=$2 d=$tmp/initramfs.$3
	rm -rf "$d"
	mkdir -p "$d/bin" "$d/modules"
	cp "$(command -v busybox)" "$d/bin/busybox"
	install -m 0755 "$here/init.sh" "$d/init"
	cp "$kit"/modules/*.ko "$d/modules/"
	cp "$kit/modules.load" "$d/modules.load"
	# %q quotes as busybox sh reads it too
	printf 'TEST=%q\nSPANTAP=%q\nPORT=%q\nROW=%q\n' "$guest_test" "$spantap" "$port" "$3" >"$d/spantap.conf"
	# the tree and spantap's directory, each unless inside the other
	{
		echo "$top"
		case $(dirname "$spantap")/ in "$top"/*) ;; *) dirname "$spantap" ;; esac
		case $(dirname "$guest_test")/ in "$top"/*) ;; *) dirname "$guest_test" ;; esac
	} >"$d/keep.list"
	(cd "$d" && find . | cpio -o -H newc --quiet) >"$out"
	rm -rf "$d"
}

# follow PID LOG ROW T0: while PID runs, print each "@@SPANTAP" line LOG
# gains as a progress line; sets t_up (seconds from T0 until the guest had
# the host's root mounted and started the test) and t_done (until the test's
# "done" line), -1 when not seen
follow() {
	local pid=$1 log=$2 row=$3 t0=$4 seen=0 n line running=1 what rest c_mode c_res c_secs c_why
	t_up=-1 t_done=-1
	while [ $running -eq 1 ]; do
		kill -0 "$pid" 2>/dev/null || running=0
		# complete lines only, unless the writer has ended
		n=$(wc -l <"$log" 2>/dev/null || echo 0)
		[ $running -eq 0 ] && [ -s "$log" ] && [ -n "$(tail -c1 "$log")" ] && n=$((n + 1))
		if [ "$n" -gt "$seen" ]; then
			while IFS= read -r line; do
				line=${line//$'\r'/}
				case $line in *"@@SPANTAP "*) ;; *) continue ;; esac
				line=${line#*@@SPANTAP }
				what=${line%% *} rest=${line#* }
				case $what in
				uname) say "$row: kernel $rest up after $((SECONDS - t0)) s" ;;
				chroot)
					t_up=$((SECONDS - t0))
					say "$row: host root mounted over 9p after $t_up s, running the test"
					;;
				boot) say "$row: boot failed: $rest" ;;
				check) say "$row: check: $rest" ;;
				cell)
					read -r c_mode c_res c_secs c_why <<<"$rest"
					say "$row: $c_mode: $c_res ($c_secs s): $c_why"
					;;
				progress) say "$row: $rest" ;;
				mode)
					read -r c_mode c_res c_why <<<"$rest"
					say "$row: $c_mode: $c_res: $c_why"
					;;
				done) t_done=$((SECONDS - t0)) ;;
				esac
			done < <(sed -n "$((seen + 1)),${n}p" "$log")
			seen=$n
		fi
		[ $running -eq 1 ] && sleep 0.5
	done
	return 0
}

# run_row ROW: boots (or, for host, runs) the test; leaves the "@@SPANTAP"
# lines in $outdir/ROW.results, the whole console in $outdir/ROW.log, and
# "ROW STATUS SECONDS-UP SECONDS-DONE RELEASE" in $tmp/rows
run_row() {
	local row=$1 kit release log=$outdir/$1.log res=$outdir/$1.results t0 rc=0 status=ok
	: >"$log"
	t0=$SECONDS
	if [ "$row" = host ]; then
		release=$(uname -r)
		say "host: running the test on the host's kernel $release"
		timeout --kill-after=10 "$tmo" "$guest_test" "$spantap" "$port" >"$log" 2>&1 </dev/null &
		child=$!
	else
		kit=$("$here/fetch.sh" "$row") || {
			echo "$row fetch -1 -1 ?" >>"$tmp/rows"
			echo "boot fail cannot fetch the kernel (tools/kernels/fetch.sh; see above)" >"$res"
			return 0
		}
		release=$(cat "$kit/release")
		initramfs "$kit" "$tmp/initrd.$row" "$row"
		say "$row: booting $release ($(cat "$kit/package")) under qemu, software emulation, at most $tmo s"
		t0=$SECONDS
		# -nodefaults: no NIC, VGA or monitor (loopback is all the test
		# needs); the console is ttyS0, written to the log; -no-reboot with
		# panic=-1 makes a panic end qemu instead of looping.
		# thread=single: with one host thread per vCPU (MTTCG), a kernel
		# patching its own text while another vCPU runs it (kprobes,
		# static keys, by int3) was seen to oops on 6.12: an emulation
		# artefact, not a kernel's; one thread runs both vCPUs in turn
		timeout --kill-after=10 "$tmo" qemu-system-x86_64 -accel tcg,thread=single -cpu max -smp 2 -m 2G \
			-nodefaults -display none -no-reboot -serial "file:$log" \
			-kernel "$kit/vmlinuz" -initrd "$tmp/initrd.$row" \
			-append "console=ttyS0 panic=-1 quiet loglevel=4 random.trust_cpu=on" \
			-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
			</dev/null >"$tmp/qemu.$row.out" 2>&1 &
		child=$!
	fi
	follow "$child" "$log" "$row" "$t0"
	wait "$child" || rc=$?
	child=
	tr -d '\r' <"$log" | sed -n 's/^.*@@SPANTAP //p' >"$res"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		status=timeout
		echo "boot fail timeout after $tmo s; last console lines: $(tail_of "$log" 3)" >>"$res"
	elif ! grep -q '^done' "$res"; then
		status=incomplete
		local why="the test ended without its results (exit $rc)"
		[ "$row" = host ] || why="$why; qemu said: $(tail_of "$tmp/qemu.$row.out" 2)"
		why="$why; last console lines: $(tail_of "$log" 3)"
		echo "boot fail $why" >>"$res"
	fi
	[ "$t_done" -ge 0 ] || t_done=$((SECONDS - t0))
	echo "$row $status $t_up $t_done $release" >>"$tmp/rows"
	say "$row: finished in $t_done s ($status)"
}

# --- make bench-kernels: the figures of guest-bench.sh ----------------------------------

# host_busy: busy clock ticks of all the host's CPUs (user nice system irq
# softirq steal); self_ticks: this script's and its waited-for children's
# (qemu's, once it ended) utime+stime+cutime+cstime; wall_ticks: now
host_busy() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
self_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 + $14 + $15 }' "/proc/$$/stat"; }
wall_ticks() { awk -v k="$(getconf CLK_TCK)" '{ printf "%.0f", $1 * k }' /proc/uptime; }

# bench_report: from each row's "mode"/"run"/"prog" lines, a table kernel x
# attach mode on the terminal and, with the runs and the BPF programs, in
# $outdir/results.md; "bench-kernels: N measured, N failed, N n/a" last
# (also in $outdir/summary). Fails when a mode the kernel offers, or a row,
# could not be measured.
bench_report() {
	local row status t_up t_done release res measured=0 failed=0 na=0 md=$outdir/results.md load
	: >"$tmp/btable"
	: >"$tmp/breasons"
	: >"$tmp/bdetail"
	: >"$tmp/bnoise"
	printf 'kernel\trelease\tmode\tCPU/req T/U\t(range)\tus/req U -> T\tspantap us/req\tBPF ns/req\tBPF runs/req\tevents/req\tcompleteness\treq/s T/U\n' >"$tmp/btable"
	while read -r row status t_up t_done release; do
		res=$outdir/$row.results
		load=$(awk -v r="$row" '$1 == r { print $2 }' "$tmp/load")
		if awk -v l="${load:-0}" 'BEGIN { exit !(l > 0.2) }'; then
			echo "  $row: the host spent $load cores on other work while it ran: its figures are noisy; run it again on a quiet host" >>"$tmp/bnoise"
		fi
		if ! grep -q '^mode ' "$res" 2>/dev/null; then
			failed=$((failed + 1))
			printf '%s\t%s\t-\tno figures\n' "$row" "$release" >>"$tmp/btable"
			printf '  %s: %s\n' "$row" "$({ grep -E '^(check fail|boot)' "$res" || echo "no result from the script"; } 2>/dev/null | head -2 | tr '\n' ' ')" >>"$tmp/breasons"
			continue
		fi
		grep -q '^boot fail' "$res" &&
			printf '  %s: %s\n' "$row" "$(grep '^boot fail' "$res" | head -1)" >>"$tmp/breasons"
		awk -v row="$row" -v rel="$release" -F' ' '
			$1 == "mode" && $3 == "pass" {
				delete f
				for (i = 4; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
				printf "%s\t%s\t%s\t%s\t%s\t%s -> %s\t%s\t%s\t%s\t%s\t%s\t%s\n", row, rel, $2, f["cpu_ratio"], f["cpu_range"],
					f["u_us"], f["t_us"], f["sp_us"], f["bpf_ns"], f["bpf_runs"], f["ev_req"], f["compl"], f["rps_ratio"]
			}
			$1 == "mode" && $3 != "pass" { printf "%s\t%s\t%s\t%s\n", row, rel, $2, $3 }' "$res" >>"$tmp/btable"
		awk -v row="$row" '$1 == "mode" && $3 != "pass" { m = $2; r = $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); printf "  %s %s: %s: %s\n", row, m, r, $0 }
			$1 == "mode" && $3 == "pass" { for (i = 4; i <= NF; i++) if ($i ~ /^losses=/ && $i != "losses=none") printf "  %s %s: loss counters %s\n", row, $2, substr($i, 8) }' \
			"$res" >>"$tmp/breasons"
		measured=$((measured + $(grep -c '^mode [a-z]* pass' "$res" || true)))
		failed=$((failed + $(grep -c '^mode [a-z]* fail' "$res" || true)))
		na=$((na + $(grep -cE '^mode [a-z]* (n/a|notbuilt)' "$res" || true)))
		grep -q '^done' "$res" || failed=$((failed + 1))
		{
			echo "### $row ($release)"
			echo
			echo "$t_done s; other work on the host meanwhile: ${load:-?} cores (steal included)"
			echo
			echo "| mode | run | requests | req/s | nginx CPU s | spantap CPU s | spans |"
			echo "|---|---|---|---|---|---|---|"
			awk '$1 == "run" { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $2, $3, $4, $5, $6, $7, $8 }' "$res"
			echo
			echo "BPF programs, the statistics run (kernel.bpf_stats_enabled=1):"
			echo
			echo "| mode | program | runs | avg ns/run | runs/request | ns/request |"
			echo "|---|---|---|---|---|---|"
			awk '$1 == "prog" && $4 > 0 { printf "| %s | %s | %d | %.0f | %.2f | %.0f |\n", $2, $3, $4, $5 / $4, $4 / $6, $5 / $6 }' "$res"
			echo
		} >>"$tmp/bdetail"
	done <"$tmp/rows"

	local elapsed=$((SECONDS - t_all))
	{
		echo "# spantap's attach modes per kernel (make bench-kernels)"
		echo
		echo "$(date -u '+%Y-%m-%d %H:%M UTC'), host $(nproc) cores, kernel $(uname -r), $("$spantap" version 2>/dev/null | head -1), ${elapsed} s"
		echo
		echo "Rows 5.10, 6.1, 6.12: qemu -accel tcg (software emulation), 2 vCPUs on one"
		echo "host thread. Their absolute figures are inflated many times over; compare the"
		echo "modes of one kernel (the ratios), not figures across kernels or with make bench."
		echo
		awk -F'\t' 'NR == 1 { printf "|"; for (i = 1; i <= NF; i++) printf " %s |", $i; printf "\n|"; for (i = 1; i <= NF; i++) printf "---|"; printf "\n"; next }
			{ printf "|"; for (i = 1; i <= 12; i++) printf " %s |", (i <= NF ? $i : ""); printf "\n" }' "$tmp/btable"
		echo
		if [ -s "$tmp/breasons" ]; then
			echo "Not measured or with loss:"
			echo
			sed 's/^  /- /' "$tmp/breasons"
			echo
		fi
		if [ -s "$tmp/bnoise" ]; then
			echo "Noisy:"
			echo
			sed 's/^  /- /' "$tmp/bnoise"
			echo
		fi
		echo "CPU/req T/U: (nginx + spantap CPU) per request, traced / untraced, median"
		echo "of the interleaved pairs' ratios. BPF ns/req and runs/req: all of spantap's"
		echo "programs, both ends (wrk and nginx), from one traced run with"
		echo "kernel.bpf_stats_enabled=1. Completeness: spans / (2 x requests nginx logged)."
		echo
		cat "$tmp/bdetail"
	} >"$md"

	echo
	echo "attach modes per kernel ($elapsed s; under qemu's software emulation absolute figures are inflated: compare the modes of one kernel)"
	column -t -s $'\t' "$tmp/btable" 2>/dev/null || cat "$tmp/btable"
	if [ -s "$tmp/breasons" ]; then
		echo
		echo "not measured (n/a: the kernel lacks the mode) or with loss:"
		cat "$tmp/breasons"
	fi
	if [ -s "$tmp/bnoise" ]; then
		echo
		echo "warning: noisy rows:"
		cat "$tmp/bnoise"
	fi
	echo
	echo "per kernel: $(while read -r row status t_up t_done release; do
		printf '%s%s %s s (host: %s cores of other work)' "${sep:-}" "$row" "$t_done" "$(awk -v r="$row" '$1 == r { print $2 }' "$tmp/load")"
		sep='; '
	done <"$tmp/rows")"
	echo "CPU/req T/U: (nginx + spantap) CPU per request, traced / untraced, median of pair ratios;"
	echo "BPF ns/runs per request: spantap's programs, both ends, run with kernel.bpf_stats_enabled=1"
	echo "runs and BPF programs per kernel: $md"
	local summary="bench-kernels: $measured measured, $failed failed, $na n/a"
	echo "$summary" >"$outdir/summary"
	echo "$summary"
	[ $failed -eq 0 ]
}

: >"$tmp/rows"
t_all=$SECONDS
if [ "$report" = test ]; then
	for r in "${rows[@]}"; do run_row "$r"; done
else
	# a noise indicator per row: CPU the host spent on anything but this
	# script and its children (qemu), steal included, in cores
	: >"$tmp/load"
	for r in "${rows[@]}"; do
		b0=$(host_busy) s0=$(self_ticks) w0=$(wall_ticks)
		run_row "$r"
		echo "$r $(awk -v b="$(($(host_busy) - b0))" -v s="$(($(self_ticks) - s0))" -v w="$(($(wall_ticks) - w0))" \
			'BEGIN { x = (w > 0 ? (b - s) / w : 0); printf "%.2f", (x > 0 ? x : 0) }')" >>"$tmp/load"
	done
fi

if [ "$report" = bench ]; then
	bench_report
	exit $?
fi

# --- the matrix -----------------------------------------------------------------------

# the columns: check, then the attach modes the test knows (a row that
# stopped early fails those it did not report), then any other it reported
mapfile -t cols < <({
	echo check
	"$guest_test" --list-cells
	for r in "${rows[@]}"; do
		awk '$1 == "cell" { print $2 }' "$outdir/$r.results" 2>/dev/null
	done
} | awk '!s[$0]++')
passed=0 failed=0 skipped=0
: >"$tmp/reasons"
: >"$tmp/table"
{
	printf 'kernel\trelease'
	printf '\t%s' "${cols[@]}"
	printf '\tboot s\ttotal s\n'
} >>"$tmp/table"
while read -r row status t_up t_done release; do
	res=$outdir/$row.results
	printf '%s\t%s' "$row" "$release" >>"$tmp/table"
	for c in "${cols[@]}"; do
		if [ "$c" = check ]; then
			line=$(awk '$1 == "check" { $1 = ""; print substr($0, 2); exit }' "$res")
			result=${line%% *} reason=${line#* }
		else
			line=$(awk -v m="$c" '$1 == "cell" && $2 == m { $1 = $2 = ""; print substr($0, 3); exit }' "$res")
			result=${line%% *} reason=${line#* }
			reason=${reason#* } # the seconds
		fi
		if [ -z "$line" ]; then
			result=fail
			reason=$(awk '$1 == "boot" { $1 = $2 = ""; print substr($0, 3); exit }' "$res")
			reason=${reason:-no result from the test}
		fi
		case $result in
		pass) passed=$((passed + 1)) ;;
		fail) failed=$((failed + 1)) ;;
		*) skipped=$((skipped + 1)) ;;
		esac
		printf '\t%s' "$result" >>"$tmp/table"
		[ "$result" = pass ] || printf '  %s %s: %s: %s\n' "$row" "$c" "$result" "$reason" >>"$tmp/reasons"
	done
	printf '\t%s\t%s\n' "$([ "$t_up" -ge 0 ] && echo "$t_up" || echo -)" "$t_done" >>"$tmp/table"
	# what the verifier said, when check failed
	if grep -q '^verifier ' "$res"; then
		{
			echo "  $row: the verifier's log (spantap check -v, end):"
			sed -n 's/^verifier /    /p' "$res"
		} >>"$tmp/reasons"
	fi
done <"$tmp/rows"

# --- instruction counts and the baseline ------------------------------------------------

# this run's counts: "ROW PROGRAM COUNT KIND" under a "kernel ROW RELEASE" line
insns=$outdir/insns.txt
: >"$insns"
while read -r row status t_up t_done release; do
	grep -q '^insns ' "$outdir/$row.results" || continue
	echo "kernel $row $release" >>"$insns"
	awk -v r="$row" '$1 == "insns" { print r, $2, $3, $4 }' "$outdir/$row.results" >>"$insns"
done <"$tmp/rows"

: >"$tmp/warnings"
had_baseline=0
if [ -f "$baseline" ]; then
	had_baseline=1
	awk 'FILENAME == ARGV[1] { if ($1 == "kernel") brel[$2] = $3; else if ($0 !~ /^#/ && NF == 4) { b[$1 " " $2] = $3; bk[$1 " " $2] = $4; brow[$1] = 1 } next }
		$1 == "kernel" { rel[$2] = $3; ran[$2] = 1; next }
		{ k = $1 " " $2; now[k] = 1
		  if (!brow[$1]) next
		  if (!(k in b)) { printf "  %s %s: new program (%d %s)\n", $1, $2, $3, $4; next }
		  if (bk[k] != $4) { printf "  %s %s: counted as %s now, %s in the baseline\n", $1, $2, $4, bk[k]; next }
		  if ($3 > b[k] * 1.10) printf "  %s %s: %d -> %d %s instructions (+%.0f %%)\n", $1, $2, b[k], $3, $4, 100 * ($3 - b[k]) / b[k] }
		END {
		  for (k in b) { split(k, p, " "); if ((p[1] in ran) && !(k in now)) printf "  %s %s: gone (was %d %s)\n", p[1], p[2], b[k], bk[k] }
		  for (r in ran) {
		    if (!brow[r]) printf "  %s: kernel %s is not in the baseline\n", r, rel[r]
		    else if (brel[r] != rel[r]) printf "  %s: kernel %s now, %s in the baseline\n", r, rel[r], brel[r]
		  }
		}' "$baseline" "$insns" | sort >"$tmp/warnings"
fi

if [ "${UPDATE_BASELINE:-0}" = 1 ]; then
	{
		echo "# Instruction counts of spantap's BPF programs per kernel of make test-kernels"
		echo "# (tools/kernels/run.sh), the baseline it warns against (growth over 10 %,"
		echo "# programs appearing or disappearing). verified: instructions the verifier"
		echo "# processed (verified_insns, kernels 5.16+); xlated: the program's length"
		echo "# after translation, where the kernel does not report the first."
		echo "# Rewritten by: sudo make test-kernels UPDATE_BASELINE=1"
		echo "# kernel ROW RELEASE, then: ROW PROGRAM COUNT KIND"
		# rows this run did not measure keep their lines
		if [ -f "$baseline" ]; then
			awk 'FILENAME == ARGV[1] { if ($1 == "kernel") ran[$2] = 1; next }
				/^#/ { next } $1 == "kernel" { keep = !ran[$2] } keep' "$insns" "$baseline"
		fi
		cat "$insns"
	} >"$tmp/baseline"
	mv "$tmp/baseline" "$baseline"
	say "baseline rewritten: $baseline (rows: $(awk '$1 == "kernel" { printf "%s%s", sep, $2; sep = " " }' "$baseline"))"
fi

# --- report -----------------------------------------------------------------------------

echo
echo "kernel matrix ($((SECONDS - t_all)) s; boot s: qemu start to the test's start, total s: to its last result)"
column -t -s $'\t' "$tmp/table" 2>/dev/null || cat "$tmp/table"
if [ -s "$tmp/reasons" ]; then
	echo
	echo "cells that did not pass (notbuilt: spantap refuses the mode as not built yet; n/a: the kernel lacks it):"
	cat "$tmp/reasons"
fi
echo
echo "BPF instruction counts: $insns"
if [ -s "$tmp/warnings" ]; then
	echo "warning: against $baseline (not a failure; UPDATE_BASELINE=1 takes them in):"
	cat "$tmp/warnings"
elif [ $had_baseline -eq 1 ]; then
	echo "no program grew by more than 10 %, appeared or disappeared against the baseline"
else
	echo "no baseline yet ($baseline): make test-kernels UPDATE_BASELINE=1 writes it"
fi
# also in a file: make adds its own line after a failing recipe's output
summary="kernels: $passed passed, $failed failed"
if [ $skipped -gt 0 ]; then summary="$summary, $skipped skipped"; fi
echo "$summary" >"$outdir/summary"
echo "$summary"
[ $failed -eq 0 ]
