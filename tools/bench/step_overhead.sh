# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# The steps on CPU per request, sourced by tools/bench/run.sh: overhead
# (1, 2, 5: untraced/traced wrk pairs, completeness, agent cost), fixed (1,
# at a fixed rate), server (1b, the server's side only) and short (1c, a
# connection per request).

# --- 1, 2, 5: overhead, completeness, agent cost --------------------------------

step_overhead() {
	say "overhead: $pairs pairs of ${run_s}-s wrk runs (-t1 -c$conns), untraced then traced"
	run_pairs plain "$pairs"
}

# --- 1b: CPU per request at a fixed rate ---------------------------------------
# Under wrk nginx's worker is CPU-bound (a full core in every run), so its CPU
# per request is also 1 / throughput, and batching changes with throughput.
# At a fixed rate both runs serve the same requests and nginx is not
# saturated: the CPU added per request, nothing else.
step_fixed() {
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
}

# --- 1c: a connection per request ------------------------------------------------
# wrk with "Connection: close": nginx closes each connection after its
# response and wrk opens another, so every request is a connection at both
# ends. What spantap costs per connection (its open and close events, the
# agent's table and streams, wakeups), which keep-alive hides.
step_short() {
	say "short connections: $short_pairs pairs of ${run_s}-s wrk runs with Connection: close, untraced then traced"
	wrk_extra=(-H "Connection: close")
	cpu_pairs "$work/short.tsv" "$short_pairs" short --port "$port" --output none
	wrk_extra=()
	read -r sh_ratio sh_range sh_added sh_u < <(cpu_pair_figures "$work/short.tsv")
	# the runs last the same: requests served is the throughput
	sh_rps=$(awk -F'\t' 'NR % 2 { u = $3; next } { print $3 / u }' "$work/short.tsv" | median)
	sh_spans=$(awk -F'\t' '$1 == "A" { s += $4 } END { print s + 0 }' "$work/short.tsv")
	sh_served=$(awk -F'\t' '$1 == "A" { s += $3 } END { print s + 0 }' "$work/short.tsv")
	sh_loss=$(awk -F'\t' '$1 == "A" && $5 != "-" { printf "%s%s", sep, $5; sep = "; " }' "$work/short.tsv")
}

# --- 1b: the server's side only ---------------------------------------------------
# spantap capture --comm nginx: nginx's server spans, not wrk's client spans,
# which is what a probe watching one service costs, and what peers publish.
# The load generator's side is untraced: the agent's work halves, nginx's
# own (its programs, its lost batching) stays.
step_server() {
	say "server side: $server_pairs pairs of ${run_s}-s wrk runs, untraced then spantap --comm nginx"
	cpu_pairs "$work/server.tsv" "$server_pairs" server --comm nginx --output none
	read -r sv_ratio sv_range sv_added sv_u < <(cpu_pair_figures "$work/server.tsv")
	sv_spans=$(awk -F'\t' '$1 == "A" { s += $4 } END { print s + 0 }' "$work/server.tsv")
	sv_served=$(awk -F'\t' '$1 == "A" { s += $3 } END { print s + 0 }' "$work/server.tsv")
	sv_loss=$(awk -F'\t' '$1 == "A" && $5 != "-" { printf "%s%s", sep, $5; sep = "; " }' "$work/server.tsv")
}
