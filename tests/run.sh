#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Runs every test layer against the build in $1 (default build/) and ends
# with one line: "N passed, N failed[, N skipped]". Exits non-zero on any
# failure. The same line is written to $1/test-summary for .ci/run.
#   unit         C unit tests (ASan + UBSan)
#   replay       each fuzz target over its committed corpus (ASan + UBSan)
#   integration  bats tests running build/spantap against real servers (root)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(cd "${1:-$top/build}" && pwd)
passed=0 failed=0 skipped=0

echo "== unit tests"
if "$out/tests/unit_tests" >"$out/unit.log" 2>&1; then :; fi
# failures with their assertion lines, and the count
grep -E '^(  |not ok|unit:)' "$out/unit.log" || true
line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed' "$out/unit.log" | tail -1)
if [ -n "$line" ]; then
	p=$(sed -E 's/^unit: ([0-9]+) passed.*/\1/' <<<"$line")
	f=$(sed -E 's/.* ([0-9]+) failed.*/\1/' <<<"$line")
	passed=$((passed + p))
	failed=$((failed + f))
else
	echo "unit tests did not finish (crash?); see $out/unit.log"
	tail -20 "$out/unit.log"
	failed=$((failed + 1))
fi

echo "== fuzz corpus replay"
for drv in "$out"/tests/replay_*; do
	[ -x "$drv" ] || continue
	name=${drv##*/replay_}
	if "$drv" "$top/tests/fuzz/corpus/$name" >"$out/replay_$name.log" 2>&1; then
		echo "ok replay $name: $(tail -1 "$out/replay_$name.log")"
		passed=$((passed + 1))
	else
		echo "not ok replay $name"
		tail -30 "$out/replay_$name.log"
		failed=$((failed + 1))
	fi
done

echo "== integration tests"
if [ "$(id -u)" -ne 0 ]; then
	n=$(grep -h -c '^@test' "$top"/tests/integration/*.bats | paste -sd+ | bc)
	echo "skipping $n integration tests: they load BPF programs and need root (sudo make test)"
	skipped=$((skipped + n))
else
	SPANTAP="$out/spantap" bats --tap "$top/tests/integration" 2>&1 | tee "$out/integration.log"
	p=$(grep -E '^ok ' "$out/integration.log" | grep -vc '# skip' || true)
	s=$(grep -E '^ok .*# skip' "$out/integration.log" | grep -c . || true)
	f=$(grep -cE '^not ok ' "$out/integration.log" || true)
	planned=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$out/integration.log" | head -1)
	ran=$((p + s + f))
	if [ -z "$planned" ] || [ "$ran" -lt "$planned" ]; then
		echo "bats stopped early: ran $ran of ${planned:-?} tests"
		f=$((f + 1))
	fi
	passed=$((passed + p))
	skipped=$((skipped + s))
	failed=$((failed + f))
fi

summary="$passed passed, $failed failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary" >"$out/test-summary"
echo "$summary"
[ $failed -eq 0 ]
