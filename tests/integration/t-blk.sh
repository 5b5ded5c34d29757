# virtio-blk: what the guest does to its disks, checked on the host's files.

# Disk images live on a local file system (in the nested host, its tmpfs):
# the 9p share has neither O_DIRECT nor hole punching.
scratch() {
	SCRATCH=$(mktemp -d)
	echo "$SCRATCH" >"$T/scratch-dir"
}

# debugfs_cat IMAGE PATH: a file's bytes, read from an ext4 image offline.
debugfs_cat() {
	debugfs -R "cat $2" "$1" 2>/dev/null
}

test_disk_ext4_written_in_guest_is_on_host() {
	scratch
	truncate -s 128M "$SCRATCH/disk.img"
	head -c 5000000 /dev/urandom >"$SCRATCH/payload"
	truncate -s 5000192 "$SCRATCH/payload" # whole sectors for a disk
	vm -d "$SCRATCH/disk.img" -d "$SCRATCH/payload,ro" -- '
		/usr/bin/mke2fs -q -t ext4 /dev/vda && mount -t ext4 /dev/vda /mnt &&
		seq 1 200000 >/mnt/numbers &&
		head -c 5000000 /dev/vdb >/mnt/payload &&
		sync && umount /mnt && echo WROTE=ok'
	expect_status 0
	[ "$(out_value WROTE)" = ok ] || fail "guest could not write the file system"
	seq 1 200000 >"$T/numbers"
	debugfs_cat "$SCRATCH/disk.img" /numbers | cmp -s - "$T/numbers" ||
		fail "/numbers in the image differs from what the guest wrote"
	head -c 5000000 "$SCRATCH/payload" >"$T/payload"
	debugfs_cat "$SCRATCH/disk.img" /payload | cmp -s - "$T/payload" ||
		fail "/payload in the image differs from what the guest wrote"
	# A second boot reads them back.
	want=$(md5sum <"$T/payload" | cut -d' ' -f1)
	vm -d "$SCRATCH/disk.img" -- '
		mount -t ext4 /dev/vda /mnt &&
		echo NUMSUM=$(md5sum </mnt/numbers | cut -d" " -f1) &&
		echo PAYSUM=$(md5sum </mnt/payload | cut -d" " -f1)'
	expect_status 0
	[ "$(out_value NUMSUM)" = "$(md5sum <"$T/numbers" | cut -d' ' -f1)" ] ||
		fail "second boot read /numbers wrong"
	[ "$(out_value PAYSUM)" = "$want" ] || fail "second boot read /payload wrong"
	rm -rf "$SCRATCH"
}

test_disk_readonly_rejects_writes() {
	scratch
	head -c 8M /dev/urandom >"$SCRATCH/ro.img"
	before=$(md5sum <"$SCRATCH/ro.img")
	vm -d "$SCRATCH/ro.img,ro" -- '
		echo RO=$(cat /sys/block/vda/ro)
		if dd if=/dev/zero of=/dev/vda bs=4096 count=16 conv=fsync 2>/dev/null; then
			echo WRITE=allowed; else echo WRITE=refused; fi
		echo READSUM=$(md5sum </dev/vda | cut -d" " -f1)'
	expect_status 0
	[ "$(out_value RO)" = 1 ] || fail "guest does not see vda read-only"
	[ "$(out_value WRITE)" = refused ] || fail "a write to the read-only disk succeeded"
	[ "$(md5sum <"$SCRATCH/ro.img")" = "$before" ] || fail "the read-only image changed"
	[ "$(out_value READSUM)" = "$(md5sum <"$SCRATCH/ro.img" | cut -d' ' -f1)" ] ||
		fail "guest read different bytes"
	rm -rf "$SCRATCH"
}

test_two_disks_with_serials() {
	scratch
	truncate -s 4M "$SCRATCH/a.img"
	truncate -s 8M "$SCRATCH/b.img"
	vm -d "$SCRATCH/a.img,serial=KESTREL-A" -d "$SCRATCH/b.img,serial=exactly-20-chars-ok" -- '
		echo SERA=$(cat /sys/block/vda/serial); echo SERB=$(cat /sys/block/vdb/serial)
		echo SIZEA=$(cat /sys/block/vda/size); echo SIZEB=$(cat /sys/block/vdb/size)'
	expect_status 0
	[ "$(out_value SERA)" = KESTREL-A ] || fail "vda serial '$(out_value SERA)'"
	[ "$(out_value SERB)" = exactly-20-chars-ok ] || fail "vdb serial '$(out_value SERB)'"
	[ "$(out_value SIZEA)" = 8192 ] && [ "$(out_value SIZEB)" = 16384 ] ||
		fail "disk sizes $(out_value SIZEA)/$(out_value SIZEB) sectors"
	rm -rf "$SCRATCH"
}

test_dd_64m_pattern_roundtrip() {
	scratch
	head -c 64M /dev/urandom >"$SCRATCH/pattern"
	truncate -s 64M "$SCRATCH/blank.img"
	vm -m 256M -d "$SCRATCH/blank.img" -d "$SCRATCH/pattern,ro" -- '
		dd if=/dev/vdb of=/dev/vda bs=1M conv=fsync 2>/dev/null &&
		echo 3 >/proc/sys/vm/drop_caches &&
		echo BACK=$(md5sum </dev/vda | cut -d" " -f1)'
	expect_status 0
	cmp -s "$SCRATCH/pattern" "$SCRATCH/blank.img" ||
		fail "the image differs from the 64 MiB pattern the guest copied"
	[ "$(out_value BACK)" = "$(md5sum <"$SCRATCH/pattern" | cut -d' ' -f1)" ] ||
		fail "the guest read back different bytes"
	rm -rf "$SCRATCH"
}

# fstrim in the guest punches holes in the host file: what the guest wrote
# and then deleted no longer takes space.
test_fstrim_punches_holes() {
	scratch
	truncate -s 256M "$SCRATCH/trim.img"
	vm -d "$SCRATCH/trim.img" -- '
		/usr/bin/mke2fs -q -t ext4 -E nodiscard /dev/vda && mount -t ext4 /dev/vda /mnt &&
		head -c 64M /dev/zero | tr "\0" x >/mnt/big && sync &&
		echo BEFORE=$(df -k /mnt | tail -n1 | tr -s " " | cut -d" " -f3) &&
		rm /mnt/big && sync && /usr/bin/fstrim -v /mnt && umount /mnt && echo TRIMMED=ok'
	expect_status 0
	[ "$(out_value TRIMMED)" = ok ] || fail "fstrim failed in the guest"
	used_kb=$(( $(stat -c %b "$SCRATCH/trim.img") * $(stat -c %B "$SCRATCH/trim.img") / 1024 ))
	# 64 MiB were written; after the trim only file-system metadata stays.
	[ "$used_kb" -lt 32768 ] || fail "image still allocates $used_kb KiB after fstrim"
	rm -rf "$SCRATCH"
}

test_hwrng_yields_bytes() {
	vm -- 'echo RNG=$(cat /sys/class/misc/hw_random/rng_current);
		echo BYTES=$(head -c 4096 /dev/hwrng | wc -c)'
	expect_status 0
	case $(out_value RNG) in virtio_rng*) ;; *) fail "hw_random uses '$(out_value RNG)'" ;; esac
	[ "$(out_value BYTES)" = 4096 ] || fail "read $(out_value BYTES) bytes from /dev/hwrng"
}

# The same devices over virtio-mmio, found through ACPI with no PCI.
test_mmio_transport_disk_and_rng() {
	scratch
	head -c 1M /dev/urandom >"$SCRATCH/m.img"
	vm --transport mmio -d "$SCRATCH/m.img,serial=MMIO-DISK" -- '
		echo PCI=$(ls /sys/bus/pci/drivers/virtio-pci 2>/dev/null | grep -c :)
		echo MMIO=$(ls -d /sys/bus/platform/drivers/virtio-mmio/LNRO0005* 2>/dev/null | wc -l)
		echo SER=$(cat /sys/block/vda/serial)
		echo SUM=$(md5sum </dev/vda | cut -d" " -f1)
		echo BYTES=$(head -c 512 /dev/hwrng | wc -c)'
	expect_status 0
	[ "$(out_value PCI)" = 0 ] || fail "$(out_value PCI) virtio devices on PCI"
	[ "$(out_value MMIO)" = 2 ] || fail "$(out_value MMIO) virtio-mmio devices, expected 2"
	[ "$(out_value SER)" = MMIO-DISK ] || fail "serial '$(out_value SER)'"
	[ "$(out_value SUM)" = "$(md5sum <"$SCRATCH/m.img" | cut -d' ' -f1)" ] || fail "disk read differs"
	[ "$(out_value BYTES)" = 512 ] || fail "hwrng gave $(out_value BYTES) bytes"
	rm -rf "$SCRATCH"
}

# --disk FILE,snapshot: a golden ext4 image with one file, made on the host.
golden() {
	mkdir "$SCRATCH/root"
	echo "golden hello" >"$SCRATCH/root/hello.txt"
	mke2fs -q -t ext4 -d "$SCRATCH/root" "$SCRATCH/golden.img" 64M
}

# value FILE KEY: the value a guest printed as "KEY=value" in FILE.
value() {
	sed -n "s/^$2=\\([^[:space:]]*\\).*/\\1/p" "$1" | tr -d '\r' | head -n 1
}

# The guest writes, deletes, trims and reads back its own writes on a
# snapshot disk; the image stays the same byte for byte, and the overlay
# leaves nothing behind in TMPDIR.
test_snapshot_guest_writes_golden_image_unchanged() {
	scratch
	golden
	before=$(sha256sum <"$SCRATCH/golden.img")
	mkdir "$SCRATCH/tmp"
	export TMPDIR="$SCRATCH/tmp"
	vm -d "$SCRATCH/golden.img,snapshot" -- '
		echo RO=$(cat /sys/block/vda/ro)
		mount -t ext4 /dev/vda /mnt && echo HELLO=$(tr " " _ </mnt/hello.txt) &&
		seq 1 100000 >/mnt/numbers && rm /mnt/hello.txt && sync &&
		/usr/bin/fstrim /mnt && echo TRIM=ok
		umount /mnt && echo 3 >/proc/sys/vm/drop_caches &&
		mount -t ext4 /dev/vda /mnt &&
		echo SUM=$(sha256sum </mnt/numbers | cut -d" " -f1) &&
		echo GONE=$(ls /mnt | grep -c hello) && umount /mnt && echo DONE=ok'
	unset TMPDIR
	expect_status 0
	[ "$(out_value RO)" = 0 ] || fail "the guest sees the snapshot disk read-only"
	[ "$(out_value HELLO)" = golden_hello ] || fail "guest read '$(out_value HELLO)' from the golden file"
	[ "$(out_value TRIM)" = ok ] || fail "fstrim failed on the snapshot disk"
	[ "$(out_value SUM)" = "$(seq 1 100000 | sha256sum | cut -d' ' -f1)" ] ||
		fail "the guest read back different numbers than it wrote"
	[ "$(out_value GONE)" = 0 ] || fail "the deleted file came back"
	[ "$(out_value DONE)" = ok ] || fail "the guest did not finish"
	[ "$(sha256sum <"$SCRATCH/golden.img")" = "$before" ] || fail "the golden image changed"
	[ -z "$(ls -A "$SCRATCH/tmp")" ] || fail "left in TMPDIR: $(ls -A "$SCRATCH/tmp")"
	rm -rf "$SCRATCH"
}

# Two VMs on one golden image at once, each seeing only its own writes;
# while they run, a writable --disk of the image is refused.
test_snapshot_two_vms_share_golden_image() {
	scratch
	golden
	before=$(sha256sum <"$SCRATCH/golden.img")
	# The first VM writes, says so, and waits for a line on its console
	# (a FIFO, on the scratch file system: 9p has none).
	mkdir "$T/a"
	mkfifo "$SCRATCH/a-in"
	exec 3<>"$SCRATCH/a-in"
	(
		T=$T/a
		vm_raw -k "$KERNEL" -i "$INITRD" -d "$SCRATCH/golden.img,snapshot" \
			-a "$(guest_cmd 'mount -t ext4 /dev/vda /mnt && echo first >/mnt/who && sync &&
				echo A-READY && read -r go && echo 3 >/proc/sys/vm/drop_caches &&
				echo WHO=$(cat /mnt/who) && echo HELLO=$(tr " " _ </mnt/hello.txt)')" \
			<"$SCRATCH/a-in"
		echo "$status" >"$T/status"
	) &
	a=$!
	while ! grep -q '^A-READY' "$T/a/out" 2>/dev/null && kill -0 "$a" 2>/dev/null; do
		sleep 0.2
	done
	# The second, while the first holds the image.
	vm -d "$SCRATCH/golden.img,snapshot" -- '
		mount -t ext4 /dev/vda /mnt && echo SAW=$(cat /mnt/who 2>/dev/null || echo nothing) &&
		echo second >/mnt/who && sync && umount /mnt && echo 3 >/proc/sys/vm/drop_caches &&
		mount -t ext4 /dev/vda /mnt && echo WHO=$(cat /mnt/who) &&
		echo HELLO=$(tr " " _ </mnt/hello.txt)'
	b_status=$status
	cp "$T/out" "$T/b-out"
	# A writer is refused while snapshots run (no VM starts).
	vm -d "$SCRATCH/golden.img" -- 'echo BOOTED=yes'
	w_status=$status
	cp "$T/err" "$T/w-err"
	# Let the first one finish.
	echo go >&3
	wait "$a"
	exec 3>&-
	grep -q '^A-READY' "$T/a/out" || fail "the first VM never got ready"
	[ "$(cat "$T/a/status")" = 0 ] || fail "first VM: exit status $(cat "$T/a/status")"
	[ "$(value "$T/a/out" WHO)" = first ] || fail "first VM read '$(value "$T/a/out" WHO)'"
	[ "$(value "$T/a/out" HELLO)" = golden_hello ] || fail "first VM lost the golden file"
	[ "$b_status" = 0 ] || fail "second VM: exit status $b_status"
	[ "$(value "$T/b-out" SAW)" = nothing ] || fail "second VM saw '$(value "$T/b-out" SAW)' from the first"
	[ "$(value "$T/b-out" WHO)" = second ] || fail "second VM read '$(value "$T/b-out" WHO)'"
	[ "$(value "$T/b-out" HELLO)" = golden_hello ] || fail "second VM lost the golden file"
	[ "$w_status" = 125 ] || fail "writable --disk during snapshots: exit status $w_status"
	grep -q "disk '$SCRATCH/golden.img' is in use by another process" "$T/w-err" ||
		fail "writable --disk during snapshots: $(cat "$T/w-err")"
	[ "$(sha256sum <"$SCRATCH/golden.img")" = "$before" ] || fail "the golden image changed"
	rm -rf "$SCRATCH"
}
