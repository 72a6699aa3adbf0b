# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# The other-protocol step (9), sourced by tools/bench/run.sh: what a
# connection costs that spantap does not parse. A private redis-server is
# loaded by redis-benchmark (GET, -c32, no pipelining), untraced and traced
# in interleaved pairs; the kernel sees from each connection's first bytes
# (a RESP '*') that it is not HTTP and sends none of its later bytes.

# --- 9: another protocol: Redis ----------------------------------------------

step_other() {
	local file=$work/other.tsv conf=$work/redis.conf i m c0 c1 sp_c rps cnt
	cat >"$conf" <<-EOC
		bind 127.0.0.1
		port $redis_port
		save ""
		appendonly no
		daemonize no
		dir $work
		logfile $work/redis.log
	EOC
	redis-server "$conf" >/dev/null 2>&1 </dev/null &
	redis_pid=$!
	for i in $(seq 100); do
		[ -n "$(ss -Hltn "sport = :$redis_port")" ] && break
		pid_alive "$redis_pid" || die "redis-server did not start: $(tail -3 "$work/redis.log" 2>/dev/null)"
		sleep 0.05
	done
	[ -n "$(ss -Hltn "sport = :$redis_port")" ] || die "redis-server did not listen on $redis_port"
	redis-benchmark -h 127.0.0.1 -p "$redis_port" -c "$conns" -n 50000 -t set -q >/dev/null 2>&1 ||
		die "redis-benchmark could not fill the keys"
	say "other protocol: $other_pairs pairs of redis-benchmark runs (GET, -c$conns, $other_ops requests) on 127.0.0.1:$redis_port, untraced then traced"
	: >"$file"
	for i in $(seq "$other_pairs"); do
		for m in U A; do
			sp_c=0
			cnt=$work/cnt.other.$i
			: >"$cnt"
			[ "$m" = A ] && spantap_start capture --port "$redis_port" --output none
			c0=$(cpu_ticks "$redis_pid")
			redis-benchmark -h 127.0.0.1 -p "$redis_port" -c "$conns" -n "$other_ops" -t get --csv \
				>"$work/redis-benchmark.out" 2>&1 ||
				die "redis-benchmark failed: $(tail -3 "$work/redis-benchmark.out")"
			c1=$(cpu_ticks "$redis_pid")
			rps=$(awk -F'"' '$2 == "GET" { print $4 }' "$work/redis-benchmark.out")
			[ -n "$rps" ] || die "no GET rate in redis-benchmark's output: $(tail -3 "$work/redis-benchmark.out")"
			if [ "$m" = A ]; then
				spantap_stop
				sp_c=$sp_cpu
				counters "$work/sp.err" >"$cnt"
			fi
			# the row: mode, us of CPU per request (redis-server and
			# spantap), requests/s, held back, sent, losses
			awk -v m=$m -v d=$((c1 - c0)) -v k="$tck" -v s="$sp_c" -v n="$other_ops" -v r="$rps" \
				-v h="$(counter "$cnt" kernel.other_proto_skipped)" -v e="$(counter "$cnt" kernel.events)" \
				-v l="$(nonzero "$cnt" . "$volume|$info")" \
				'BEGIN { printf "%s\t%.3f\t%s\t%d\t%d\t%s\n", m, (d / k + s) / n * 1e6, r, h, e, (l == "" ? "-" : l) }' >>"$file"
			say "$(printf 'other protocol run %d %s: %s requests/s' "$i" "$([ "$m" = A ] && echo traced || echo untraced)" "$rps")"
		done
	done
	stop_pid "$redis_pid" TERM
	redis_pid=
	read -r ot_ratio ot_range ot_added ot_u < <(cpu_pair_figures "$file")
	ot_rps=$(awk -F'\t' 'NR % 2 { u = $3; next } { print $3 / u }' "$file" | median)
	ot_held=$(awk -F'\t' '$1 == "A" { h += $4; e += $5 } END { printf "%.4f", (h + e > 0 ? h / (h + e) : 0) }' "$file")
	ot_loss=$(awk -F'\t' '$1 == "A" && $6 != "-" { printf "%s%s", s, $6; s = "; " }' "$file")
	other_ok=1
}
