# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# The ceiling step (3), sourced by tools/bench/run.sh: a traced rate ladder
# (h2load --rps) up to saturation.

# --- 3: ceiling, a rate ladder -------------------------------------------------

step_ceiling() {
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
}
