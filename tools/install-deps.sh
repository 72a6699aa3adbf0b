#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Install what spantap needs from Debian's archive, saying what and why.
#   tools/install-deps.sh build   compile spantap
#   tools/install-deps.sh test    compile and run every test and the demo
#   tools/install-deps.sh bench   compile and run make bench (h2load for the
#                                 rate ladder, bpftool for per-program time)
# Packages already installed are left alone; nothing runs when all are there.
set -euo pipefail

build_pkgs=(make gcc clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool pkg-config
	protobuf-c-compiler libprotobuf-c-dev libcurl4-openssl-dev)
test_pkgs=(bats nginx-light wrk curl jq python3 iproute2 procps protobuf-compiler nodejs binutils
	openssl libssl-dev valgrind)
bench_pkgs=(nginx-light wrk nghttp2-client bpftool jq procps iproute2 openssl redis-server redis-tools)

case "${1:-build}" in
build) want=("${build_pkgs[@]}") ;;
test) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
bench) want=("${build_pkgs[@]}" "${bench_pkgs[@]}") ;;
*)
	echo "usage: $0 build|test|bench" >&2
	exit 2
	;;
esac

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
# the OpenTelemetry SDK peer test runs npm; some nodejs builds bundle it
if [ "${1:-build}" = test ] && ! command -v npm >/dev/null; then
	missing+=(npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "spantap needs these Debian packages: ${missing[*]}" >&2
	echo "run as root (sudo make ...) to install them, or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "installing from Debian: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# policy-rc.d keeps package scripts from starting services (nginx) we do not want
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
if [ $had_policy -eq 0 ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
fi
rc=0
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
[ $had_policy -eq 0 ] && rm -f /usr/sbin/policy-rc.d
if [ $rc -ne 0 ]; then
	echo "apt-get install failed ($rc) for: ${missing[*]}" >&2
	exit $rc
fi
echo "installed: ${missing[*]}" >&2
