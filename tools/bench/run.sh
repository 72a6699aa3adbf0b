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
#   1b. the server's side only: CPU per request under --comm nginx, pairs
#   2. completeness: spans / (2 x requests nginx logged), every loss counter
#   3. ceiling: a rate ladder (h2load --rps) up to saturation, traced
#   4. kernel cost: BPF run time per program (kernel.bpf_stats_enabled=1),
#      in a run of its own, and events per request
#   5. agent cost: spantap's CPU per 100k spans and its peak RSS
#   6. userspace alone: spantap record, then spantap replay --repeat N
#   7. export: the same recording replayed into an OTLP sink (nginx answering
#      200): spans/s, CPU per 100k spans, bytes per span, gzip off and on
#   8. https: a second private nginx serving the file over TLS on port+20
#      (18220), wrk https, untraced and traced pairs as in 1: CPU per request,
#      throughput, p99, completeness, loss counters; one traced run with BPF
#      statistics for the OpenSSL uprobe programs
# It prints a table and writes it to build/bench/results.md (beside spantap).
# It exits 0 whatever the figures; non-zero only when it could not measure.
#
# Knobs (environment): BENCH_PAIRS (6) untraced/traced pairs, BENCH_RUN_S (8)
# seconds per wrk run, BENCH_STEP_S (4) seconds per ladder step,
# BENCH_FIXED_PAIRS (4) pairs at a fixed rate, BENCH_SERVER_PAIRS (4) and
# BENCH_FLOOR_PAIRS (4) pairs of those steps, BENCH_TLS_PAIRS (4) pairs of
# the https step, BENCH_PORT (18200, within 18200-18279: the https step uses
# BENCH_PORT + 20), BENCH_STEPS (all) the steps to run, a comma list of
# overhead (1, 2, 5), fixed (1's fixed rate), server (1b), ceiling (3),
# kernel (4), floor (4b), replay (6), export (7), https (8); fixed and
# ceiling bring overhead along
# (they use its untraced rate), export brings replay (its recording).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
spantap=${1:-build/spantap}
pairs=${BENCH_PAIRS:-6}
run_s=${BENCH_RUN_S:-8}
step_s=${BENCH_STEP_S:-4}
tls_pairs=${BENCH_TLS_PAIRS:-4}
port=${BENCH_PORT:-18200}
conns=32 # wrk -t1 -c32, the issue's load
sink_port=$((port + 1)) # OTLP sink (nginx) for the export step
tls_port=$((port + 20)) # the https step's nginx
url=http://127.0.0.1:$port/small.html
tls_url=https://127.0.0.1:$tls_port/small.html
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

# --- the steps to run (BENCH_STEPS) ----------------------------------------------

steps_all=overhead,fixed,server,ceiling,kernel,floor,replay,export,https
steps=${BENCH_STEPS:-all}
[ "$steps" = all ] && steps=$steps_all
for s in ${steps//,/ }; do
	case ",$steps_all," in *",$s,"*) ;; *) die "BENCH_STEPS: no step '$s' (steps: $steps_all, or all)" ;; esac
done
want() { case ",$steps," in *",$1,"*) return 0 ;; esac; return 1; }
# need STEP OTHER: STEP uses OTHER's figures or files, so OTHER runs too
need() {
	if want "$1" && ! want "$2"; then
		say "step $1 needs step $2: running it too"
		steps=$steps,$2
	fi
}
need fixed overhead   # a fraction of the untraced wrk rate
need ceiling overhead # the same
need export replay    # replays its recording
plain=0 # a step loading the plain nginx
for s in overhead fixed server ceiling kernel floor replay export; do want $s && plain=1; done

# --- preconditions -------------------------------------------------------------

[ "$(id -u)" -eq 0 ] || die "spantap loads BPF programs: run as root (sudo make bench)"
[ -x "$spantap" ] || die "no $spantap: build it first (make)"
case $port in 182[0-9][0-9]) ;; *) die "BENCH_PORT must be within 18200-18299" ;; esac
"$here/../install-deps.sh" bench || say "some packages are missing (see above); going on with what is there"
needs=(nginx:nginx-light wrk:wrk bpftool:bpftool jq:jq ss:iproute2 sysctl:procps)
want https && needs+=(openssl:openssl)
for c in "${needs[@]}"; do
	command -v "${c%%:*}" >/dev/null ||
		die "${c%%:*} is missing: install the Debian package ${c#*:} (apt-get install ${c#*:})"
done
have_h2load=1
command -v h2load >/dev/null || have_h2load=0
if [ $plain -eq 1 ] && [ -n "$(ss -Hltn "sport = :$port")" ]; then
	die "port $port is in use; set BENCH_PORT to a free port in 18200-18299"
fi
if want https; then
	[ "$tls_port" -le 18299 ] || die "the https step uses BENCH_PORT + 20 ($tls_port): BENCH_PORT must be within 18200-18279"
	[ -z "$(ss -Hltn "sport = :$tls_port")" ] || die "port $tls_port (BENCH_PORT + 20, https) is in use; set BENCH_PORT"
fi

work=$(mktemp -d /tmp/spantap-bench.XXXXXX)
chmod 755 "$work"
mkdir -p "$outdir"

# --- cleanup: everything this script started, also on Ctrl-C ------------------

nginx_pids=() # every nginx master started (nginx_start)
nginx_workers=()
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
		case " ${nginx_pids[*]} " in *" $k "*) continue ;; esac
		stop_pid "$k" TERM
	done
	for k in "${nginx_pids[@]}"; do stop_pid "$k" TERM; done
	for k in "${nginx_workers[@]}"; do stop_pid "$k" KILL; done
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

# the load target: the plain nginx (steps 1-7) or the TLS one (step 8)
# use_target plain|tls: sets tgt_url, tgt_port, tgt_pids (nginx master and
# worker), alog (its access log)
use_target() {
	case $1 in
	plain) tgt_url=$url tgt_port=$port tgt_pids=("$plain_pid" "$plain_worker") ;;
	tls) tgt_url=$tls_url tgt_port=$tls_port tgt_pids=("$tls_pid" "$tls_worker") ;;
	esac
	alog=$work/logs/$1.access.log
}

log_lines() { wc -l <"$alog"; }

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

# Volume counters, not losses: left out (tls_conns, conns_tls: connections
# found to be TLS, by the kernel and by the agent).
volume='^(kernel\.events|kernel\.tls_conns|agent\.events|agent\.conns|agent\.conns_tls|http1\.spans|http1\.messages)$'
# Counters that are no loss of spans: copies cut at --max-bytes (bodies are
# skipped by length), connections idle for 5 min, requests still in flight
# when the load generator stopped (nginx logs them; they end as error spans),
# ciphertext read or written before the connection was known to be TLS
# (never parsed; its plaintext comes from the uprobes).
# Every other counter (ringbuf_full, stream_gaps, tls_no_socket, ...) is a
# loss or anomaly.
info='^(kernel\.payload_truncated|agent\.conns_expired|agent\.tls_ciphertext_ignored|http1\.unanswered_requests)$'
# nonzero COUNTERS-FILE RE-IN RE-OUT: "k=v, ..." of the nonzero counters
# matching RE-IN and not RE-OUT
nonzero() {
	awk -v a="$2" -v b="$3" '$1 ~ a && $1 !~ b && $2 != 0 { printf "%s%s=%s", sep, $1, $2; sep = ", " }' "$1"
}

# wrk_run OUT [S]: wrk -t1 -c32 on the target for S (run_s) seconds,
# --latency, CPU in OUT.cpu
wrk_run() {
	"$work/cpuwrap.sh" "$1.cpu" - wrk -t1 -c"$conns" -d"${2:-$run_s}s" --latency "$tgt_url" >"$1" 2>&1 ||
		die "wrk failed: $(tail -3 "$1")"
}

wrk_rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }
# p99 in microseconds
wrk_p99() {
	awk '$1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
		m = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1000000 : 0
		printf "%.1f", v * m }' "$1"
}

# pass VALUE OP TARGET: PASS or MISS
pass() { awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN { ok = (op == "<=") ? v <= t : v >= t; print ok ? "PASS" : "MISS" }'; }
fmt() { awk -v v="$1" -v f="$2" 'BEGIN { printf f, v }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }

# med FILE MODE EXPR: the median over the runs of MODE (U or T) in FILE
# (runs2.TAG.tsv) of the awk expression EXPR of their columns
med() { awk -F'\t' -v m="$2" '$1 == m { print '"$3"' }' "$1" | median; }

# measure MODE I TAG: one wrk run on the target, untraced (MODE=U) or traced
# (MODE=T); appends a row to runs.TAG.tsv, columns: mode served rps p99_us
# nginx_cpu_s spantap_cpu_s wrk_cpu_s spans hwm_kib kernel_events; a traced
# run's counters in counters.TAG.T.I
measure() {
	local mode=$1 i=$2 t=$3 out=$work/wrk.$3.$1.$2 n0 n1 served sp_c=0 spans=0 hwm=0 kev=0
	: >"$alog"
	[ "$mode" = T ] && spantap_start capture --port "$tgt_port" --output none
	n0=$(cpu_ticks "${tgt_pids[@]}")
	wrk_run "$out"
	settle
	n1=$(cpu_ticks "${tgt_pids[@]}")
	served=$(log_lines)
	if [ "$mode" = T ]; then
		spantap_stop
		cp "$work/sp.err" "$work/sp.$t.T.$i.err"
		counters "$work/sp.err" >"$work/counters.$t.T.$i"
		sp_c=$sp_cpu
		hwm=$sp_hwm
		spans=$(counter "$work/counters.$t.T.$i" http1.spans)
		kev=$(counter "$work/counters.$t.T.$i" kernel.events)
	fi
	[ "$served" -gt 0 ] || die "nginx served no request in a wrk run: $(tail -3 "$out")"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$mode" "$served" "$(wrk_rps "$out")" \
		"$(wrk_p99 "$out")" "$(awk -v d=$((n1 - n0)) -v k="$tck" 'BEGIN { printf "%.2f", d / k }')" \
		"$sp_c" "$(awk -v t="$(cat "$out.cpu")" -v k="$tck" 'BEGIN { printf "%.2f", t / k }')" \
		"$spans" "$hwm" "$kev" >>"$work/runs.$t.tsv"
	say "$(printf 'run %d %s: %s requests, %s req/s, p99 %s us' "$i" \
		"$([ "$mode" = T ] && echo traced || echo untraced)" "$served" "$(wrk_rps "$out")" "$(wrk_p99 "$out")")"
}

# Figures of the steps, by "TAG.name" (TAG: plain or tls, the target).
declare -A fig

# run_pairs TAG N: N pairs of wrk runs on the target, untraced then traced
# (U T U T ...), then their figures (pair_figures)
run_pairs() {
	local i
	: >"$work/runs.$1.tsv"
	for i in $(seq "$2"); do
		measure U "$i" "$1"
		measure T "$i" "$1"
	done
	pair_figures "$1"
}

# pair_figures TAG: from runs.TAG.tsv, into fig[TAG.*]:
#   r.X, rg.X     median and range of the per-pair ratios traced / untraced
#                 of X: cpr (CPU per request), rps, p99, wrk (its CPU per
#                 request)
#   U.X, T.X      medians of the untraced and traced runs' own figures
#   added         median of the per-pair CPU per request added to nginx and
#                 wrk (us), spantap's left out
#   served spans kev compl compl_ok ev_per_req, over the traced runs
#   losses infos volumes   nonzero counters summed over the traced runs
#   agent_cpu100k agent_hwm spans_per_run
# shellcheck disable=SC2016 # med's awk expressions, in single quotes
pair_figures() {
	local t=$1 r2=$work/runs2.$1.tsv pr=$work/pairs.$1.tsv c m
	# per run: CPU per request (nginx + spantap), us
	awk -F'\t' '{ cpr = ($5 + $6) / $2 * 1e6; print $0 "\t" cpr }' "$work/runs.$t.tsv" >"$r2"
	# per pair: traced / untraced (rows alternate U, T); and traced - untraced
	# CPU per request of nginx and wrk (the processes the BPF programs run
	# in), us
	awk -F'\t' 'NR % 2 { u_cpr = $11; u_rps = $3; u_p99 = $4; u_wrk = $7 / $2; u_nw = ($5 + $7) / $2; next }
		{ printf "%.4f\t%.4f\t%.4f\t%.4f\t%.2f\n", $11 / u_cpr, $3 / u_rps, $4 / u_p99, ($7 / $2) / u_wrk,
			(($5 + $7) / $2 - u_nw) * 1e6 }' \
		"$r2" >"$pr"
	for c in 1:cpr 2:rps 3:p99 4:wrk; do
		fig[$t.r.${c#*:}]=$(cut -f"${c%%:*}" "$pr" | median)
		fig[$t.rg.${c#*:}]=$(cut -f"${c%%:*}" "$pr" | minmax)
	done
	fig[$t.added]=$(cut -f5 "$pr" | median)
	for m in U T; do
		fig[$t.$m.rps]=$(med "$r2" $m '$3')
		fig[$t.$m.p99]=$(med "$r2" $m '$4')
		fig[$t.$m.cpr]=$(med "$r2" $m '$11')
		fig[$t.$m.wrk]=$(med "$r2" $m '$7 / $2 * 1e6')
	done
	fig[$t.T.sp]=$(med "$r2" T '$6 / $2 * 1e6')

	# completeness over all traced runs
	fig[$t.served]=$(awk -F'\t' '$1 == "T" { s += $2 } END { print s }' "$r2")
	fig[$t.spans]=$(awk -F'\t' '$1 == "T" { s += $8 } END { print s }' "$r2")
	fig[$t.kev]=$(awk -F'\t' '$1 == "T" { s += $10 } END { print s }' "$r2")
	fig[$t.compl]=$(awk -v s="${fig[$t.spans]}" -v r="${fig[$t.served]}" 'BEGIN { printf "%.4f", s / (2 * r) }')
	cat "$work/counters.$t.T."* | awk '{ s[$1] += $2 } END { for (k in s) print k, s[k] }' | sort >"$work/counters.$t.sum"
	fig[$t.losses]=$(nonzero "$work/counters.$t.sum" . "$volume|$info")
	fig[$t.infos]=$(nonzero "$work/counters.$t.sum" "$info" '^$')
	fig[$t.volumes]=$(nonzero "$work/counters.$t.sum" "$volume" '^$')
	fig[$t.compl_ok]=0
	if [ "${fig[$t.spans]}" -eq $((2 * ${fig[$t.served]})) ] && [ -z "${fig[$t.losses]}" ]; then
		fig[$t.compl_ok]=1
	fi
	fig[$t.ev_per_req]=$(awk -v e="${fig[$t.kev]}" -v r="${fig[$t.served]}" 'BEGIN { printf "%.2f", e / r }')

	# agent cost
	fig[$t.agent_cpu100k]=$(awk -F'\t' '$1 == "T" && $8 > 0 { print $6 / $8 * 1e5 }' "$r2" | median)
	fig[$t.agent_hwm]=$(awk -F'\t' '$1 == "T" && $9 > m { m = $9 } END { printf "%.1f", m / 1024 }' "$r2")
	fig[$t.spans_per_run]=$(med "$r2" T '$8')
}

# prog_ids PID: the ids of the BPF programs PID holds, comma-separated. Its
# fds come and go (the TLS scanner opens files): one closed between the
# listing and the read is skipped. (grep over the glob exited 2 on such an
# fd, and under pipefail that ended the whole bench without a word.)
prog_ids() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		sed -n 's/^prog_id:[[:space:]]*//p' "$f" 2>/dev/null || true
	done | sort -un | paste -sd, -
}

# bpf_stats_run TAG: one traced wrk run on the target with
# kernel.bpf_stats_enabled=1, in a run of its own (the statistics cost about
# 70 ns per program run); per program of spantap's "name runs run_time_ns"
# in progstats.TAG.tsv; into fig[TAG.*]: bpf_served (requests), bpf_ns_req
# and bpf_runs_req (all programs, per request)
bpf_stats_run() {
	local t=$1 ids
	stats_orig=$(sysctl -n kernel.bpf_stats_enabled)
	: >"$alog"
	spantap_start capture --port "$tgt_port" --output none
	# spantap's programs: the prog_id of every BPF fd it holds
	ids=$(prog_ids "$sp_pid")
	[ -n "$ids" ] || die "cannot find spantap's BPF programs in /proc/$sp_pid/fdinfo"
	# enabled only now: the counters then hold the load and little else
	sysctl -q -w kernel.bpf_stats_enabled=1
	bpftool prog show --json >"$work/progs0.json"
	wrk_run "$work/wrk.stats.$t"
	settle
	bpftool prog show --json >"$work/progs1.json"
	sysctl -q -w kernel.bpf_stats_enabled="$stats_orig"
	stats_orig=
	fig[$t.bpf_served]=$(log_lines)
	spantap_stop
	[ "${fig[$t.bpf_served]}" -gt 0 ] || die "nginx served no request in the statistics run: $(tail -3 "$work/wrk.stats.$t")"
	jq -r --arg ids "$ids" --slurpfile a "$work/progs0.json" '
		($ids | split(",") | map(tonumber)) as $want
		| ($a[0] | map({key: (.id | tostring), value: .}) | from_entries) as $before
		| .[] | select(.id as $i | $want | index($i))
		| [.name, ((.run_cnt // 0) - ($before[.id | tostring].run_cnt // 0)),
		   ((.run_time_ns // 0) - ($before[.id | tostring].run_time_ns // 0))] | @tsv' \
		"$work/progs1.json" >"$work/progstats.$t.tsv"
	fig[$t.bpf_ns_req]=$(prog_sum "$t" . ns)
	fig[$t.bpf_runs_req]=$(prog_sum "$t" . runs)
}

# prog_sum TAG RE ns|runs: run time (ns) or runs of the programs whose name
# matches RE, per request, from bpf_stats_run TAG
prog_sum() {
	awk -F'\t' -v re="$2" -v w="$3" -v r="${fig[$1.bpf_served]}" '$1 ~ re { c += $2; t += $3 }
		END { if (w == "ns") printf "%.0f", t / r; else printf "%.2f", c / r }' "$work/progstats.$1.tsv"
}

# prog_table TAG: the per-program table of bpf_stats_run TAG (markdown)
prog_table() {
	echo "| program | runs | avg ns/run | runs/request | ns/request |"
	echo "|---|---|---|---|---|"
	sort -t$'\t' -k3,3gr "$work/progstats.$1.tsv" | awk -F'\t' -v r="${fig[$1.bpf_served]}" '$2 > 0 {
		printf "| %s | %d | %.0f | %.2f | %.0f |\n", $1, $2, $3 / $2, $2 / r, $3 / r }'
}

# runs_table TAG: the wrk runs of run_pairs TAG (markdown)
runs_table() {
	echo "| run | requests | req/s | p99 us | nginx CPU s | spantap CPU s | wrk CPU s | spans | CPU us/request |"
	echo "|---|---|---|---|---|---|---|---|---|"
	awk -F'\t' '$1 == "U" { $6 = "-"; $8 = "-" }
		{ printf "| %s%d | %s | %s | %s | %s | %s | %s | %s | %.2f |\n", $1, int((NR + 1) / 2), $2, $3, $4, $5, $6, $7, $8, $11 }' "$work/runs2.$1.tsv"
}

# warm_up: spantap must start and stop cleanly before minutes of load (fail
# fast); then 2 s of wrk on the target, not counted
warm_up() {
	spantap_start capture --port "$tgt_port" --output none
	spantap_stop
	say "warm-up: 2 s of wrk, not counted"
	wrk_run "$work/wrk.warm" 2
}

# --- the servers ---------------------------------------------------------------

# nginx_conf NAME: a private nginx's configuration on stdout, its server
# blocks read from stdin: one worker, keep-alive without limit, sendfile,
# access log logs/NAME.access.log
nginx_conf() {
	local servers
	servers=$(cat)
	cat <<EOF
worker_processes 1;
pid $work/$1.pid;
error_log $work/logs/$1.error.log;
events { worker_connections 1024; }
http {
	access_log $work/logs/$1.access.log;
	keepalive_requests 1000000000;
	keepalive_timeout 300s;
	sendfile on;
	client_body_temp_path $work/logs;
	proxy_temp_path $work/logs;
$servers
}
EOF
}

# nginx_start NAME PORT: starts nginx with NAME.conf, waits for its listener
# on PORT and for its worker; sets ng_pid and ng_worker
nginx_start() {
	local name=$1 p=$2 i
	nginx -e "$work/logs/$name.error.log" -p "$work" -c "$work/$name.conf" -g 'daemon off;' </dev/null &
	ng_pid=$!
	nginx_pids+=("$ng_pid")
	for i in $(seq 200); do
		[ -n "$(ss -Hltn "sport = :$p")" ] && break
		pid_alive "$ng_pid" || break
		sleep 0.05
	done
	[ -n "$(ss -Hltn "sport = :$p")" ] || die "nginx ($name) did not start: $(cat "$work/logs/$name.error.log" 2>/dev/null)"
	ng_worker=
	for i in $(seq 100); do
		ng_worker=$(pgrep -P "$ng_pid" | head -1 || true)
		[ -n "$ng_worker" ] && break
		sleep 0.05
	done
	[ -n "$ng_worker" ] || die "nginx ($name) started no worker"
	nginx_workers+=("$ng_worker")
}

mkdir -p "$work/www" "$work/logs"
# 512 bytes: with nginx's ~240 bytes of headers a response fits in one
# --max-bytes (1024) copy
head -c 512 /dev/zero | tr '\0' 'x' >"$work/www/small.html"
chmod -R a+rX "$work/www"
say "$(nproc) cores, kernel $(uname -r), steps $steps"
plain_pid='' plain_worker='' tls_pid='' tls_worker=''
if [ $plain -eq 1 ]; then
	nginx_conf plain >"$work/plain.conf" <<EOF
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
EOF
	nginx_start plain "$port"
	plain_pid=$ng_pid plain_worker=$ng_worker
	say "nginx (master $plain_pid, worker $plain_worker) serves $url"
fi
if want https; then
	# a self-signed ECDSA P-256 certificate, made now (wrk does not verify)
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-keyout "$work/tls.key" -out "$work/tls.crt" -subj /CN=127.0.0.1 \
		-addext subjectAltName=IP:127.0.0.1 >"$work/openssl.err" 2>&1 ||
		die "openssl could not make a certificate: $(tail -3 "$work/openssl.err")"
	nginx_conf tls >"$work/tls.conf" <<EOF
	server {
		listen 127.0.0.1:$tls_port ssl;
		ssl_certificate $work/tls.crt;
		ssl_certificate_key $work/tls.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		root $work/www;
	}
EOF
	nginx_start tls "$tls_port"
	tls_pid=$ng_pid tls_worker=$ng_worker
	say "nginx (master $tls_pid, worker $tls_worker) serves $tls_url"
fi

# --- 1, 2, 5: overhead, completeness, agent cost --------------------------------

if [ $plain -eq 1 ]; then
	use_target plain
	warm_up
fi
if want overhead; then
	say "overhead: $pairs pairs of ${run_s}-s wrk runs (-t1 -c$conns), untraced then traced"
	run_pairs plain "$pairs"
fi

# --- 1b: CPU per request at a fixed rate ---------------------------------------
# Under wrk nginx's worker is CPU-bound (a full core in every run), so its CPU
# per request is also 1 / throughput, and batching changes with throughput.
# At a fixed rate both runs serve the same requests and nginx is not
# saturated: the CPU added per request, nothing else.

fixed_pairs=${BENCH_FIXED_PAIRS:-4}
: >"$work/fixed.tsv"
if want fixed && [ $have_h2load -eq 1 ]; then
	fixed_rps=$(awk -v u="${fig[plain.U.rps]}" -v c="$conns" 'BEGIN { r = int(u * 0.5 / c + 0.5); print (r < 1 ? 1 : r) }')
	fixed_rate=$((fixed_rps * conns))
	say "fixed rate: $fixed_pairs pairs of ${step_s}-s h2load runs at $fixed_rate req/s (half the untraced wrk rate)"
	for i in $(seq "$fixed_pairs"); do
		for mode in U T; do
			: >"$alog"
			sp_c=0
			[ "$mode" = T ] && spantap_start capture --port "$port" --output none
			n0=$(cpu_ticks "${tgt_pids[@]}")
			h2load --h1 -t1 -c"$conns" --rps "$fixed_rps" -D "$step_s" "$url" >"$work/h2load.fixed" 2>&1 ||
				die "h2load failed: $(tail -3 "$work/h2load.fixed")"
			settle
			n1=$(cpu_ticks "${tgt_pids[@]}")
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

if want kernel; then
	say "kernel cost: one ${run_s}-s traced wrk run with kernel.bpf_stats_enabled=1"
	bpf_stats_run plain
fi

# cpu_pairs FILE N LABEL ARGS...: N pairs of wrk runs, untraced (U) then
# under `spantap capture ARGS` (A); a row per run in FILE: mode, CPU per
# request (nginx + spantap) in us, requests nginx logged, spans, losses
cpu_pairs() {
	local file=$1 n=$2 label=$3 i m n0 n1 served sp_c spans losses
	shift 3
	: >"$file"
	for i in $(seq "$n"); do
		for m in U A; do
			: >"$alog"
			[ "$m" = A ] && spantap_start capture "$@"
			n0=$(cpu_ticks "${tgt_pids[@]}")
			wrk_run "$work/wrk.$label.$m.$i"
			settle
			n1=$(cpu_ticks "${tgt_pids[@]}")
			served=$(log_lines)
			[ "$served" -gt 0 ] || die "nginx served no request in a wrk run"
			sp_c=0 spans=0 losses=""
			if [ "$m" = A ]; then
				spantap_stop
				sp_c=$sp_cpu
				counters "$work/sp.err" >"$work/cnt.$label.$i"
				spans=$(counter "$work/cnt.$label.$i" http1.spans)
				losses=$(nonzero "$work/cnt.$label.$i" . "$volume|$info")
			fi
			awk -v m=$m -v d=$((n1 - n0)) -v k="$tck" -v s="$sp_c" -v r="$served" \
				-v sp="$spans" -v l="${losses:--}" \
				'BEGIN { printf "%s\t%.3f\t%d\t%d\t%s\n", m, (d / k + s) / r * 1e6, r, sp, l }' >>"$file"
			say "$(printf '%s run %d %s: %s requests' "$label" "$i" "$([ "$m" = A ] && echo traced || echo untraced)" "$served")"
		done
	done
}

# cpu_pair_figures FILE: "ratio range added untraced" of cpu_pairs' rows
# (ratio and added: medians of the pairs'; untraced: the median run's)
cpu_pair_figures() {
	local ratios a u
	ratios=$(awk -F'\t' 'NR % 2 { u = $2; next } { print $2 / u }' "$1")
	a=$(awk -F'\t' 'NR % 2 { u = $2; next } { print $2 - u }' "$1" | median)
	u=$(awk -F'\t' '$1 == "U" { print $2 }' "$1" | median)
	printf '%s %s %s %s\n' "$(median <<<"$ratios")" "$(minmax <<<"$ratios")" "$a" "$u"
}

# --- 4b: the floor: every program attached, nothing selected -------------------
# spantap capture --pid 1: the same programs on the same hooks, each leaving
# at its first test. What this adds to nginx's CPU per request is the price
# of the hooks themselves (the traced syscall path, the tracepoints' own
# dispatch), which no work saved inside the programs can lower.

floor_pairs=${BENCH_FLOOR_PAIRS:-4}
if want floor; then
	say "floor: $floor_pairs pairs of ${run_s}-s wrk runs, untraced then spantap selecting nothing (--pid 1)"
	cpu_pairs "$work/floor.tsv" "$floor_pairs" floor --pid 1 --output none
	read -r fl_ratio fl_range fl_added fl_u < <(cpu_pair_figures "$work/floor.tsv")
fi

# --- 1b: the server's side only ---------------------------------------------------
# spantap capture --comm nginx: nginx's server spans, not wrk's client spans,
# which is what a probe watching one service costs, and what peers publish.
# The load generator's side is untraced: the agent's work halves, nginx's
# own (its programs, its lost batching) stays.

server_pairs=${BENCH_SERVER_PAIRS:-4}
if want server; then
	say "server side: $server_pairs pairs of ${run_s}-s wrk runs, untraced then spantap --comm nginx"
	cpu_pairs "$work/server.tsv" "$server_pairs" server --comm nginx --output none
	read -r sv_ratio sv_range sv_added sv_u < <(cpu_pair_figures "$work/server.tsv")
	sv_spans=$(awk -F'\t' '$1 == "A" { s += $4 } END { print s + 0 }' "$work/server.tsv")
	sv_served=$(awk -F'\t' '$1 == "A" { s += $3 } END { print s + 0 }' "$work/server.tsv")
	sv_loss=$(awk -F'\t' '$1 == "A" && $5 != "-" { printf "%s%s", sep, $5; sep = "; " }' "$work/server.tsv")
fi

# --- 3: ceiling, a rate ladder -------------------------------------------------

: >"$work/ladder.tsv"
ceil_ok="" ceil_loss="" ceil_sat=0
if want ceiling && [ $have_h2load -eq 1 ]; then
	say "ceiling: h2load --h1 -c$conns --rps ladder, ${step_s}-s traced steps"
	# offered rates as fractions of the untraced wrk throughput; the last steps
	# are beyond what the machine serves traced (saturation)
	for f in 0.25 0.5 0.75 1.0 1.25 1.5; do
		rps=$(awk -v u="${fig[plain.U.rps]}" -v f="$f" -v c="$conns" 'BEGIN { r = int(u * f / c + 0.5); print (r < 1 ? 1 : r) }')
		offered=$((rps * conns))
		: >"$alog"
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
if want replay && "$spantap" help 2>&1 | grep -qw record && "$spantap" help 2>&1 | grep -qw replay; then
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
if want export && [ $replay_ok -eq 1 ] && "$spantap" replay --help 2>&1 | grep -q -- --otlp-endpoint; then
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
		fig[export.$comp.sps]=$(cut -d' ' -f2 "$work/export-$comp.tsv" | median)
		fig[export.$comp.cpu]=$(cut -d' ' -f3 "$work/export-$comp.tsv" | median)
		fig[export.$comp.bps]=$(cut -d' ' -f4 "$work/export-$comp.tsv" | median)
	done
	exp_dropped=$(awk '{ s += $6 } END { print s + 0 }' "$work/export.tsv")
	exp_spans=$(head -1 "$work/export.tsv" | cut -d' ' -f5)
	export_ok=1
fi

# --- 8: https, the same load over TLS: the OpenSSL uprobes ---------------------

if want https; then
	use_target tls
	warm_up
	say "https: $tls_pairs pairs of ${run_s}-s wrk runs (-t1 -c$conns) on $tls_url, untraced then traced"
	run_pairs tls "$tls_pairs"
	say "https kernel cost: one ${run_s}-s traced wrk run with kernel.bpf_stats_enabled=1"
	bpf_stats_run tls
	# the OpenSSL uprobe programs (ssl_*_enter: a uprobe hit at a call,
	# ssl_*_exit: a uretprobe hit at its return)
	fig[tls.ssl_ns_req]=$(prog_sum tls '^ssl_' ns)
	fig[tls.ssl_enter_req]=$(prog_sum tls '^ssl_.*_enter$' runs)
	fig[tls.ssl_exit_req]=$(prog_sum tls '^ssl_.*_exit$' runs)
	# CPU tracing adds per request to nginx and wrk that is not BPF run
	# time: mostly the probes' traps, per probed call
	fig[tls.trap_req]=$(awk -v a="${fig[tls.added]}" -v b="${fig[tls.bpf_ns_req]}" 'BEGIN { printf "%.1f", a - b / 1000 }')
	fig[tls.trap_call]=$(awk -v x="${fig[tls.trap_req]}" -v n="${fig[tls.ssl_enter_req]}" 'BEGIN { printf "%.1f", (n > 0 ? x / n : 0) }')
fi

# --- the table -----------------------------------------------------------------


rows=$work/rows.tsv
: >"$rows"
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"; }

# ut TAG X FORMAT: "untraced -> traced" medians of figure X of run_pairs TAG
ut() { printf '%s -> %s' "$(fmt "${fig[$1.U.$2]}" "$3")" "$(fmt "${fig[$1.T.$2]}" "$3")"; }
# ok TEST...: PASS if the command TEST... succeeds, else MISS
ok() { if "$@"; then echo PASS; else echo MISS; fi; }

if want overhead; then
	row "CPU per request, traced / untraced" "$(fmt "${fig[plain.r.cpr]}" %.3f)" "<= 1.15" "$(pass "${fig[plain.r.cpr]}" '<=' 1.15)" \
		"nginx (master+worker utime+stime from /proc, includes the BPF programs) + spantap CPU after startup, per request nginx logged; median of $pairs interleaved pairs (range ${fig[plain.rg.cpr]}); $(ut plain cpr %.1f) us/request, of which spantap $(fmt "${fig[plain.T.sp]}" %.1f)"
fi
if [ -s "$work/fixed.tsv" ]; then
	row "CPU per request at a fixed rate, traced / untraced" "$(fmt "$f_ratio" %.3f)" "-" "info" \
		"same CPU as above, h2load --h1 -t1 -c$conns --rps at $fixed_rate req/s (half the untraced wrk rate; served $f_served_u -> $f_served_t requests per ${step_s}-s run), nginx not saturated; median of $fixed_pairs interleaved pairs (range $f_range); $(fmt "$f_u" %.1f) -> $(fmt "$f_t" %.1f) us/request"
fi
if want server; then
	row "CPU per request, server side only, traced / untraced" "$(fmt "$sv_ratio" %.3f)" "-" "info" \
		"as CPU per request above, spantap capture --comm nginx (nginx's server spans only; wrk untraced); median of $server_pairs interleaved pairs (range $sv_range); adds $(fmt "$sv_added" %.2f) us to $(fmt "$sv_u" %.1f) us/request; spans / requests $sv_spans / $sv_served, losses ${sv_loss:-none}"
fi
if want overhead; then
	row "Throughput, traced / untraced" "$(fmt "${fig[plain.r.rps]}" %.3f)" ">= 0.95" "$(pass "${fig[plain.r.rps]}" '>=' 0.95)" \
		"wrk -t1 -c$conns -d${run_s}s keep-alive Requests/sec; median of pair ratios (range ${fig[plain.rg.rps]}); $(ut plain rps %.0f) req/s"
	row "p99 latency, traced / untraced" "$(fmt "${fig[plain.r.p99]}" %.3f)" "-" "info" \
		"wrk --latency 99th percentile; median of pair ratios (range ${fig[plain.rg.p99]}); $(ut plain p99 %.0f) us"
	row "wrk CPU per request, traced / untraced" "$(fmt "${fig[plain.r.wrk]}" %.3f)" "-" "info" \
		"the load generator is traced too (same port); $(ut plain wrk %.1f) us/request; not part of CPU per request"
	row "Completeness at full load" "${fig[plain.compl]}" "1.000" "$(ok [ "${fig[plain.compl_ok]}" -eq 1 ])" \
		"spans / (2 x requests in nginx's access log), all $pairs traced runs: ${fig[plain.spans]} / $((2 * ${fig[plain.served]}))"
	row "Loss counters at full load" "${fig[plain.losses]:-all 0}" "all 0" "$(ok [ -z "${fig[plain.losses]}" ])" \
		"sum over the traced runs of every kernel/agent/http1 counter but the volumes (events, conns, spans, messages, tls_conns, conns_tls) and those below"
	row "Other counters at full load" "${fig[plain.infos]:-all 0}" "-" "info" \
		"no loss: payload_truncated (a copy cut at --max-bytes 1024), conns_expired (idle 5 min), unanswered_requests (in flight when wrk stopped: nginx logged them, wrk closed first; they still get spans, as errors), tls_ciphertext_ignored (ciphertext seen before the connection was known as TLS; never parsed)"
fi
if want ceiling && [ $have_h2load -eq 1 ]; then
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
elif want ceiling; then
	row "Ceiling" "not available" "-" "-" "needs h2load: install the Debian package nghttp2-client"
fi
if want kernel; then
	row "Kernel: BPF time per request" "${fig[plain.bpf_ns_req]} ns" "-" "info" \
		"sum of run_time_ns of spantap's programs / requests, separate ${run_s}-s run with kernel.bpf_stats_enabled=1 (both ends; ${fig[plain.bpf_runs_req]} program runs per request); per program below"
fi
if want floor; then
	row "Kernel: the hooks' floor, CPU per request attached / untraced" "$(fmt "$fl_ratio" %.3f)" "-" "info" \
		"as CPU per request above, spantap capture --pid 1 (every program attached, none selects nginx or wrk: each leaves at its first test); median of $floor_pairs interleaved pairs (range $fl_range); adds $(fmt "$fl_added" %.2f) us to $(fmt "$fl_u" %.1f) us/request: the traced syscall path and the tracepoints' dispatch, out of reach of the programs' own cost"
fi
if want overhead; then
	row "Kernel: events per request" "${fig[plain.ev_per_req]}" "-" "info" \
		"kernel events= / requests nginx logged, traced runs (both ends of each request)"
	row "Agent CPU per 100k spans" "$(fmt "${fig[plain.agent_cpu100k]}" %.3f) s" "<= 0.5 s" "$(pass "${fig[plain.agent_cpu100k]}" '<=' 0.5)" \
		"spantap utime+stime after startup (incl. drain) / spans, median of the traced runs (~${fig[plain.spans_per_run]} spans each)"
	row "Agent peak RSS" "${fig[plain.agent_hwm]} MiB" "-" "info" \
		"largest VmHWM of spantap over the traced runs (16 MiB ring buffer included)"
fi
if [ $replay_ok -eq 1 ]; then
	row "Replay events/s per core" "$(fmt "$replay_evs" %.0f)" ">= 1000000" "$(pass "$replay_evs" '>=' 1000000)" \
		"spantap replay --repeat $repeat of a 3-s recording of the wrk load ($rec_events events, $replay_events per replay run), single-threaded; median of 3 runs; events per CPU-second of replay: $(fmt "$replay_evcpu" %.0f)"
	row "Replay spans/s per core" "$(fmt "$replay_sps" %.0f)" "-" "info" "same replays"
elif want replay; then
	row "Replay events/s per core" "not available" ">= 1000000" "-" "spantap has no record/replay subcommands yet"
fi
if [ $export_ok -eq 1 ]; then
	row "Export spans/s (protobuf)" "$(fmt "${fig[export.none.sps]}" %.0f)" "-" "info" \
		"spantap replay of the recording with --otlp-endpoint to an nginx sink answering 200 ($exp_spans spans per run, batches of 512, one connection); median of 3; whole replay: parsing + encoding + HTTP; dropped over all runs: $exp_dropped"
	row "Export CPU per 100k spans (protobuf)" "$(fmt "${fig[export.none.cpu]}" %.3f) s" "-" "info" \
		"spantap user+system, all threads, same runs (includes the pipeline: see replay above); $(fmt "${fig[export.none.bps]}" %.0f) bytes/span on the wire"
	row "Export spans/s (protobuf + gzip)" "$(fmt "${fig[export.gzip.sps]}" %.0f)" "-" "info" \
		"as above with --otlp-compression gzip; CPU per 100k spans $(fmt "${fig[export.gzip.cpu]}" %.3f) s, $(fmt "${fig[export.gzip.bps]}" %.0f) bytes/span on the wire"
fi
if want https; then
	row "HTTPS CPU per request, traced / untraced" "$(fmt "${fig[tls.r.cpr]}" %.3f)" "-" "info" \
		"as CPU per request above, against a second nginx serving the same file over TLS (127.0.0.1:$tls_port ssl, TLS 1.2/1.3, ECDSA P-256, keep-alive), wrk -t1 -c$conns -d${run_s}s https; nginx's CPU includes the OpenSSL uprobes it hits; median of $tls_pairs interleaved pairs (range ${fig[tls.rg.cpr]}); $(ut tls cpr %.1f) us/request, of which spantap $(fmt "${fig[tls.T.sp]}" %.1f); wrk's own CPU per request $(ut tls wrk %.1f) us (ratio $(fmt "${fig[tls.r.wrk]}" %.3f))"
	row "HTTPS throughput, traced / untraced" "$(fmt "${fig[tls.r.rps]}" %.3f)" "-" "info" \
		"wrk https Requests/sec; median of pair ratios (range ${fig[tls.rg.rps]}); $(ut tls rps %.0f) req/s"
	row "HTTPS p99 latency, traced / untraced" "$(fmt "${fig[tls.r.p99]}" %.3f)" "-" "info" \
		"wrk --latency 99th percentile; median of pair ratios (range ${fig[tls.rg.p99]}); $(ut tls p99 %.0f) us"
	row "HTTPS completeness" "${fig[tls.compl]}" "-" "info" \
		"spans / (2 x requests in the TLS nginx's access log), all $tls_pairs traced runs: ${fig[tls.spans]} / $((2 * ${fig[tls.served]}))"
	row "HTTPS loss counters" "${fig[tls.losses]:-all 0}" "-" "info" \
		"as Loss counters above (tls_no_socket, plaintext whose socket was unknown, is a loss), same traced runs; no loss: ${fig[tls.infos]:-all 0}; volumes: ${fig[tls.volumes]}"
	row "HTTPS kernel: BPF time per request" "${fig[tls.bpf_ns_req]} ns" "-" "info" \
		"as Kernel: BPF time per request, on the TLS server (${fig[tls.bpf_runs_req]} program runs per request); of which the OpenSSL uprobe programs (ssl_*) ${fig[tls.ssl_ns_req]} ns, ${fig[tls.ssl_enter_req]} uprobe + ${fig[tls.ssl_exit_req]} uretprobe hits per request; the traps of the hits are not in run_time_ns but in the processes' CPU: the CPU tracing adds per request to nginx and wrk (median of pair differences, $(fmt "${fig[tls.added]}" %.1f) us) less the BPF run time is ${fig[tls.trap_req]} us, ${fig[tls.trap_call]} us per probed SSL call (its uprobe + uretprobe; an estimate, an upper bound: it also holds the cost of less batching); per program below"
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
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, kernel $(uname -r), $("$spantap" version 2>/dev/null | head -1), ${elapsed} s, CPU steal during the run ${steal_pct} %$([ "$steps" = "$steps_all" ] || echo ", steps $steps")"
	echo
	md_table
	echo
	if want overhead; then
		echo "## Runs (wrk -t1 -c$conns -d${run_s}s, interleaved untraced U / traced T)"
		echo
		runs_table plain
		echo
	fi
	if [ -s "$work/fixed.tsv" ]; then
		echo "## Fixed rate ($fixed_rate req/s offered, h2load, ${step_s}-s runs, interleaved U / T)"
		echo
		echo "| run | requests | nginx CPU s | spantap CPU s | CPU us/request |"
		echo "|---|---|---|---|---|"
		awk -F'\t' '$1 == "U" { $4 = "-" } { printf "| %s%d | %s | %s | %s | %.2f |\n", $1, int((NR + 1) / 2), $2, $3, $4, $5 }' "$work/fixed2.tsv"
		echo
	fi
	if want ceiling; then
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
	fi
	if want kernel; then
		echo "## BPF programs (${fig[plain.bpf_served]} requests, kernel.bpf_stats_enabled=1)"
		echo
		prog_table plain
		echo
	fi
	if want https; then
		echo "## HTTPS runs (wrk -t1 -c$conns -d${run_s}s $tls_url, interleaved U / T)"
		echo
		runs_table tls
		echo
		echo "## HTTPS BPF programs (${fig[tls.bpf_served]} requests, kernel.bpf_stats_enabled=1)"
		echo
		prog_table tls
	fi
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
