# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# The https step (8), sourced by tools/bench/run.sh: untraced/traced wrk
# pairs against the TLS nginx, and a run with BPF statistics for the
# OpenSSL uprobe programs.

# --- 8: https, the same load over TLS: the OpenSSL uprobes ---------------------

step_https() {
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
}
