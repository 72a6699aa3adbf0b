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
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
spantap=$(realpath "${1:-$top/build/spantap}")
read -ra rows <<<"${KERNELS:-5.10 6.1 6.12 host}"
tmo=${KERNELS_TIMEOUT:-600}
port=18300
outdir=$(dirname "$spantap")/kernels
baseline=$top/tests/kernels/insns-baseline.txt
guest_test=$top/tests/kernels/guest-test.sh

say() { printf 'kernels: %s\n' "$*" >&2; }
die() {
	say "$*"
	echo "kernels: 0 passed, 1 failed"
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "the matrix loads BPF programs and boots kernels: run as root (sudo make test-kernels)"
[ -x "$spantap" ] || die "no $spantap: build it first (make)"
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

: >"$tmp/rows"
t_all=$SECONDS
for r in "${rows[@]}"; do run_row "$r"; done

# --- the matrix -----------------------------------------------------------------------

# the columns: check, then the attach modes the test knows (a row that
# stopped early fails those it did not report), then any other it reported
mapfile -t cols < <({
	echo check
	"$guest_test" --list-modes
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
