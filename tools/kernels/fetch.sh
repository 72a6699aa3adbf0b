#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# tools/kernels/fetch.sh ROW: make sure the boot kit of one Debian kernel of
# the matrix is in the cache, and print the kit's directory on stdout.
# ROW is 5.10 (bullseye), 6.1 (bookworm) or 6.12 (bookworm-backports).
#
# The cache ($SPANTAP_KERNEL_CACHE, default ~/.cache/spantap-kernels) holds,
# per row, the downloaded linux-image .deb and a kit made from it:
#   kit/vmlinuz            the kernel
#   kit/modules/NAME.ko    the modules the guest loads, uncompressed
#   kit/modules.load       their names, in an order insmod accepts
#   kit/release            the kernel's `uname -r`
#   kit/package            "package version" of the .deb
#   kit/wanted             the module list the kit was made for
# A kit that is there and made for the current module list is used as is:
# no network at all. A .deb without a kit is unpacked again. Only with
# neither is apt asked, through a sources list and package lists of this
# script's own in a temporary directory: the system's apt configuration, its
# lists and its caches are not touched. SPANTAP_KERNEL_REFRESH=1 drops the
# row's cache first (to pick up a newer Debian kernel).
#
# Progress goes to stderr as "kernels: ROW: ..." lines.
set -euo pipefail

row=${1:?usage: fetch.sh 5.10|6.1|6.12}
cache=${SPANTAP_KERNEL_CACHE:-${HOME:-/root}/.cache/spantap-kernels}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
mirror=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security

# The modules the guest's init loads (their dependencies come along): the
# virtio PCI transport, and 9p over it for the host's root filesystem.
wanted="virtio_pci 9pnet_virtio 9p"

say() { printf 'kernels: %s: %s\n' "$row" "$*" >&2; }
die() {
	say "$*"
	exit 1
}

# Which suites hold the row's kernel. The security suites carry the newest
# point releases of bullseye's and bookworm's kernels.
case $row in
5.10) suites=("$mirror bullseye" "$security bullseye-security") ;;
6.1) suites=("$mirror bookworm" "$mirror bookworm-updates" "$security bookworm-security") ;;
6.12) suites=("$mirror bookworm-backports") ;;
*) die "no such kernel row (5.10, 6.1, 6.12)" ;;
esac

dir=$cache/$row
kit=$dir/kit
[ "${SPANTAP_KERNEL_REFRESH:-0}" = 1 ] && rm -rf "$dir"
if [ -f "$kit/complete" ] && [ "$(cat "$kit/wanted" 2>/dev/null)" = "$wanted" ]; then
	echo "$kit"
	exit 0
fi
mkdir -p "$dir"

tmp=$(mktemp -d /tmp/spantap-kfetch.XXXXXX)
trap 'rm -rf "$tmp" "$kit.new"' EXIT

# --- the package: downloaded once ---------------------------------------------

deb=$(find "$dir" -maxdepth 1 -name 'linux-image-*.deb' | sort -V | tail -1)
if [ -z "$deb" ]; then
	[ -r "$keyring" ] || die "no $keyring: apt-get install debian-archive-keyring"
	mkdir -p "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/dl"
	for s in "${suites[@]}"; do
		echo "deb [signed-by=$keyring] ${s% *} ${s#* } main"
	done >"$tmp/sources.list"
	# Everything apt reads or writes points into $tmp; the sandbox user is
	# root because $tmp and the cache are root's.
	apt_opts=(-o "Dir::Etc::sourcelist=$tmp/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache"
		-o Dir::Etc::preferences=/dev/null -o Dir::Etc::preferencesparts=-
		-o APT::Architecture=amd64 -o APT::Architectures::=amd64
		-o Acquire::Languages=none -o APT::Sandbox::User=root)
	say "reading Debian's package lists (${suites[*]##* })"
	apt-get "${apt_opts[@]}" -qq update >"$tmp/update.log" 2>&1 ||
		die "apt-get update failed: $(tail -5 "$tmp/update.log")"
	# The metapackage names the suite's current kernel. If it ever names
	# another series than the row's (backports moving on), the newest
	# package of the row's own series is taken instead.
	re="^linux-image-${row//./\\.}[.-][^ ]*-amd64$"
	pkgs=$(apt-cache "${apt_opts[@]}" pkgnames linux-image- | grep -E "$re" |
		grep -vE -- '-(cloud|rt)-amd64$' | sort -V || true)
	[ -n "$pkgs" ] || die "no linux-image-$row*-amd64 package in ${suites[*]##* }"
	pkg=$(apt-cache "${apt_opts[@]}" depends linux-image-amd64 2>/dev/null |
		sed -nE 's/^ *Depends: (linux-image-[^ ]*-amd64)$/\1/p' | grep -E "$re" | head -1 || true)
	[ -n "$pkg" ] || pkg=$(tail -1 <<<"$pkgs")
	size=$(apt-cache "${apt_opts[@]}" show "$pkg" | sed -nE 's/^Size: ([0-9]+)$/\1/p' | head -1)
	say "downloading $pkg ($((${size:-0} / 1048576)) MiB) from deb.debian.org"
	(cd "$tmp/dl" && apt-get "${apt_opts[@]}" -qq download "$pkg" >"$tmp/download.log" 2>&1) ||
		die "apt-get download $pkg failed: $(tail -5 "$tmp/download.log")"
	deb=$(find "$tmp/dl" -name '*.deb' | head -1)
	[ -n "$deb" ] || die "apt-get download left no .deb"
	# a row keeps one kernel: an older .deb (before a refresh) goes
	find "$dir" -maxdepth 1 -name 'linux-image-*.deb' -delete
	mv "$deb" "$dir/"
	deb=$dir/${deb##*/}
fi

# --- the kit: the kernel and the guest's modules ------------------------------

say "unpacking ${deb##*/}"
rm -rf "$kit"
x=$tmp/x
mkdir -p "$x"
# only the kernel and the modules tree (under /lib or, merged, /usr/lib)
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$x" --wildcards './boot/vmlinuz-*' './*lib/modules/*' ||
	die "cannot unpack ${deb##*/}"
vmlinuz=$(find "$x/boot" -name 'vmlinuz-*' | head -1)
[ -n "$vmlinuz" ] || die "${deb##*/} has no /boot/vmlinuz-*"
release=${vmlinuz##*/vmlinuz-}
moddir=$x/lib/modules/$release
if [ ! -d "$moddir" ] && [ -d "$x/usr/lib/modules/$release" ]; then
	mkdir -p "$x/lib/modules"
	mv "$x/usr/lib/modules/$release" "$moddir"
fi
[ -d "$moddir" ] || die "${deb##*/} has no modules for $release"

# The package ships no modules.dep (its postinst runs depmod): make one.
depmod -b "$x" "$release" 2>"$tmp/depmod.log" || die "depmod failed: $(tail -5 "$tmp/depmod.log")"

# load order: each module after the modules it depends on (depth first over
# modules.dep, whose lines are "path: dep-path dep-path ...")
declare -A path_of deps_of done_mod
while IFS= read -r line; do
	p=${line%%:*}
	n=${p##*/}
	n=${n%%.ko*}
	n=${n//-/_}
	path_of[$n]=$p
	d=""
	for q in ${line#*:}; do
		q=${q##*/}
		q=${q%%.ko*}
		d="$d ${q//-/_}"
	done
	deps_of[$n]=$d
done <"$moddir/modules.dep"
order=()
visit() {
	local m=$1 d
	[ -n "${done_mod[$m]:-}" ] && return 0
	[ -n "${path_of[$m]:-}" ] || {
		# built into this kernel: nothing to load
		grep -qE "/${m//_/[-_]}\.ko" "$moddir/modules.builtin" 2>/dev/null && return 0
		die "module $m is neither in ${deb##*/} nor built in"
	}
	done_mod[$m]=1
	for d in ${deps_of[$m]}; do visit "$d"; done
	order+=("$m")
}
for m in $wanted; do visit "$m"; done

rm -rf "$kit.new"
mkdir -p "$kit.new/modules"
cp "$vmlinuz" "$kit.new/vmlinuz"
for m in "${order[@]}"; do
	src=$moddir/${path_of[$m]}
	case $src in
	*.ko.xz) xz -dc "$src" >"$kit.new/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$src" >"$kit.new/modules/$m.ko" ;;
	*.ko.gz) gzip -dc "$src" >"$kit.new/modules/$m.ko" ;;
	*) cp "$src" "$kit.new/modules/$m.ko" ;;
	esac
done
printf '%s\n' "${order[@]}" >"$kit.new/modules.load"
echo "$release" >"$kit.new/release"
dpkg-deb -f "$deb" Package Version | awk '{ printf "%s%s", sep, $2; sep = " " } END { print "" }' >"$kit.new/package"
echo "$wanted" >"$kit.new/wanted"
touch "$kit.new/complete"
mv "$kit.new" "$kit"
say "kit ready: kernel $release, modules ${order[*]}"
echo "$kit"
