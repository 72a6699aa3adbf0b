#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# The command line: help, bad input, check, and running without privileges.

load helpers

# run as nobody with no capabilities
unprivileged() {
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		--bounding-set=-all "$@"
}

@test "help texts exist and exit 0" {
	run "$SPANTAP" help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: spantap COMMAND"* ]]
	[[ "$output" == *capture* && "$output" == *check* ]]

	run "$SPANTAP" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: spantap COMMAND"* ]]

	run "$SPANTAP" capture --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: spantap capture"* ]]
	local opt
	for opt in --pid --comm --port --duration --output --no-summary; do
		[[ "$output" == *"$opt"* ]] || fail "capture --help does not mention $opt"
	done

	run "$SPANTAP" check --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Usage: spantap check"* ]]

	run "$SPANTAP" version
	[ "$status" -eq 0 ]
	[[ "$output" == "spantap "[0-9]* ]]
}

# bad_input EXPECTED_SUBSTRING ARGS...: non-zero exit, message names the problem
bad_input() {
	local want=$1
	shift
	run timeout 20 "$SPANTAP" "$@"
	[ "$status" -ne 0 ] || fail "spantap $* exited 0"
	[ "$status" -ne 124 ] || fail "spantap $* did not exit (it should refuse at once)"
	[[ "$output" == *"$want"* ]] || fail "spantap $*: message does not name '$want':" "$output"
	[[ "$output" != *capturing* ]] || fail "spantap $* started capturing:" "$output"
}

@test "capture --port 0 is refused" {
	bad_input "--port '0'" capture --port 0 --duration 1
	[[ "$output" == *"1 to 65535"* ]]
}

@test "capture --port abc is refused" {
	bad_input "--port 'abc'" capture --port abc --duration 1
}

@test "capture --port 65536 is refused" {
	bad_input "--port '65536'" capture --port 65536 --duration 1
}

@test "capture --pid of a nonexistent process is refused" {
	bad_input "999999999" capture --pid 999999999 --duration 1
	[[ "$output" == *"no such process"* ]]
}

@test "capture --output xml is refused" {
	bad_input "xml" capture --output xml --duration 1
	[[ "$output" == *json* ]]
}

@test "unknown option is refused" {
	bad_input "--bogus" capture --bogus --duration 1
}

@test "unknown command is refused" {
	bad_input "frobnicate" frobnicate
}

# sock_layer_offered: check says the kernel has kprobes or fentry
sock_layer_offered() {
	grep -Eq '^ *(kprobes|fentry) +yes' <<<"$1"
}

@test "check exits 0, names the attach mode the kernel allows and that BPF programs loaded" {
	local want=tracepoint
	run "$SPANTAP" check
	[ "$status" -eq 0 ] || fail "check exited $status:" "$output"
	sock_layer_offered "$output" && want=socket
	# the socket tracepoints come first where the kernel has them
	grep -Eq '^ *socket tracepoints +yes' <<<"$output" && want=sock-tracepoint
	grep -Eq "^ *attach mode +$want " <<<"$output" || fail "no 'attach mode $want':" "$output"
	grep -Eq '^ *BPF programs +yes +[0-9]+ programs loaded' <<<"$output" ||
		fail "no 'BPF programs yes N programs loaded':" "$output"
	grep -Eq '^ *privileges +yes' <<<"$output" || fail "privileges not yes:" "$output"
	# the tracepoint mode says how it sees reads and writes, by what the
	# kernel has: saved registers from 5.15, rdonly_cast from 6.2
	if [ $want = tracepoint ]; then
		local how='entry parks'
		grep -q ' bpf_task_pt_regs$' /proc/kallsyms && how='at their exit'
		grep -q ' bpf_rdonly_cast$' /proc/kallsyms && how='fd walk by direct BTF loads'
		grep -Eq "^ *reads and writes +.*$how" <<<"$output" ||
			fail "no 'reads and writes ... $how':" "$output"
	fi
	if [ $want = sock-tracepoint ]; then
		grep -Eq '^ *reads and writes +at sock:sock_send_length/sock_recv_length' <<<"$output" ||
			fail "no 'reads and writes at sock:sock_send_length...':" "$output"
		# the kernel has the events it hooks
		[ -d /sys/kernel/tracing/events/sock/sock_send_length ] ||
			fail "check chose sock-tracepoint where tracefs has no sock_send_length"
	fi
}

@test "check as an unprivileged user exits non-zero and names privileges" {
	run unprivileged "$SPANTAP" check
	[ "$status" -ne 0 ] || fail "check exited 0 unprivileged:" "$output"
	grep -Eq '^ *privileges +no' <<<"$output" || fail "privileges not 'no':" "$output"
	grep -Eq '^ *attach mode +none: missing privileges' <<<"$output" ||
		fail "attach mode does not name missing privileges:" "$output"
	[[ "$output" == *CAP_BPF* ]]
}

@test "capture as an unprivileged user exits non-zero with a clear message" {
	run unprivileged timeout 20 "$SPANTAP" capture --duration 1
	[ "$status" -ne 0 ] || fail "capture exited 0 unprivileged:" "$output"
	[ "$status" -ne 124 ] || fail "capture did not exit"
	[[ "$output" == *"missing privileges"* ]] || fail "no 'missing privileges':" "$output"
	[[ "$output" == *"root"* ]]
	[[ "$output" != *capturing* ]] || fail "started capturing:" "$output"
}

@test "--attach-mode socket: refused clearly where the kernel has neither kprobes nor fentry" {
	run "$SPANTAP" check
	if sock_layer_offered "$output"; then
		skip "this kernel has kprobes or fentry (tests/kernels covers socket mode)"
	fi
	run timeout 20 "$SPANTAP" capture --attach-mode socket --duration 1
	[ "$status" -ne 0 ] && [ "$status" -ne 124 ] || fail "capture exited $status:" "$output"
	[[ "$output" == *"kprobes or fentry"* ]] || fail "does not name kprobes or fentry:" "$output"
	[[ "$output" == *"--attach-mode tracepoint"* ]] || fail "does not name the mode that works:" "$output"
	[[ "$output" != *capturing* ]] || fail "started capturing:" "$output"
	run timeout 20 "$SPANTAP" capture --attach-mode bogus --duration 1
	[ "$status" -ne 0 ] && [[ "$output" == *"auto, sock-tracepoint, socket, fentry, kprobe or tracepoint"* ]] || fail "bad mode not refused clearly:" "$output"
}
