# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
# shellcheck shell=bash
#
# What a process's BPF fds are, from /proc/PID/fdinfo: sourced by the bench
# (tools/bench), the kernel matrix's guest scripts (tests/kernels) and the
# integration tests, which all need spantap's program or map ids (bpftool
# 7.1 lists no owner pids without its BPF skeleton support, and prints no
# verified_insns).

# bpf_fdinfo PID FIELD...: one line per fd of PID whose fdinfo has the first
# FIELD (prog_id, map_id, ...), the FIELDs' values in order, 0 for one it
# lacks. An fd PID closes meanwhile (spantap opens and closes library files
# while it runs) is skipped: reading it fails, and under set -e and pipefail
# that would end the caller.
bpf_fdinfo() {
	local pid=$1 f
	shift
	for f in /proc/"$pid"/fdinfo/*; do
		awk -v want="$*" '
			BEGIN { n = split(want, k, " ") }
			{ sub(/:$/, "", $1); v[$1] = $2 }
			END {
				if (!(k[1] in v)) exit
				for (i = 1; i <= n; i++)
					printf "%s%s", (i > 1 ? " " : ""), (k[i] in v ? v[k[i]] : 0)
				print ""
			}' "$f" 2>/dev/null || true
	done
}
