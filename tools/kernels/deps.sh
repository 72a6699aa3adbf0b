#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# Install what the kernel matrix (make test-kernels) needs from Debian's
# archive, on top of what `make test` needs (tools/install-deps.sh test: curl,
# jq, python3, bpftool, ...), saying what and why:
#   qemu-system-x86  boots each Debian kernel (software emulation: no KVM)
#   busybox-static   the guest's init: a static shell and mount/insmod/ip,
#                    copied into a small initramfs
#   cpio             packs that initramfs
#   kmod             depmod: the kernel packages ship no modules.dep (their
#                    postinst makes it), and the guest needs the virtio/9p
#                    modules with everything they depend on
#   xz-utils, zstd   unpack the kernel packages (data.tar.xz) and compressed
#                    modules (.ko.xz/.ko.zst): busybox insmod takes plain .ko
# Packages already installed are left alone; nothing runs when all are there.
set -euo pipefail

want=(qemu-system-x86 busybox-static cpio kmod xz-utils zstd)

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "the kernel matrix needs these Debian packages: ${missing[*]}" >&2
	echo "run as root (sudo make test-kernels), or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "kernels: installing from Debian: ${missing[*]} (what each is for: tools/kernels/deps.sh)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "kernels: installed: ${missing[*]}" >&2
