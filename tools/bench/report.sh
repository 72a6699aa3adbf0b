# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# The report, sourced by tools/bench/run.sh: the table's rows from the
# figures of the steps that ran, results.md (the table, the runs, the
# ladder, the BPF programs) and the table on the terminal.

row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$rows"; }

# ut TAG X FORMAT: "untraced -> traced" medians of figure X of run_pairs TAG
ut() { printf '%s -> %s' "$(fmt "${fig[$1.U.$2]}" "$3")" "$(fmt "${fig[$1.T.$2]}" "$3")"; }
# ratio_med TAG X: the ratio of the traced runs' median of X to the untraced runs'.
# Beside the median of the pairs' ratios: the two move apart when a run or
# two was disturbed, which says how far to trust a small difference.
ratio_med() { awk -v t="${fig[$1.T.$2]}" -v u="${fig[$1.U.$2]}" 'BEGIN { printf "%.3f", (u > 0 ? t / u : 0) }'; }
# ok TEST...: PASS if the command TEST... succeeds, else MISS
ok() { if "$@"; then echo PASS; else echo MISS; fi; }

md_table() {
	echo "| metric | value | target | result | how measured |"
	echo "|---|---|---|---|---|"
	awk -F'\t' '{ printf "| %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5 }' "$rows"
}

# runs_table TAG: the wrk runs of run_pairs TAG (markdown)
runs_table() {
	echo "| run | requests | req/s | p99 us | nginx CPU s | spantap CPU s | wrk CPU s | spans | CPU us/request |"
	echo "|---|---|---|---|---|---|---|---|---|"
	awk -F'\t' '$1 == "U" { $6 = "-"; $8 = "-" }
		{ printf "| %s%d | %s | %s | %s | %s | %s | %s | %s | %.2f |\n", $1, int((NR + 1) / 2), $2, $3, $4, $5, $6, $7, $8, $11 }' "$work/runs2.$1.tsv"
}

# prog_table TAG: the per-program table of bpf_stats_run TAG (markdown)
prog_table() {
	echo "| program | runs | avg ns/run | runs/request | ns/request |"
	echo "|---|---|---|---|---|"
	sort -t$'\t' -k3,3gr "$work/progstats.$1.tsv" | awk -F'\t' -v r="${fig[$1.bpf_served]}" '$2 > 0 {
		printf "| %s | %d | %.0f | %.2f | %.0f |\n", $1, $2, $3 / $2, $2 / r, $3 / r }'
}

# report: the rows, results.md, the terminal's table and last line
report() {
	: >"$rows"

	if want overhead; then
		row "CPU per request, traced / untraced" "$(fmt "${fig[plain.r.cpr]}" %.3f)" "<= 1.15" "$(pass "${fig[plain.r.cpr]}" '<=' 1.15)" \
			"nginx (master+worker utime+stime from /proc, includes the BPF programs) + spantap CPU after startup, per request nginx logged; median of $pairs interleaved pairs (range ${fig[plain.rg.cpr]}; ratio of the medians $(ratio_med plain cpr)); $(ut plain cpr %.1f) us/request, of which spantap $(fmt "${fig[plain.T.sp]}" %.1f)"
	fi
	if [ -s "$work/fixed.tsv" ]; then
		row "CPU per request at a fixed rate, traced / untraced" "$(fmt "$f_ratio" %.3f)" "-" "info" \
			"same CPU as above, h2load --h1 -t1 -c$conns --rps at $fixed_rate req/s (half the untraced wrk rate; served $f_served_u -> $f_served_t requests per ${step_s}-s run), nginx not saturated; median of $fixed_pairs interleaved pairs (range $f_range); $(fmt "$f_u" %.1f) -> $(fmt "$f_t" %.1f) us/request"
	fi
	if want server; then
		row "CPU per request, server side only, traced / untraced" "$(fmt "$sv_ratio" %.3f)" "-" "info" \
			"as CPU per request above, spantap capture --comm nginx (nginx's server spans only; wrk untraced); median of $server_pairs interleaved pairs (range $sv_range); adds $(fmt "$sv_added" %.2f) us to $(fmt "$sv_u" %.1f) us/request; spans / requests $sv_spans / $sv_served, losses ${sv_loss:-none}"
	fi
	if want short; then
		row "CPU per request, a connection per request, traced / untraced" "$(fmt "$sh_ratio" %.3f)" "-" "info" \
			"as CPU per request above, wrk -H 'Connection: close' (every request opens a connection, both ends traced); median of $short_pairs interleaved pairs (range $sh_range); adds $(fmt "$sh_added" %.2f) us to $(fmt "$sh_u" %.1f) us/request; throughput traced / untraced $(fmt "$sh_rps" %.3f) (median of pair ratios); spans / requests $sh_spans / $sh_served, losses ${sh_loss:-none}"
	fi
	if want overhead; then
		row "Throughput, traced / untraced" "$(fmt "${fig[plain.r.rps]}" %.3f)" ">= 0.95" "$(pass "${fig[plain.r.rps]}" '>=' 0.95)" \
			"wrk -t1 -c$conns -d${run_s}s keep-alive Requests/sec; median of pair ratios (range ${fig[plain.rg.rps]}; ratio of the medians $(ratio_med plain rps)); $(ut plain rps %.0f) req/s"
		row "p99 latency, traced / untraced" "$(fmt "${fig[plain.r.p99]}" %.3f)" "-" "info" \
			"wrk --latency 99th percentile; median of pair ratios (range ${fig[plain.rg.p99]}); $(ut plain p99 %.0f) us"
		row "wrk CPU per request, traced / untraced" "$(fmt "${fig[plain.r.wrk]}" %.3f)" "-" "info" \
			"the load generator is traced too (same port); $(ut plain wrk %.1f) us/request; not part of CPU per request"
		row "Completeness at full load" "${fig[plain.compl]}" "1.000" "$(ok [ "${fig[plain.compl_ok]}" -eq 1 ])" \
			"spans / (2 x requests in nginx's access log), all $pairs traced runs: ${fig[plain.spans]} / $((2 * ${fig[plain.served]}))"
		row "Loss counters at full load" "${fig[plain.losses]:-all 0}" "all 0" "$(ok [ -z "${fig[plain.losses]}" ])" \
			"sum over the traced runs of every kernel/agent/http1 counter but the volumes (events, conns, spans, messages, tls_conns, conns_tls, other_proto_skipped, conns_not_http) and those below"
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
	if [ "$other_ok" -eq 1 ]; then
		row "Other protocol (Redis): CPU per request, traced / untraced" "$(fmt "$ot_ratio" %.3f)" "-" "info" \
			"redis-server utime+stime + spantap CPU after startup, per GET (redis-benchmark -c$conns -n $other_ops, no pipelining; spantap capture --port $redis_port); median of $other_pairs interleaved pairs (range $ot_range); adds $(fmt "$ot_added" %.2f) us to $(fmt "$ot_u" %.2f) us/request; the kernel held back $(fmt "$ot_held" %.4f) of the traced runs' transfers (not HTTP: the kernel judged each connection by its first bytes, held back from its second transfer on); losses ${ot_loss:-none}"
		row "Other protocol (Redis): throughput, traced / untraced" "$(fmt "$ot_rps" %.3f)" "-" "info" \
			"redis-benchmark GET requests/s; median of pair ratios"
	fi

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
		if [ "$other_ok" -eq 1 ]; then
			echo
			echo "## Other protocol runs (redis-benchmark GET -c$conns -n $other_ops, interleaved U / T)"
			echo
			echo "| run | requests/s | CPU us/request | held back | sent | losses |"
			echo "|---|---|---|---|---|---|"
			awk -F'\t' '$1 == "U" { $4 = "-"; $5 = "-"; $6 = "-" } { printf "| %s%d | %s | %.3f | %s | %s | %s |\n", ($1 == "A" ? "T" : "U"), int((NR + 1) / 2), $3, $2, $4, $5, $6 }' "$work/other.tsv"
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
}
