#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# tools/bench/deps.sh: make sure the Debian packages `make bench` needs are
# installed, in the manner of tools/install-deps.sh: packages already there
# are left alone; missing ones are installed when run as root (saying what),
# else named with the command that installs them, and the script fails.
#   nginx-light     the server under load (nginx)
#   wrk             closed-loop load at full speed (overhead, completeness)
#   nghttp2-client  h2load --h1 --rps: open-loop, rate-limited load (ceiling)
#   bpftool jq      per-program BPF run time (kernel cost)
#   procps iproute2 sysctl, ss
set -euo pipefail

want=(nginx-light wrk nghttp2-client bpftool jq procps iproute2)

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "bench: needs these Debian packages: ${missing[*]}" >&2
	echo "bench: run as root (sudo make bench) to install them, or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "bench: installing from Debian: ${missing[*]}" >&2
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
	echo "bench: apt-get install failed ($rc) for: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
	exit $rc
fi
echo "bench: installed: ${missing[*]}" >&2
