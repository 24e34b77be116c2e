#!/usr/bin/env bash
# fuzz/make-seeds.sh DIR: real disk images for the inspect target, made with Debian's qemu-img and xorriso: each
# format and subformat Kura inspects, unsafe ones (a backing file, an external data file, a flat vmdk's descriptor)
# and a few sizes. afl-fuzz takes inputs of at most 1 MiB, so a larger image is cut to its first MiB (the inspector's
# head; the xunit replay runs the whole images).
set -euo pipefail
out=$1
mkdir -p "$out"
work=$(mktemp -d /tmp/kura-seeds.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
q() { qemu-img create -q "$@" >/dev/null; }
q -f raw raw.raw 64K
q -f qcow2 small.qcow2 1M
q -f qcow2 -o compat=0.10 v2.qcow2 1M
q -f qcow2 -o cluster_size=512 c512.qcow2 1M
q -f qcow2 -b small.qcow2 -F qcow2 backing.qcow2
q -f qcow2 -o data_file=ext.raw,data_file_raw=on external.qcow2 1M
q -f vmdk sparse.vmdk 1M
q -f vmdk -o subformat=streamOptimized stream.vmdk 1M
q -f vmdk -o subformat=monolithicFlat flat.vmdk 1M
q -f vpc dynamic.vhd 1M
q -f vpc -o subformat=fixed fixed.vhd 512K
q -f vhdx dynamic.vhdx 4M
q -f vdi dynamic.vdi 1M
q -f vdi -o static=on static.vdi 512K
mkdir iso && echo kura > iso/README && xorriso -as mkisofs -quiet -o cd.iso iso 2>/dev/null
rm -rf iso ext.raw flat-flat.vmdk
for f in *; do
  head -c 1048576 "$f" > "$out/$f"
done
