#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# /init of the guest's initramfs (made by tools/kernels/run.sh): loads the
# virtio/9p modules of the booted kernel, mounts the host's root filesystem
# read-only over virtio-9p, gives it the kernel filesystems and writable
# scratch space a test needs, chroots into it and runs the in-guest test
# (tests/kernels/guest-test.sh). Results go to the console (ttyS0) as
# "@@SPANTAP ..." lines; the host reads them from there. Then power off:
# the host's qemu exits when the guest does (-no-reboot).
#
# /spantap.conf (beside this script in the initramfs) sets
#   TEST     the test script, a path in the host's filesystem
#   SPANTAP  the spantap binary it tests, a path there too
#   PORT     the port its servers use
#   ROW      the matrix row, for the log
# and /keep.list names host directories (one a line) the test needs that
# would be hidden under the guest's own /tmp and /run (a tree checked out
# under /tmp, say): they are bound through.
bb=/bin/busybox
$bb mkdir -p /proc /sys /dev /newroot
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
# shellcheck disable=SC1091 # made by run.sh
. /spantap.conf

mark() { echo "@@SPANTAP $*"; }
fail() {
	mark "boot fail $*"
	$bb poweroff -f
}

mark "uname $($bb uname -r)"
for m in $($bb cat /modules.load); do
	$bb insmod "/modules/$m.ko" || fail "insmod $m failed"
done

# cache=loose: the export is read-only, so the guest may keep what it read
# (programs run much faster from the page cache than over 9p each time)
$bb mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose hostroot /newroot ||
	fail "cannot mount the host's root over 9p"
r=/newroot
# Host directories under /tmp or /run the test needs: held by a bind mount
# now, moved back in place once the guest's own tmpfs is over them.
n=0
while IFS= read -r p; do
	case $p in /tmp/* | /run/*) ;; *) continue ;; esac
	n=$((n + 1))
	$bb mkdir -p /keep/$n
	$bb mount -o bind "$r$p" /keep/$n || fail "cannot bind $p"
done </keep.list
# Kernel filesystems, and tmpfs where programs write: the 9p root is
# read-only, so everything writable is the guest's own.
$bb mount -t proc proc $r/proc || fail "mount proc"
$bb mount -t sysfs sysfs $r/sys || fail "mount sysfs"
$bb mount -t devtmpfs devtmpfs $r/dev || fail "mount devtmpfs"
$bb mount -t devpts devpts $r/dev/pts 2>/dev/null
$bb mount -t tmpfs tmpfs $r/dev/shm 2>/dev/null
$bb mount -t tmpfs -o mode=1777 tmpfs $r/tmp || fail "mount tmpfs on /tmp"
$bb mount -t tmpfs -o mode=755 tmpfs $r/run || fail "mount tmpfs on /run"
$bb mount -t debugfs debugfs $r/sys/kernel/debug 2>/dev/null
$bb mount -t tracefs tracefs $r/sys/kernel/tracing 2>/dev/null
$bb mount -t bpf bpf $r/sys/fs/bpf 2>/dev/null
n=0
while IFS= read -r p; do
	case $p in /tmp/* | /run/*) ;; *) continue ;; esac
	n=$((n + 1))
	$bb mkdir -p "$r$p"
	$bb mount -o move /keep/$n "$r$p" || fail "cannot put $p back"
done </keep.list
$bb ip link set lo up || fail "ip link set lo up"

mark "chroot"
$bb chroot $r /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/tmp TERM=dumb LANG=C.UTF-8 /bin/bash "$TEST" "$SPANTAP" "$PORT"
mark "exit $?"
$bb sync
$bb poweroff -f
