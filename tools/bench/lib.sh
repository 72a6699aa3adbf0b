# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# tools/bench/run.sh's measuring helpers, sourced by it: messages, the steps
# wanted, processes and cleanup, CPU accounting, spantap start/stop, wrk
# runs, untraced/traced pairs and their figures, BPF run-time statistics,
# and the private nginx servers. Only definitions: run.sh runs them, and
# declares the globals they share.

# --- messages, the steps wanted ------------------------------------------------

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: cannot measure: %s\n' "$*" >&2
	exit 1
}

want() { case ",$steps," in *",$1,"*) return 0 ;; esac; return 1; }
# need STEP OTHER: STEP uses OTHER's figures or files, so OTHER runs too
need() {
	if want "$1" && ! want "$2"; then
		say "step $1 needs step $2: running it too"
		steps=$steps,$2
	fi
}

# --- processes, cleanup: everything run.sh started, also on Ctrl-C --------------

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

# --- measuring helpers ---------------------------------------------------------

# all CPUs' times from /proc/stat: user nice system idle iowait irq softirq steal
cpu_line() { awk '$1 == "cpu" { print $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9, $9 }' /proc/stat; }

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
cpuwrap_write() {
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
}

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

# wrk_run OUT [S]: wrk -t1 -c32 on the target for S (run_s) seconds,
# --latency and the arguments in wrk_extra, CPU in OUT.cpu
wrk_run() {
	"$work/cpuwrap.sh" "$1.cpu" - wrk -t1 -c"$conns" -d"${2:-$run_s}s" --latency "${wrk_extra[@]}" "$tgt_url" >"$1" 2>&1 ||
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
	bpf_fdinfo "$1" prog_id | sort -un | paste -sd, -
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

# warm_up: spantap must start and stop cleanly before minutes of load (fail
# fast); then 2 s of wrk on the target, not counted
warm_up() {
	spantap_start capture --port "$tgt_port" --output none
	spantap_stop
	say "warm-up: 2 s of wrk, not counted"
	wrk_run "$work/wrk.warm" 2
}

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

# servers_start: the private nginx servers the steps want, the plain one
# (with the OTLP sink) and the TLS one; sets plain_pid, plain_worker,
# tls_pid, tls_worker
servers_start() {
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
}
