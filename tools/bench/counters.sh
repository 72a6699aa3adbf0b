# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
# Reading spantap's exit counters, and medians over runs: shared by the
# benchmark (tools/bench/lib.sh) and the kernel matrix's guest-bench.sh,
# which must read the same counters the same way. Sourced, not run.

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

# counter FILE KEY: KEY's value in a counters file, 0 when absent
counter() { awk -v k="$2" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' "$1"; }

# Volume counters, not losses: left out (other_proto_skipped: socket bytes
# of connections the agent found to speak another protocol, not sent on
# purpose; conns_not_http: those connections; tls_conns, conns_tls: connections
# found to be TLS, by the kernel and by the agent).
# shellcheck disable=SC2034 # used by the scripts that source this file
volume='^(kernel\.events|kernel\.tls_conns|kernel\.other_proto_skipped|agent\.events|agent\.conns|agent\.conns_not_http|agent\.conns_tls|http1\.spans|http1\.messages)$'
# Counters that are no loss of spans: copies cut at --max-bytes (bodies are
# skipped by length), connections idle for 5 min, requests still in flight
# when the load generator stopped (nginx logs them; they end as error spans),
# ciphertext read or written before the connection was known to be TLS
# (never parsed; its plaintext comes from the uprobes).
# Every other counter (ringbuf_full, stream_gaps, tls_no_socket, ...) is a
# loss or anomaly.
# shellcheck disable=SC2034
info='^(kernel\.payload_truncated|agent\.conns_expired|agent\.tls_ciphertext_ignored|http1\.unanswered_requests)$'

# nonzero COUNTERS-FILE RE-IN RE-OUT [SEP]: "k=v" of the nonzero counters
# matching RE-IN and not RE-OUT, joined by SEP (", "; guest-bench.sh's
# KEY=VALUE lines want one without a space)
nonzero() {
	awk -v a="$2" -v b="$3" -v s="${4:-, }" \
		'$1 ~ a && $1 !~ b && $2 != 0 { printf "%s%s=%s", sep, $1, $2; sep = s }' "$1"
}

# median, minmax: of the numbers on stdin, one a line ("nan" when none)
median() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
minmax() { sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%s-%s", lo, hi }'; }
