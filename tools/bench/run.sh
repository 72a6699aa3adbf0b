#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make bench: what tracing costs, measured on this machine in a few minutes.
#   tools/bench/run.sh [build/spantap]
#
# A private nginx on 127.0.0.1:18200 serves a small file; wrk and h2load load
# it from the same machine; spantap captures that port (both ends: the load
# generator's client span and nginx's server span per request). Figures:
#   1. overhead: untraced and traced runs interleaved (U T U T ...), ratios
#      per pair, medians reported: CPU per request, throughput, p99 latency;
#      and CPU per request again at a fixed rate (h2load --rps)
#   2. completeness: spans / (2 x requests nginx logged), every loss counter
#   3. ceiling: a rate ladder (h2load --rps) up to saturation, traced
#   4. kernel cost: BPF run time per program (kernel.bpf_stats_enabled=1),
#      in a run of its own, and events per request
#   5. agent cost: spantap's CPU per 100k spans and its peak RSS
#   6. userspace alone: spantap record, then spantap replay --repeat N
#   7. export: the same recording replayed into an OTLP sink (nginx answering
#      200): spans/s, CPU per 100k spans, bytes per span, gzip off and on
# It prints a table and writes it to build/bench/results.md (beside spantap).
# It exits 0 whatever the figures; non-zero only when it could not measure.
#
# Knobs (environment): BENCH_PAIRS (6) untraced/traced pairs, BENCH_RUN_S (8)
# seconds per wrk run, BENCH_STEP_S (4) seconds per ladder step,
# BENCH_FIXED_PAIRS (4) pairs at a fixed rate, BENCH_PORT (18200, within
# 18200-18299).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
spantap=${1:-build/spantap}
pairs=${BENCH_PAIRS:-6}
run_s=${BENCH_RUN_S:-8}
step_s=${BENCH_STEP_S:-4}
port=${BENCH_PORT:-18200}
conns=32 # wrk -t1 -c32, the issue's load
sink_port=$((port + 1)) # OTLP sink (nginx) for the export step
url=http://127.0.0.1:$port/small.html
outdir=$(dirname "$spantap")/bench
results=$outdir/results.md
tck=$(getconf CLK_TCK)
t_start=$SECONDS
# all CPUs' times from /proc/stat: user nice system idle iowait irq softirq steal
cpu_line() { awk '$1 == "cpu" { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9 }' /proc/stat; }
cpu_at_start=$(cpu_line)

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: cannot measure: %s\n' "$*" >&2
	exit 1
}

# --- preconditions -------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "spantap loads BPF programs: run as root (sudo make bench)"
[ -x "$spantap" ] || die "no $spantap: build it first (make)"
case $port in 182[0-9][0-9]) ;; *) die "BENCH_PORT must be within 18200-18299" ;; esac
"$here/../install-deps.sh" bench || say "some packages are missing (see above); going on with what is there"
for c in nginx:nginx-light wrk:wrk bpftool:bpftool jq:jq ss:iproute2 sysctl:procps; do
	command -v "${c%%:*}" >/dev/null ||
		die "${c%%:*} is missing: install the Debian package ${c#*:} (apt-get install ${c#*:})"
done
have_h2load=1
command -v h2load >/dev/null || have_h2load=0
[ -n "$(ss -Hltn "sport = :$port")" ] && die "port $port is in use; set BENCH_PORT to a free port in 18200-18299"

work=$(mktemp -d /tmp/spantap-bench.XXXXXX)
chmod 755 "$work"
mkdir -p "$outdir"

# --- cleanup: everything this script started, also on Ctrl-C ------------------

nginx_pid=
worker_pid=
sp_pid=     # spantap
sp_wrap=    # its wrapper (measures its CPU)
stats_orig=

pid_alive() {
	local s
	[ -r "/proc/$1/stat" ] || return 1
	s=$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$s" ] && [ "$s" != Z ] && [ "$s" != X ]
}

# stop_pid PID SIG: send SIG, wait up to 5 s, then SIGKILL
stop_pid() {
	local p=$1 i
	[ -n "$p" ] || return 0
	pid_alive "$p" || return 0
	kill "-$2" "$p" 2>/dev/null || true
	for i in $(seq 100); do
		pid_alive "$p" || return 0
		sleep 0.05
	done
	kill -KILL "$p" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$stats_orig" ]; then sysctl -q -w kernel.bpf_stats_enabled="$stats_orig" >/dev/null 2>&1 || true; fi
	stop_pid "$sp_pid" INT
	stop_pid "$sp_wrap" TERM
	# any load generator still running is a child of this shell
	local kids
	kids=$(pgrep -P $$ 2>/dev/null || true)
	for k in $kids; do
		[ "$k" = "$nginx_pid" ] && continue
		stop_pid "$k" TERM
	done
	stop_pid "$nginx_pid" TERM
	stop_pid "$worker_pid" KILL
	wait 2>/dev/null || true
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM

# --- measuring helpers ---------------------------------------------------------

# cpu_ticks PID...: utime+stime of these processes, in clock ticks
cpu_ticks() {
	local p f=()
	for p; do
		pid_alive "$p" || die "process $p ($(cat "/proc/$p/comm" 2>/dev/null || echo gone)) exited during the benchmark"
		f+=("/proc/$p/stat")
	done
	awk '{ sub(/^.*\) /, ""); s += $12 + $13 } END { print s + 0 }' "${f[@]}"
}

# cpuwrap: runs a command as its child and, when it ends, writes the child's
# utime+stime (from its own cutime+cstime) to STATFILE. With PIDFILE "-" the
# command runs in the foreground; else in the background, its pid in PIDFILE.
cat >"$work/cpuwrap.sh" <<'EOF'
#!/bin/bash
statf=$1 pidf=$2
shift 2
if [ "$pidf" = - ]; then
	"$@"
	s=$?
else
	"$@" &
	c=$!
	echo "$c" >"$pidf"
	wait "$c"
	s=$?
fi
awk '{ sub(/^.*\) /, ""); print $14 + $15 }' "/proc/$$/stat" >"$statf"
exit $s
EOF
chmod +x "$work/cpuwrap.sh"

log_lines() { wc -l <"$work/logs/access.log"; }

# settle: after the load ends, until nginx's access log stops growing (nginx
# logs each request when it has answered it), polled, at most 3 s
settle() {
	local prev=-1 n i
	for i in $(seq 60); do
		n=$(log_lines)
		[ "$n" = "$prev" ] && return 0
		prev=$n
		sleep 0.05
	done
}

# vm_hwm PID: peak RSS in KiB
vm_hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# spantap_start MODE ARGS...: starts `spantap MODE ARGS...` (capture or
# record) under cpuwrap; returns once it says it is capturing/recording.
# Sets sp_pid, sp_wrap, sp_c0 (its CPU ticks then: startup, not counted).
spantap_start() {
	rm -f "$work/sp.err" "$work/sp.pid" "$work/sp.cpu"
	"$work/cpuwrap.sh" "$work/sp.cpu" "$work/sp.pid" \
		"$spantap" "$@" >/dev/null 2>"$work/sp.err" </dev/null &
	sp_wrap=$!
	local i
	for i in $(seq 600); do
		if [ -s "$work/sp.pid" ] && grep -qE 'capturing|recording' "$work/sp.err" 2>/dev/null; then
			sp_pid=$(cat "$work/sp.pid")
			sp_c0=$(cpu_ticks "$sp_pid")
			return 0
		fi
		pid_alive "$sp_wrap" || break
		sleep 0.05
	done
	die "spantap $1 did not start; its stderr: $(cat "$work/sp.err" 2>/dev/null)"
}

# spantap_stop: SIGINT, wait (bounded) for it to drain and exit; sets
# sp_cpu (seconds of CPU after startup), sp_hwm (KiB); the counters are in
# $work/sp.err
spantap_stop() {
	sp_hwm=$(vm_hwm "$sp_pid")
	kill -INT "$sp_pid"
	local i st=0
	for i in $(seq 600); do
		pid_alive "$sp_wrap" || break
		sleep 0.05
	done
	pid_alive "$sp_wrap" && die "spantap did not exit within 30 s of SIGINT"
	wait "$sp_wrap" || st=$?
	sp_pid="" sp_wrap=""
	[ "$st" -eq 0 ] || die "spantap exited with status $st; its stderr: $(tail -5 "$work/sp.err")"
	[ -s "$work/sp.cpu" ] || die "no CPU figure for spantap"
	sp_cpu=$(awk -v t="$(cat "$work/sp.cpu")" -v c0="$sp_c0" -v k="$tck" 'BEGIN { printf "%.3f", (t - c0) / k }')
}

# counters FILE: every "key=value" of spantap's counter lines as
# "section.key value" lines (section: kernel, agent, http1)
counters() {
	awk '/^spantap: (kernel|agent|http1):/ {
		sec = $2; sub(/:$/, "", sec)
		line = $0; sub(/^spantap: [a-z0-9]+: /, "", line)
		n = split(line, kv, /, /)
		for (i = 1; i <= n; i++) { split(kv[i], p, "="); print sec "." p[1], p[2] }
	}' "$1"
}

counter() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$1"; }

# Volume counters, not losses: left out.
volume='^(kernel\.events|agent\.events|agent\.conns|http1\.spans|http1\.messages)$'
# Counters that are no loss of spans: copies cut at --max-bytes (bodies are
# skipped by length), connections idle for 5 min, requests still in flight
# when the load generator stopped (nginx logs them; they end as error spans).
# Every other counter (ringbuf_full, stream_gaps, ...) is a loss or anomaly.
info='^(kernel\.payload_truncated|agent\.conns_expired|http1\.unanswered_requests)$'
# nonzero COUNTERS-FILE RE-IN RE-OUT: "k=v, ..." of the nonzero counters
# matching RE-IN and not RE-OUT
nonzero() {
	awk -v a="$2" -v b="$3" '$1 ~ a && $1 !~ b && $2 != 0 { printf "%s%s=%s", sep, $1, $2; sep = ", " }' "$1"
}

# wrk_run OUT: wrk -t1 -c32 for run_s seconds, --latency, CPU in OUT.cpu
wrk_run() {
	"$work/cpuwrap.sh" "$1.cpu" - wrk -t1 -c"$conns" -d"${2:-$run_s}s" --latency "$url" >"$1" 2>&1 ||
		die "wrk failed: $(tail -3 "$1")"
}

wrk_rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
# p99 in microseconds
wrk_p99() {
	awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		m = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1000000 : 0
		printf "%.1f", v * m }' "$1"
}

# one load run, untraced (MODE=U) or traced (MODE=T); appends a row to runs.tsv
# columns: mode served rps p99_us nginx_cpu_s spantap_cpu_s wrk_cpu_s spans hwm_kib kernel_events
measure() {
	local mode=$1 i=$2 out=$work/wrk.$1.$2 n0 n1 served sp_c=0 spans=0 hwm=0 kev=0
	: >"$work/logs/access.log"
	[ "$mode" = T ] && spantap_start capture --port "$port" --output none
	n0=$(cpu_ticks "$nginx_pid" "$worker_pid")
	wrk_run "$out"
	settle
	n1=$(cpu_ticks "$nginx_pid" "$worker_pid")
	served=$(log_lines)
	if [ "$mode" = T ]; then
		spantap_stop
		cp "$work/sp.err" "$work/sp.T.$i.err"
		counters "$work/sp.err" >"$work/counters.T.$i"
		sp_c=$sp_cpu
		hwm=$sp_hwm
		spans=$(counter "$work/counters.T.$i" http1.spans)
		kev=$(counter "$work/counters.T.$i" kernel.events)
	fi
	[ "$served" -gt 0 ] || die "nginx served no request in a wrk run: $(tail -3 "$out")"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$served" "$(wrk_rps "$out")" \
		"$(wrk_p99 "$out")" "$(awk -v d=$((n1 - n0)) -v k="$tck" 'BEGIN { printf "%.2f", d / k }')" \
		"$sp_c" "$(awk -v t="$(cat "$out.cpu")" -v k="$tck" 'BEGIN { printf "%.2f", t / k }')" \
		"$spans" "$hwm" "$kev" >>"$work/runs.tsv"
	say "$(printf 'run %d %s: %s requests, %s req/s, p99 %s us' "$i" \
		"$([ "$mode" = T ] && echo traced || echo untraced)" "$served" "$(wrk_rps "$out")" "$(wrk_p99 "$out")")"
}

# pass VALUE OP TARGET: PASS or MISS
pass() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= t : v >= t; print ok ? "PASS" : "MISS" }'; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }

# --- the server ----------------------------------------------------------------

mkdir -p "$work/www" "$work/logs"
# 512 bytes: with nginx's ~240 bytes of headers a response fits in one
# --max-bytes (1024) copy
head -c 512 /dev/zero | tr '\0' 'x' >"$work/www/small.html"
chmod -R a+rX "$work/www"
cat >"$work/nginx.conf" <<EOF
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log;
events { worker_connections 1024; }
http {
	access_log $work/logs/access.log;
	keepalive_requests 1000000000;
	keepalive_timeout 300s;
	sendfile on;
	client_body_temp_path $work/logs;
	proxy_temp_path $work/logs;
	server {
		listen 127.0.0.1:$port;
		root $work/www;
	}
	# an OTLP sink for the export step: answers 200, reads and drops the body
	server {
		listen 127.0.0.1:$sink_port;
		access_log off;
		client_max_body_size 64m;
		location / { return 200; }
	}
}
EOF
nginx -e "$work/logs/error.log" -p "$work" -c "$work/nginx.conf" -g 'daemon off;' </dev/null &
nginx_pid=$!
for i in $(seq 200); do
	[ -n "$(ss -Hltn "sport = :$port")" ] && break
	pid_alive "$nginx_pid" || break
	sleep 0.05
done
[ -n "$(ss -Hltn "sport = :$port")" ] || die "nginx did not start: $(cat "$work/logs/error.log" 2>/dev/null)"
for i in $(seq 100); do
	worker_pid=$(pgrep -P "$nginx_pid" | head -1 || true)
	[ -n "$worker_pid" ] && break
	sleep 0.05
done
[ -n "$worker_pid" ] || die "nginx started no worker"
say "nginx (master $nginx_pid, worker $worker_pid) serves $url; $(nproc) cores, kernel $(uname -r)"

# --- 1, 2, 5: overhead, completeness, agent cost --------------------------------

# fail fast: spantap must start and stop cleanly before minutes of load
spantap_start capture --port "$port" --output none
spantap_stop
say "warm-up: 2 s of wrk, not counted"
wrk_run "$work/wrk.warm" 2
: >"$work/runs.tsv"
say "overhead: $pairs pairs of ${run_s}-s wrk runs (-t1 -c$conns), untraced then traced"
for i in $(seq "$pairs"); do
	measure U "$i"
	measure T "$i"
done

# per-run derived figures
awk -F'\t' '{ cpr = ($5 + $6) / $2 * 1e6; print $0 "\t" cpr }' "$work/runs.tsv" >"$work/runs2.tsv"
# per-pair ratios: traced / untraced (rows alternate U, T)
awk -F'\t' 'NR % 2 { u_cpr = $11; u_rps = $3; u_p99 = $4; u_wrk = $7 / $2; next }
	{ printf "%.4f\t%.4f\t%.4f\t%.4f\n", $11 / u_cpr, $3 / u_rps, $4 / u_p99, ($7 / $2) / u_wrk }' \
	"$work/runs2.tsv" >"$work/pairs.tsv"
r_cpr=$(cut -f1 "$work/pairs.tsv" | median)
r_rps=$(cut -f2 "$work/pairs.tsv" | median)
r_p99=$(cut -f3 "$work/pairs.tsv" | median)
r_wrk=$(cut -f4 "$work/pairs.tsv" | median)
rg_cpr=$(cut -f1 "$work/pairs.tsv" | minmax)
rg_rps=$(cut -f2 "$work/pairs.tsv" | minmax)
rg_p99=$(cut -f3 "$work/pairs.tsv" | minmax)
u_rps=$(awk -F'\t' '$1 == "U" { print $3 }' "$work/runs.tsv" | median)
t_rps=$(awk -F'\t' '$1 == "T" { print $3 }' "$work/runs.tsv" | median)
u_cpr=$(awk -F'\t' '$1 == "U" { print $11 }' "$work/runs2.tsv" | median)
t_cpr=$(awk -F'\t' '$1 == "T" { print $11 }' "$work/runs2.tsv" | median)
u_p99=$(awk -F'\t' '$1 == "U" { print $4 }' "$work/runs.tsv" | median)
t_p99=$(awk -F'\t' '$1 == "T" { print $4 }' "$work/runs.tsv" | median)
u_wrk=$(awk -F'\t' '$1 == "U" { print $7 / $2 * 1e6 }' "$work/runs.tsv" | median)
t_wrk=$(awk -F'\t' '$1 == "T" { print $7 / $2 * 1e6 }' "$work/runs.tsv" | median)
t_sp=$(awk -F'\t' '$1 == "T" { print $6 / $2 * 1e6 }' "$work/runs.tsv" | median)

# completeness over all traced runs
served_T=$(awk -F'\t' '$1 == "T" { s += $2 } END { print s }' "$work/runs.tsv")
spans_T=$(awk -F'\t' '$1 == "T" { s += $8 } END { print s }' "$work/runs.tsv")
kev_T=$(awk -F'\t' '$1 == "T" { s += $10 } END { print s }' "$work/runs.tsv")
compl=$(awk -v s="$spans_T" -v r="$served_T" 'BEGIN { printf "%.4f", s / (2 * r) }')
cat "$work"/counters.T.* | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort >"$work/counters.sum"
losses=$(nonzero "$work/counters.sum" . "$volume|$info")
infos=$(nonzero "$work/counters.sum" "$info" '^$')
compl_ok=0
[ "$spans_T" -eq $((2 * served_T)) ] && [ -z "$losses" ] && compl_ok=1
ev_per_req=$(awk -v e="$kev_T" -v r="$served_T" 'BEGIN { printf "%.2f", e / r }')

# agent cost
agent_cpu100k=$(awk -F'\t' '$1 == "T" && $8 > 0 { print $6 / $8 * 1e5 }' "$work/runs.tsv" | median)
agent_hwm=$(awk -F'\t' '$1 == "T" && $9 > m { m = $9 } END { printf "%.1f", m / 1024 }' "$work/runs.tsv")
spans_per_run=$(awk -F'\t' '$1 == "T" { print $8 }' "$work/runs.tsv" | median)

# --- 1b: CPU per request at a fixed rate ---------------------------------------
# Under wrk nginx's worker is CPU-bound (a full core in every run), so its CPU
# per request is also 1 / throughput, and batching changes with throughput.
# At a fixed rate both runs serve the same requests and nginx is not
# saturated: the CPU added per request, nothing else.

fixed_pairs=${BENCH_FIXED_PAIRS:-4}
: >"$work/fixed.tsv"
if [ $have_h2load -eq 1 ]; then
	fixed_rps=$(awk -v u="$u_rps" -v c="$conns" 'BEGIN { r = int(u * 0.5 / c + 0.5); print (r < 1 ? 1 : r) }')
	fixed_rate=$((fixed_rps * conns))
	say "fixed rate: $fixed_pairs pairs of ${step_s}-s h2load runs at $fixed_rate req/s (half the untraced wrk rate)"
	for i in $(seq "$fixed_pairs"); do
		for mode in U T; do
			: >"$work/logs/access.log"
			sp_c=0
			[ "$mode" = T ] && spantap_start capture --port "$port" --output none
			n0=$(cpu_ticks "$nginx_pid" "$worker_pid")
			h2load --h1 -t1 -c"$conns" --rps "$fixed_rps" -D "$step_s" "$url" >"$work/h2load.fixed" 2>&1 ||
				die "h2load failed: $(tail -3 "$work/h2load.fixed")"
			settle
			n1=$(cpu_ticks "$nginx_pid" "$worker_pid")
			served=$(log_lines)
			if [ "$mode" = T ]; then
				spantap_stop
				sp_c=$sp_cpu
			fi
			[ "$served" -gt 0 ] || die "nginx served no request at the fixed rate: $(tail -3 "$work/h2load.fixed")"
			printf '%s\t%s\t%s\t%s\n' "$mode" "$served" "$(awk -v d=$((n1 - n0)) -v k="$tck" 'BEGIN { printf "%.2f", d / k }')" \
				"$sp_c" >>"$work/fixed.tsv"
		done
	done
	awk -F'\t' '{ print $0 "\t" ($3 + $4) / $2 * 1e6 }' "$work/fixed.tsv" >"$work/fixed2.tsv"
	f_ratio=$(awk -F'\t' 'NR % 2 { u = $5; next } { printf "%.4f\n", $5 / u }' "$work/fixed2.tsv" | median)
	f_range=$(awk -F'\t' 'NR % 2 { u = $5; next } { printf "%.4f\n", $5 / u }' "$work/fixed2.tsv" | minmax)
	f_u=$(awk -F'\t' '$1 == "U" { print $5 }' "$work/fixed2.tsv" | median)
	f_t=$(awk -F'\t' '$1 == "T" { print $5 }' "$work/fixed2.tsv" | median)
	f_served_u=$(awk -F'\t' '$1 == "U" { print $2 }' "$work/fixed2.tsv" | median)
	f_served_t=$(awk -F'\t' '$1 == "T" { print $2 }' "$work/fixed2.tsv" | median)
	say "fixed rate: CPU per request $(fmt "$f_u" %.1f) -> $(fmt "$f_t" %.1f) us, ratio $(fmt "$f_ratio" %.3f)"
fi

# --- 4: kernel cost, a run of its own with BPF run-time statistics -------------

say "kernel cost: one ${run_s}-s traced wrk run with kernel.bpf_stats_enabled=1"
stats_orig=$(sysctl -n kernel.bpf_stats_enabled)
: >"$work/logs/access.log"
spantap_start capture --port "$port" --output none
# spantap's programs: the prog_id of every BPF fd it holds
prog_ids=$(grep -h '^prog_id:' /proc/"$sp_pid"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -un | paste -sd, -)
[ -n "$prog_ids" ] || die "cannot find spantap's BPF programs in /proc/$sp_pid/fdinfo"
# enabled only now: the counters then hold the load and little else
sysctl -q -w kernel.bpf_stats_enabled=1
bpftool prog show --json >"$work/progs0.json"
wrk_run "$work/wrk.stats"
settle
bpftool prog show --json >"$work/progs1.json"
sysctl -q -w kernel.bpf_stats_enabled="$stats_orig"
stats_orig=
served_S=$(log_lines)
spantap_stop
jq -r --arg ids "$prog_ids" --slurpfile a "$work/progs0.json" '
	($ids | split(",") | map(tonumber)) as $want
	| ($a[0] | map({key: (.id | tostring), value: .}) | from_entries) as $before
	| .[] | select(.id as $i | $want | index($i))
	| [.name, ((.run_cnt // 0) - ($before[.id | tostring].run_cnt // 0)),
	   ((.run_time_ns // 0) - ($before[.id | tostring].run_time_ns // 0))] | @tsv' \
	"$work/progs1.json" >"$work/progstats.tsv"
bpf_total_ns_req=$(awk -F'\t' -v r="$served_S" '{ t += $3 } END { printf "%.0f", t / r }' "$work/progstats.tsv")
bpf_runs_req=$(awk -F'\t' -v r="$served_S" '{ c += $2 } END { printf "%.1f", c / r }' "$work/progstats.tsv")

# --- 3: ceiling, a rate ladder -------------------------------------------------

: >"$work/ladder.tsv"
ceil_ok="" ceil_loss="" ceil_sat=0
if [ $have_h2load -eq 1 ]; then
	say "ceiling: h2load --h1 -c$conns --rps ladder, ${step_s}-s traced steps"
	# offered rates as fractions of the untraced wrk throughput; the last steps
	# are beyond what the machine serves traced (saturation)
	for f in 0.25 0.5 0.75 1.0 1.25 1.5; do
		rps=$(awk -v u="$u_rps" -v f="$f" -v c="$conns" 'BEGIN { r = int(u * f / c + 0.5); print (r < 1 ? 1 : r) }')
		offered=$((rps * conns))
		: >"$work/logs/access.log"
		spantap_start capture --port "$port" --output none
		h2load --h1 -t1 -c"$conns" --rps "$rps" -D "$step_s" "$url" >"$work/h2load.$f" 2>&1 ||
			die "h2load failed: $(tail -3 "$work/h2load.$f")"
		settle
		served=$(log_lines)
		spantap_stop
		[ "$served" -gt 0 ] || die "nginx served no request in a ladder step: $(tail -3 "$work/h2load.$f")"
		counters "$work/sp.err" >"$work/counters.L.$f"
		spans=$(counter "$work/counters.L.$f" http1.spans)
		loss=$(nonzero "$work/counters.L.$f" . "$volume|$info")
		achieved=$(awk -v s="$served" -v d="$step_s" 'BEGIN { printf "%.0f", s / d }')
		ok=1
		{ [ "$spans" -eq $((2 * served)) ] && [ -z "$loss" ]; } || ok=0
		# saturated: the machine served less than 90 % of the offered rate
		sat=$(awk -v a="$achieved" -v o="$offered" 'BEGIN { print (a < 0.9 * o) ? 1 : 0 }')
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$offered" "$achieved" "$served" "$spans" "$ok" "${loss:--}" "$sat" >>"$work/ladder.tsv"
		say "step offered $offered req/s: served $achieved req/s$([ "$sat" = 1 ] && echo ' (saturated)'), spans $spans / $((2 * served)), ${loss:-no loss}"
		if [ $ok -eq 1 ]; then
			# the highest served rate among complete steps (past saturation
			# the served rate can fall as the offered rate grows)
			if [ -z "$ceil_ok" ] || [ "$achieved" -gt "$ceil_ok" ]; then
				ceil_ok=$achieved
			fi
			[ "$sat" = 1 ] && ceil_sat=1
		else
			ceil_loss=$achieved
			break
		fi
	done
fi

# --- 6: userspace alone, record and replay --------------------------------------

replay_ok=0
if "$spantap" help 2>&1 | grep -qw record && "$spantap" help 2>&1 | grep -qw replay; then
	say "userspace alone: spantap record 3 s of the wrk load, then spantap replay"
	spantap_start record "$work/load.rec" --port "$port"
	wrk_run "$work/wrk.rec" 3
	settle
	spantap_stop
	rec_events=$(awk '/recorded [0-9]+ events/ { for (i = 1; i <= NF; i++) if ($i == "recorded") print $(i + 1) }' "$work/sp.err")
	[ -n "$rec_events" ] || rec_events=$(counter <(counters "$work/sp.err") kernel.events)
	[ "${rec_events:-0}" -gt 0 ] || die "spantap record wrote no events: $(tail -3 "$work/sp.err")"
	# about 5 M events per replay, 3 replays, the median reported
	repeat=$(awk -v e="$rec_events" 'BEGIN { n = int(5e6 / e + 0.999); print (n < 1 ? 1 : n > 200 ? 200 : n) }')
	: >"$work/replay.tsv"
	for i in 1 2 3; do
		"$work/cpuwrap.sh" "$work/replay.cpu" - "$spantap" replay "$work/load.rec" --repeat "$repeat" \
			>/dev/null 2>"$work/replay.err" || die "spantap replay failed: $(tail -3 "$work/replay.err")"
		line=$(grep '^replay:' "$work/replay.err" || true)
		[ -n "$line" ] || die "spantap replay printed no 'replay:' line: $(tail -3 "$work/replay.err")"
		# replay: E events, S spans, T s: X events/s, Y spans/s
		awk -v cpu="$(cat "$work/replay.cpu")" -v k="$tck" '{
			gsub(/[,:]/, ""); print $2, $4, $6, $8, $10, $2 / (cpu / k) }' <<<"$line" >>"$work/replay.tsv"
	done
	replay_evs=$(cut -d' ' -f4 "$work/replay.tsv" | median)
	replay_sps=$(cut -d' ' -f5 "$work/replay.tsv" | median)
	replay_evcpu=$(cut -d' ' -f6 "$work/replay.tsv" | median)
	replay_events=$(head -1 "$work/replay.tsv" | cut -d' ' -f1)
	replay_ok=1
fi

# --- 7: export, the recording replayed into an OTLP/HTTP sink ---------------------

export_ok=0
if [ $replay_ok -eq 1 ] && "$spantap" replay --help 2>&1 | grep -q -- --otlp-endpoint; then
	say "export: spantap replay into an OTLP/HTTP sink (nginx answering 200), gzip off and on"
	: >"$work/export.tsv"
	for comp in none gzip none gzip none gzip; do
		"$spantap" replay "$work/load.rec" --otlp-endpoint "http://127.0.0.1:$sink_port" \
			--otlp-compression "$comp" >/dev/null 2>"$work/export.err" ||
			die "spantap replay with export failed: $(tail -3 "$work/export.err")"
		# replay: E events, S spans, T s: X events/s, Y spans/s
		# replay: cpu U s user, S s system (all threads)
		# spantap: otlp: queued=.., sent=N, requests=.., bytes=B, ...
		awk -v comp="$comp" '
			/^replay: [0-9]+ events/ { gsub(/[,:]/, ""); spans = $4; sps = $10 }
			/^replay: cpu/ { cpu = $3 + $6 }
			/^spantap: otlp:/ {
				for (i = 1; i <= NF; i++) {
					split($i, kv, "="); gsub(/,/, "", kv[2])
					if (kv[1] == "sent") sent = kv[2]
					if (kv[1] == "bytes") bytes = kv[2]
					if (kv[1] == "dropped") dropped = kv[2]
				}
			}
			END { print comp, sps, cpu / spans * 100000, bytes / sent, sent, dropped }' \
			"$work/export.err" >>"$work/export.tsv"
	done
	for comp in none gzip; do
		grep "^$comp " "$work/export.tsv" >"$work/export-$comp.tsv"
		printf -v "exp_sps_$comp" '%s' "$(cut -d' ' -f2 "$work/export-$comp.tsv" | median)"
		printf -v "exp_cpu_$comp" '%s' "$(cut -d' ' -f3 "$work/export-$comp.tsv" | median)"
		printf -v "exp_bps_$comp" '%s' "$(cut -d' ' -f4 "$work/export-$comp.tsv" | median)"
	done
	exp_dropped=$(awk '{ s += $6 } END { print s + 0 }' "$work/export.tsv")
	exp_spans=$(head -1 "$work/export.tsv" | cut -d' ' -f5)
	export_ok=1
fi

# --- the table -----------------------------------------------------------------


rows=$work/rows.tsv
: >"$rows"
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"; }

row "CPU per request, traced / untraced" "$(fmt "$r_cpr" %.3f)" "<= 1.15" "$(pass "$r_cpr" '<=' 1.15)" \
	"nginx (master+worker utime+stime from /proc, includes the BPF programs) + spantap CPU after startup, per request nginx logged; median of $pairs interleaved pairs (range $rg_cpr); $(fmt "$u_cpr" %.1f) -> $(fmt "$t_cpr" %.1f) us/request, of which spantap $(fmt "$t_sp" %.1f)"
if [ -s "$work/fixed.tsv" ]; then
	row "CPU per request at a fixed rate, traced / untraced" "$(fmt "$f_ratio" %.3f)" "-" "info" \
		"same CPU as above, h2load --h1 -t1 -c$conns --rps at $fixed_rate req/s (half the untraced wrk rate; served $f_served_u -> $f_served_t requests per ${step_s}-s run), nginx not saturated; median of $fixed_pairs interleaved pairs (range $f_range); $(fmt "$f_u" %.1f) -> $(fmt "$f_t" %.1f) us/request"
fi
row "Throughput, traced / untraced" "$(fmt "$r_rps" %.3f)" ">= 0.95" "$(pass "$r_rps" '>=' 0.95)" \
	"wrk -t1 -c$conns -d${run_s}s keep-alive Requests/sec; median of pair ratios (range $rg_rps); $(fmt "$u_rps" %.0f) -> $(fmt "$t_rps" %.0f) req/s"
row "p99 latency, traced / untraced" "$(fmt "$r_p99" %.3f)" "-" "info" \
	"wrk --latency 99th percentile; median of pair ratios (range $rg_p99); $(fmt "$u_p99" %.0f) -> $(fmt "$t_p99" %.0f) us"
row "wrk CPU per request, traced / untraced" "$(fmt "$r_wrk" %.3f)" "-" "info" \
	"the load generator is traced too (same port); $(fmt "$u_wrk" %.1f) -> $(fmt "$t_wrk" %.1f) us/request; not part of CPU per request"
row "Completeness at full load" "$compl" "1.000" "$([ $compl_ok -eq 1 ] && echo PASS || echo MISS)" \
	"spans / (2 x requests in nginx's access log), all $pairs traced runs: $spans_T / $((2 * served_T))"
row "Loss counters at full load" "${losses:-all 0}" "all 0" "$([ -z "$losses" ] && echo PASS || echo MISS)" \
	"sum over the traced runs of every kernel/agent/http1 counter but the volumes (events, conns, spans, messages) and those below"
row "Other counters at full load" "${infos:-all 0}" "-" "info" \
	"no loss: payload_truncated (a copy cut at --max-bytes 1024), conns_expired (idle 5 min), unanswered_requests (in flight when wrk stopped: nginx logged them, wrk closed first; they still get spans, as errors)"
if [ $have_h2load -eq 1 ]; then
	row "Ceiling: highest complete rate" "${ceil_ok:-none} req/s$([ "$ceil_sat" = 1 ] && echo ' (saturated)')" "-" "info" \
		"h2load --h1 -t1 -c$conns --rps ladder (offered 0.25-1.5 x untraced wrk rate), ${step_s}-s traced steps; rate = requests nginx logged / s"
	if [ -n "$ceil_loss" ]; then
		first_loss="$ceil_loss req/s"
	elif [ "$ceil_sat" = 1 ]; then
		first_loss="none, up to saturation"
	else
		first_loss="none up to $ceil_ok req/s (the ladder's top)"
	fi
	row "Ceiling: first rate with loss" "$first_loss" "-" "info" \
		"loss = spans != 2 x logged requests or any loss counter; see the ladder below"
else
	row "Ceiling" "not available" "-" "-" "needs h2load: install the Debian package nghttp2-client"
fi
row "Kernel: BPF time per request" "$bpf_total_ns_req ns" "-" "info" \
	"sum of run_time_ns of spantap's programs / requests, separate ${run_s}-s run with kernel.bpf_stats_enabled=1 (both ends; $bpf_runs_req program runs per request); per program below"
row "Kernel: events per request" "$ev_per_req" "-" "info" \
	"kernel events= / requests nginx logged, traced runs (both ends of each request)"
row "Agent CPU per 100k spans" "$(fmt "$agent_cpu100k" %.3f) s" "<= 0.5 s" "$(pass "$agent_cpu100k" '<=' 0.5)" \
	"spantap utime+stime after startup (incl. drain) / spans, median of the traced runs (~$spans_per_run spans each)"
row "Agent peak RSS" "$agent_hwm MiB" "-" "info" \
	"largest VmHWM of spantap over the traced runs (16 MiB ring buffer included)"
if [ $replay_ok -eq 1 ]; then
	row "Replay events/s per core" "$(fmt "$replay_evs" %.0f)" ">= 1000000" "$(pass "$replay_evs" '>=' 1000000)" \
		"spantap replay --repeat $repeat of a 3-s recording of the wrk load ($rec_events events, $replay_events per replay run), single-threaded; median of 3 runs; events per CPU-second of replay: $(fmt "$replay_evcpu" %.0f)"
	row "Replay spans/s per core" "$(fmt "$replay_sps" %.0f)" "-" "info" "same replays"
else
	row "Replay events/s per core" "not available" ">= 1000000" "-" "spantap has no record/replay subcommands yet"
fi
if [ $export_ok -eq 1 ]; then
	row "Export spans/s (protobuf)" "$(fmt "$exp_sps_none" %.0f)" "-" "info" \
		"spantap replay of the recording with --otlp-endpoint to an nginx sink answering 200 ($exp_spans spans per run, batches of 512, one connection); median of 3; whole replay: parsing + encoding + HTTP; dropped over all runs: $exp_dropped"
	row "Export CPU per 100k spans (protobuf)" "$(fmt "$exp_cpu_none" %.3f) s" "-" "info" \
		"spantap user+system, all threads, same runs (includes the pipeline: see replay above); $(fmt "$exp_bps_none" %.0f) bytes/span on the wire"
	row "Export spans/s (protobuf + gzip)" "$(fmt "$exp_sps_gzip" %.0f)" "-" "info" \
		"as above with --otlp-compression gzip; CPU per 100k spans $(fmt "$exp_cpu_gzip" %.3f) s, $(fmt "$exp_bps_gzip" %.0f) bytes/span on the wire"
fi

md_table() {
	echo "| metric | value | target | result | how measured |"
	echo "|---|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$rows"
}

elapsed=$((SECONDS - t_start))
# time the hypervisor ran something else on our CPUs: a noise indicator
steal_pct=$(awk -v a="$cpu_at_start" -v b="$(cpu_line)" 'BEGIN { split(a, x, " "); split(b, y, " ")
	t = y[1] - x[1]; printf "%.1f", (t > 0 ? 100 * (y[2] - x[2]) / t : 0) }')
{
	echo "# spantap benchmark results"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, kernel $(uname -r), $("$spantap" version 2>/dev/null | head -1), ${elapsed} s, CPU steal during the run ${steal_pct} %"
	echo
	md_table
	echo
	echo "## Runs (wrk -t1 -c$conns -d${run_s}s, interleaved untraced U / traced T)"
	echo
	echo "| run | requests | req/s | p99 us | nginx CPU s | spantap CPU s | wrk CPU s | spans | CPU us/request |"
	echo "|---|---|---|---|---|---|---|---|---|"
	awk -F'\t' '$1 == "U" { $6 = "-"; $8 = "-" }
		{ printf "| %s%d | %s | %s | %s | %s | %s | %s | %s | %.2f |\n", $1, int((NR + 1) / 2), $2, $3, $4, $5, $6, $7, $8, $11 }' "$work/runs2.tsv"
	echo
	if [ -s "$work/fixed.tsv" ]; then
		echo "## Fixed rate ($fixed_rate req/s offered, h2load, ${step_s}-s runs, interleaved U / T)"
		echo
		echo "| run | requests | nginx CPU s | spantap CPU s | CPU us/request |"
		echo "|---|---|---|---|---|"
		awk -F'\t' '$1 == "U" { $4 = "-" } { printf "| %s%d | %s | %s | %s | %.2f |\n", $1, int((NR + 1) / 2), $2, $3, $4, $5 }' "$work/fixed2.tsv"
		echo
	fi
	echo "## Rate ladder (h2load, traced)"
	echo
	if [ -s "$work/ladder.tsv" ]; then
		echo "| offered req/s | served req/s | saturated | requests | spans | complete | losses |"
		echo "|---|---|---|---|---|---|---|"
		awk -F'\t' '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $7 ? "yes" : "no", $3, $4, $5 ? "yes" : "no", $6 }' "$work/ladder.tsv"
	else
		echo "not run (no h2load: install nghttp2-client)"
	fi
	echo
	echo "## BPF programs ($served_S requests, kernel.bpf_stats_enabled=1)"
	echo
	echo "| program | runs | avg ns/run | runs/request | ns/request |"
	echo "|---|---|---|---|---|"
	sort -t$'\t' -k3,3gr "$work/progstats.tsv" | awk -F'\t' -v r="$served_S" '$2 > 0 {
		printf "| %s | %d | %.0f | %.2f | %.0f |\n", $1, $2, $3 / $2, $2 / r, $3 / r }'
} >"$results"

# terminal: the main table, columns aligned; the details are in results.md
echo
awk -F'\t' 'BEGIN { h[1] = "metric"; h[2] = "value"; h[3] = "target"; h[4] = "result" }
	{ for (i = 1; i <= 4; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } how[NR] = $5 }
	END {
		for (i = 1; i <= 4; i++) if (length(h[i]) > w[i]) w[i] = length(h[i])
		fmt = "%-" w[1] "s  %-" w[2] "s  %-" w[3] "s  %-" w[4] "s\n"
		printf fmt, h[1], h[2], h[3], h[4]
		for (r = 1; r <= NR; r++) {
			printf fmt, c[r, 1], c[r, 2], c[r, 3], c[r, 4]
			printf "    how: %s\n", how[r]
		}
	}' "$rows"
echo
echo "bench: ${elapsed} s (CPU steal ${steal_pct} %); table, per-run figures, ladder and per-program BPF times in $results"
