#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make bench-kernels: what each attach mode costs per request, on one kernel,
# in one run. Run by the guest's init like guest-test.sh (tools/kernels/run.sh
# with GUEST_SCRIPT=tests/kernels/guest-bench.sh boots it on Debian's kernels
# under qemu), or on a host directly. Root, and build/spantap already built.
#   tests/kernels/guest-bench.sh [SPANTAP [PORT]]
# (defaults: build/spantap beside this tree, port 18310; ports 18300-18399
# are the kernel matrix's)
#   tests/kernels/guest-bench.sh --list-cells
# prints the attach modes it measures, one a line.
#
# A private nginx (one worker, keep-alive, sendfile, access log to a file,
# a 512-byte file: the configuration of tools/bench/run.sh) on
# 127.0.0.1:PORT, loaded by wrk -t1 -c8 -dBENCH_RUN_S (3) s. Then, per attach
# mode the kernel offers, in turn:
#   1. BENCH_PAIRS (2) pairs of runs, untraced then traced
#      (`spantap capture --attach-mode MODE --port PORT --output none`),
#      interleaved U T U T: requests (nginx's access log lines), nginx's CPU
#      (utime+stime of master and worker, /proc), spantap's CPU after it
#      said "capturing" (its drain included), spans and loss counters
#   2. one traced run with kernel.bpf_stats_enabled=1: run_time_ns and
#      run_cnt of spantap's programs (the prog_ids of its fds), per request
# (BENCH_PAIRS and BENCH_RUN_S are read from the environment, which the
# guest's init does not pass: under qemu they are always 2 and 3.)
# Figures per mode: CPU per request (nginx + spantap) traced / untraced, the
# median of the pairs' ratios; BPF ns and program runs per request (both
# ends: wrk's and nginx's syscalls); kernel events per request; completeness
# spans / (2 x requests).
#
# Under software emulation (qemu -accel tcg) every absolute figure is
# inflated many times over, and not evenly; the point is the ratio between
# modes measured on the same kernel in the same run.
#
# Results are lines on stdout starting with "@@SPANTAP " (everything else is
# log for people):
#   @@SPANTAP progress TEXT
#   @@SPANTAP check pass|fail REASON
#   @@SPANTAP run MODE U1|T1|S... REQUESTS REQ/S NGINX_CPU_S SPANTAP_CPU_S SPANS
#             (S: the statistics run)
#   @@SPANTAP prog MODE NAME RUNS RUN_TIME_NS REQUESTS   (the statistics run)
#   @@SPANTAP mode MODE pass KEY=VALUE...   (cpu_ratio cpu_range u_us t_us
#             sp_us rps_ratio bpf_ns bpf_runs ev_req compl spans requests
#             losses stats_requests)
#   @@SPANTAP mode MODE n/a|notbuilt|fail REASON
#   @@SPANTAP done SECONDS
# Every wait polls with a deadline; no fixed sleeps. kernel.bpf_stats_enabled
# is put back as it was on exit.
set -euo pipefail

modes=(tracepoint fentry kprobe)
if [ "${1:-}" = --list-cells ]; then
	printf '%s\n' "${modes[@]}"
	exit 0
fi

top=$(cd "$(dirname "$0")/../.." && pwd)
spantap=${1:-$top/build/spantap}
port=${2:-18310}
pairs=${BENCH_PAIRS:-2}
run_s=${BENCH_RUN_S:-3}
conns=8
url=http://127.0.0.1:$port/small.html
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
tck=$(getconf CLK_TCK)
t_start=$SECONDS

mark() { echo "@@SPANTAP $*"; }
log() { echo "guest-bench: $*"; }
progress() {
	log "$*"
	mark "progress $*"
}
oneline() { tr '\n\t' '  ' | sed -E 's/ +/ /g; s/^ //; s/ $//' | cut -c1-300; }
# finish: the last line, whatever happened
finish() {
	mark "done $((SECONDS - t_start))"
	exit 0
}

for c in "$spantap" nginx wrk ss jq bpftool sysctl pgrep; do
	command -v "$c" >/dev/null || {
		mark "check fail missing $c on this root"
		finish
	}
done
case $port in 183[0-9][0-9]) ;; *)
	mark "check fail port $port is not within 18300-18399"
	finish
	;;
esac

work=$(mktemp -d /tmp/spantap-kbench.XXXXXX)
chmod 755 "$work"
ng_pid=
ng_worker=
sp_pid=
sp_wrap=
stats_orig=

pid_alive() {
	local s
	[ -r "/proc/$1/stat" ] || return 1
	s=$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

# stop_pid PID SIG: SIG, up to 10 s, then SIGKILL
stop_pid() {
	local p=$1 deadline=$((SECONDS + 10))
	[ -n "$p" ] || return 0
	pid_alive "$p" || return 0
	kill "-$2" "$p" 2>/dev/null || true
	while pid_alive "$p"; do
		if [ $SECONDS -ge $deadline ]; then
			kill -KILL "$p" 2>/dev/null || true
			return 0
		fi
		sleep 0.1
	done
}

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$stats_orig" ]; then sysctl -q -w kernel.bpf_stats_enabled="$stats_orig" >/dev/null 2>&1 || true; fi
	stop_pid "$sp_pid" INT
	stop_pid "$sp_wrap" TERM
	stop_pid "$ng_pid" TERM
	stop_pid "$ng_worker" KILL
	wait 2>/dev/null || true
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# --- measuring helpers (as tools/bench/lib.sh) ------------------------------------

# cpu_ticks PID...: utime+stime, clock ticks; fails when one is gone
cpu_ticks() {
	local p f=()
	for p; do
		pid_alive "$p" || return 1
		f+=("/proc/$p/stat")
	done
	awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }' "${f[@]}"
}

# cpuwrap STATFILE PIDFILE CMD...: runs CMD as its child, its pid in
# PIDFILE; when it ends, writes the child's utime+stime (its own
# cutime+cstime) to STATFILE
cat >"$work/cpuwrap.sh" <<'EOF'
#!/bin/bash
statf=$1 pidf=$2
shift 2
"$@" &
c=$!
echo "$c" >"$pidf"
wait "$c"
s=$?
awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$$/stat" >"$statf"
exit $s
EOF
chmod +x "$work/cpuwrap.sh"

alog=$work/logs/access.log
log_lines() { wc -l <"$alog"; }

# settle: after wrk ends, until nginx's access log stops growing (it logs a
# request once answered), polled, at most 10 s
settle() {
	local prev=-1 n deadline=$((SECONDS + 10))
	while [ $SECONDS -lt $deadline ]; do
		n=$(log_lines)
		[ "$n" = "$prev" ] && return 0
		prev=$n
		sleep 0.2
	done
}

listening() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# counters, counter, volume, info, nonzero, median, minmax
# shellcheck source-path=SCRIPTDIR source=../../tools/bench/counters.sh
. "$top/tools/bench/counters.sh"
# bpf_fdinfo
# shellcheck source-path=SCRIPTDIR source=../../tools/bench/bpf_fdinfo.sh
. "$top/tools/bench/bpf_fdinfo.sh"

# Each step below returns 1 with the reason in $why when it cannot measure.
why=

# spantap_start MODE: capture in MODE under cpuwrap, until it says
# "capturing" (at most 180 s: the emulated guest is slow); sets sp_pid,
# sp_wrap, sp_c0 (its CPU ticks then: startup, not counted)
spantap_start() {
	local deadline=$((SECONDS + 180)) t0=$SECONDS
	rm -f "$work/sp.err" "$work/sp.pid" "$work/sp.cpu"
	"$work/cpuwrap.sh" "$work/sp.cpu" "$work/sp.pid" \
		"$spantap" capture --attach-mode "$1" --port "$port" --output none >/dev/null 2>"$work/sp.err" </dev/null &
	sp_wrap=$!
	until [ -s "$work/sp.pid" ] && grep -q capturing "$work/sp.err" 2>/dev/null; do
		if ! pid_alive "$sp_wrap"; then
			wait "$sp_wrap" 2>/dev/null || true
			sp_wrap=
			sed 's/^/  /' "$work/sp.err" 2>/dev/null || true
			if grep -q 'not built yet' "$work/sp.err" 2>/dev/null; then
				why="notbuilt $(grep 'not built yet' "$work/sp.err" | head -1 | oneline)"
			else
				why="spantap exited before capturing: $({ grep '^spantap: ' "$work/sp.err" | grep -vE '^spantap: [a-z0-9]*: [a-z_]*=' | tail -2 | oneline; } || true)"
			fi
			return 1
		fi
		if [ $SECONDS -ge $deadline ]; then
			why="spantap did not say 'capturing' within 180 s: $(tail -3 "$work/sp.err" | oneline)"
			return 1
		fi
		sleep 0.1
	done
	sp_pid=$(cat "$work/sp.pid")
	sp_c0=$(cpu_ticks "$sp_pid") || {
		why="spantap exited right after capturing: $(tail -3 "$work/sp.err" | oneline)"
		return 1
	}
	log "spantap ($1) capturing after $((SECONDS - t0)) s"
}

# spantap_stop: SIGINT, until it has drained and exited (at most 120 s);
# sets sp_cpu (seconds after startup); its counters in $work/sp.err
spantap_stop() {
	local deadline=$((SECONDS + 120)) st=0
	kill -INT "$sp_pid" 2>/dev/null || true
	while pid_alive "$sp_wrap"; do
		if [ $SECONDS -ge $deadline ]; then
			why="spantap did not exit within 120 s of SIGINT"
			return 1
		fi
		sleep 0.1
	done
	wait "$sp_wrap" || st=$?
	sp_pid='' sp_wrap=''
	if [ "$st" -ne 0 ]; then
		why="spantap exited with status $st: $(grep -v '^spantap: [a-z0-9]*: [a-z_]*=' "$work/sp.err" | tail -2 | oneline || true)"
		return 1
	fi
	[ -s "$work/sp.cpu" ] || {
		why="no CPU figure for spantap"
		return 1
	}
	sp_cpu=$(awk -v t="$(cat "$work/sp.cpu")" -v c0="$sp_c0" -v k="$tck" 'BEGIN { printf "%.3f", (t - c0) / k }')
}

# wrk_run OUT [SECONDS]
wrk_run() {
	wrk -t1 -c"$conns" -d"${2:-$run_s}s" "$url" >"$1" 2>&1 || {
		why="wrk failed: $(tail -3 "$1" | oneline)"
		return 1
	}
}
wrk_rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }

# measure MODE U|T I: one wrk run, untraced or traced; appends "U|T
# requests rps nginx_s spantap_s spans kernel_events" to runs.MODE.tsv; a
# traced run's counters in counters.MODE.I
measure() {
	local mode=$1 ut=$2 i=$3 out=$work/wrk.$1.$2.$3 n0 n1 served sp_c=0 spans=0 kev=0 ng_s
	: >"$alog"
	if [ "$ut" = T ]; then spantap_start "$mode" || return 1; fi
	n0=$(cpu_ticks "$ng_pid" "$ng_worker") || {
		why="nginx exited"
		return 1
	}
	wrk_run "$out" || return 1
	settle
	n1=$(cpu_ticks "$ng_pid" "$ng_worker") || {
		why="nginx exited"
		return 1
	}
	served=$(log_lines)
	if [ "$ut" = T ]; then
		spantap_stop || return 1
		counters "$work/sp.err" >"$work/counters.$mode.$i"
		sp_c=$sp_cpu
		spans=$(counter "$work/counters.$mode.$i" http1.spans)
		kev=$(counter "$work/counters.$mode.$i" kernel.events)
	fi
	[ "$served" -gt 0 ] || {
		why="nginx served no request in a wrk run: $(tail -3 "$out" | oneline)"
		return 1
	}
	ng_s=$(awk -v d=$((n1 - n0)) -v k="$tck" 'BEGIN { printf "%.2f", d / k }')
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ut" "$served" "$(wrk_rps "$out")" "$ng_s" "$sp_c" "$spans" "$kev" >>"$work/runs.$mode.tsv"
	if [ "$ut" = T ]; then
		mark "run $mode $ut$i $served $(wrk_rps "$out") $ng_s $sp_c $spans"
	else
		mark "run $mode $ut$i $served $(wrk_rps "$out") $ng_s - -"
	fi
	log "$mode $ut$i: $served requests, $(wrk_rps "$out") req/s, nginx $ng_s s, spantap $sp_c s, $spans spans"
}

# stats_run MODE: one traced run with kernel.bpf_stats_enabled=1 (enabled
# once spantap captures: the counters hold the load and little else); per
# program "name runs run_time_ns" in progstats.MODE.tsv, requests in
# stats_served
stats_run() {
	local mode=$1 ids out=$work/wrk.$1.S
	: >"$alog"
	spantap_start "$mode" || return 1
	ids=$(bpf_fdinfo "$sp_pid" prog_id | sort -un | paste -sd, -)
	[ -n "$ids" ] || {
		why="cannot find spantap's BPF programs in /proc/$sp_pid/fdinfo"
		return 1
	}
	stats_orig=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -q -w kernel.bpf_stats_enabled=1 || {
		why="cannot set kernel.bpf_stats_enabled=1"
		return 1
	}
	bpftool prog show --json >"$work/progs0.json" || {
		why="bpftool prog show failed"
		return 1
	}
	wrk_run "$out" || return 1
	settle
	bpftool prog show --json >"$work/progs1.json" || {
		why="bpftool prog show failed"
		return 1
	}
	sysctl -q -w kernel.bpf_stats_enabled="$stats_orig"
	stats_orig=
	stats_served=$(log_lines)
	spantap_stop || return 1
	[ "$stats_served" -gt 0 ] || {
		why="nginx served no request in the statistics run: $(tail -3 "$out" | oneline)"
		return 1
	}
	jq -r --arg ids "$ids" --slurpfile a "$work/progs0.json" '
		($ids | split(",") | map(tonumber)) as $want
		| ($a[0] | map({key: (.id | tostring), value: .}) | from_entries) as $before
		| .[] | select(.id as $i | $want | index($i))
		| [.name, ((.run_cnt // 0) - ($before[.id | tostring].run_cnt // 0)),
		   ((.run_time_ns // 0) - ($before[.id | tostring].run_time_ns // 0))] | @tsv' \
		"$work/progs1.json" >"$work/progstats.$mode.tsv"
	mark "run $mode S1 $stats_served $(wrk_rps "$out") - - -"
	sort -t$'\t' -k3,3gr "$work/progstats.$mode.tsv" | awk -F'\t' '$2 > 0' |
		while IFS=$'\t' read -r name runs ns; do
			mark "prog $mode $name $runs $ns $stats_served"
		done
}

# bench_mode MODE: the pairs, the statistics run, the figures; the line
# "mode MODE pass ..." in $mode_line
bench_mode() {
	local mode=$1 i r2=$work/runs2.$1.tsv pr=$work/pairs.$1.tsv f_served f_spans f_kev losses
	: >"$work/runs.$mode.tsv"
	for i in $(seq "$pairs"); do
		measure "$mode" U "$i" || return 1
		measure "$mode" T "$i" || return 1
	done
	stats_run "$mode" || return 1
	# per run CPU per request, us: (nginx + spantap) / requests
	awk -F'\t' '{ print $0 "\t" ($4 + $5) / $2 * 1e6 }' "$work/runs.$mode.tsv" >"$r2"
	# per pair (rows alternate U, T): CPU ratio, throughput ratio
	awk -F'\t' 'NR % 2 { u = $8; ur = $3; next } { printf "%.4f\t%.4f\n", $8 / u, $3 / ur }' "$r2" >"$pr"
	f_served=$(awk -F'\t' '$1 == "T" { s += $2 } END { print s + 0 }' "$r2")
	f_spans=$(awk -F'\t' '$1 == "T" { s += $6 } END { print s + 0 }' "$r2")
	f_kev=$(awk -F'\t' '$1 == "T" { s += $7 } END { print s + 0 }' "$r2")
	cat "$work/counters.$mode".* | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort >"$work/counters.$mode.sum"
	losses=$(nonzero "$work/counters.$mode.sum" . "$volume|$info" ,)
	mode_line="mode $mode pass"
	mode_line+=" cpu_ratio=$(cut -f1 "$pr" | median | awk '{ printf "%.3f", $1 }')"
	mode_line+=" cpu_range=$(cut -f1 "$pr" | minmax)"
	mode_line+=" u_us=$(awk -F'\t' '$1 == "U" { print $8 }' "$r2" | median | awk '{ printf "%.1f", $1 }')"
	mode_line+=" t_us=$(awk -F'\t' '$1 == "T" { print $8 }' "$r2" | median | awk '{ printf "%.1f", $1 }')"
	mode_line+=" sp_us=$(awk -F'\t' '$1 == "T" { print $5 / $2 * 1e6 }' "$r2" | median | awk '{ printf "%.1f", $1 }')"
	mode_line+=" rps_ratio=$(cut -f2 "$pr" | median | awk '{ printf "%.3f", $1 }')"
	mode_line+=" bpf_ns=$(awk -F'\t' -v r="$stats_served" '{ t += $3 } END { printf "%.0f", t / r }' "$work/progstats.$mode.tsv")"
	mode_line+=" bpf_runs=$(awk -F'\t' -v r="$stats_served" '{ c += $2 } END { printf "%.2f", c / r }' "$work/progstats.$mode.tsv")"
	mode_line+=" ev_req=$(awk -v e="$f_kev" -v r="$f_served" 'BEGIN { printf "%.2f", e / r }')"
	mode_line+=" compl=$(awk -v s="$f_spans" -v r="$f_served" 'BEGIN { printf "%.4f", s / (2 * r) }')"
	mode_line+=" spans=$f_spans requests=$f_served losses=${losses:-none}"
	mode_line+=" stats_requests=$stats_served"
}

# --- spantap check: the modes this kernel offers --------------------------------

log "kernel $(uname -r), $(nproc) CPUs, spantap $spantap"
log "under software emulation absolute figures are inflated; compare the modes' ratios, not the numbers"
t0=$SECONDS
st=0
"$spantap" check >"$work/check.out" 2>"$work/check.err" || st=$?
sed 's/^/  /' "$work/check.out"
feature() { awk -v f="$1" '$1 == f && NF >= 2 { print $2; exit }' "$work/check.out"; }
if [ $st -eq 0 ] && grep -qE '^ *BPF programs +yes' "$work/check.out"; then
	mark "check pass $(sed -nE 's/^ *BPF programs +yes +//p' "$work/check.out" | oneline) ($((SECONDS - t0)) s)"
else
	mark "check fail exit $st: $({ sed -nE 's/^ *BPF programs +no +//p' "$work/check.out"; grep -v '^libbpf: ' "$work/check.err" | tail -2; } | oneline)"
	finish
fi
mode_supported() {
	case $1 in
	tracepoint) grep -qE '^ *syscall tracepoints +yes' "$work/check.out" ;;
	fentry) [ "$(feature fentry)" = yes ] ;;
	kprobe) [ "$(feature kprobes)" = yes ] ;;
	*) return 1 ;;
	esac
}

# --- the private nginx ------------------------------------------------------------

if listening "$port"; then
	mark "check fail port $port is in use"
	finish
fi
mkdir -p "$work/www" "$work/logs"
# 512 bytes: with nginx's ~240 bytes of headers a response fits in one
# --max-bytes (1024) copy
head -c 512 /dev/zero | tr '\0' 'x' >"$work/www/small.html"
chmod -R a+rX "$work/www"
# every temp path in $work: nginx creates (and chowns) them at start, and in
# the guest the root is read-only
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 1024; }
http {
	access_log $alog;
	keepalive_requests 1000000000;
	keepalive_timeout 300s;
	sendfile on;
	client_body_temp_path $work/logs/body;
	proxy_temp_path $work/logs/proxy;
	fastcgi_temp_path $work/logs/fastcgi;
	scgi_temp_path $work/logs/scgi;
	uwsgi_temp_path $work/logs/uwsgi;
	server {
		listen 127.0.0.1:$port;
		root $work/www;
	}
}
EOF
nginx -e "$work/logs/error.log" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' </dev/null >"$work/nginx.out" 2>&1 &
ng_pid=$!
deadline=$((SECONDS + 60))
until listening "$port"; do
	if ! pid_alive "$ng_pid" || [ $SECONDS -ge $deadline ]; then
		mark "check fail nginx did not start: $(cat "$work/nginx.out" "$work/logs/error.log" 2>/dev/null | tail -3 | oneline)"
		finish
	fi
	sleep 0.1
done
until ng_worker=$(pgrep -P "$ng_pid" | head -1) && [ -n "$ng_worker" ]; do
	if [ $SECONDS -ge $deadline ]; then
		mark "check fail nginx started no worker"
		finish
	fi
	sleep 0.1
done
progress "nginx (master $ng_pid, worker $ng_worker) on $url; warm-up: 1 s of wrk, not counted"
wrk_run "$work/wrk.warm" 1 || {
	mark "check fail $why"
	finish
}

# --- per attach mode --------------------------------------------------------------

for mode in "${modes[@]}"; do
	t0=$SECONDS
	if ! mode_supported "$mode"; then
		mark "mode $mode n/a kernel lacks what the mode needs (spantap check)"
		continue
	fi
	progress "$mode: $pairs pairs of ${run_s}-s wrk runs (-t1 -c$conns), untraced then traced, and a run with BPF statistics"
	why=
	if bench_mode "$mode"; then
		mark "$mode_line"
		progress "$mode: done in $((SECONDS - t0)) s"
	else
		# a spantap or statistics run left behind
		if [ -n "$stats_orig" ]; then
			sysctl -q -w kernel.bpf_stats_enabled="$stats_orig" || true
			stats_orig=
		fi
		stop_pid "$sp_pid" INT
		stop_pid "$sp_wrap" TERM
		wait "$sp_wrap" 2>/dev/null || true
		sp_pid='' sp_wrap=''
		case $why in
		notbuilt\ *) mark "mode $mode notbuilt ${why#notbuilt }" ;;
		*) mark "mode $mode fail ${why:-unknown}" ;;
		esac
	fi
done
finish
