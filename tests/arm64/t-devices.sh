# The virtio devices, each checked where its effect lands: on the host
# (bytes in an ext4 image, in a shared directory) or in what the guest
# read (a file served by the nested host, typed input, random bytes).
# See t-boot.sh for how a test is written.

# md5 FILE
md5() {
	md5sum <"$1" | cut -d' ' -f1
}

# A token the guest must write, different each run.
new_token() {
	echo "kestrel-arm64-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$T/token"
}

# ext4 on virtio-blk: the guest writes a known file and 1 MiB of its own
# random bytes; the host reads both back from the image with debugfs.
prep_blk_ext4_write_read_back_on_host() {
	new_token
	mke2fs -q -t ext4 -F "$T/disk.img" 64M
}
l1_blk_ext4_write_read_back_on_host() {
	vm -d "$T/disk.img" -- "mount -t ext4 /dev/vda /mnt || echo MOUNT-FAILED
		echo $(cat "$T/token") >/mnt/token
		head -c 1048576 /dev/urandom >/mnt/blob
		echo BLOBSUM=\$(md5sum </mnt/blob | cut -d' ' -f1)
		umount /mnt && echo UMOUNTED"
}
check_blk_ext4_write_read_back_on_host() {
	expect_status 0
	expect_no_out MOUNT-FAILED
	expect_out '^UMOUNTED'
	e2fsck -fn "$T/disk.img" >"$T/fsck" 2>&1 || fail "e2fsck finds the image damaged: $(tail -n 3 "$T/fsck")"
	got=$(debugfs -R 'cat /token' "$T/disk.img" 2>/dev/null)
	[ "$got" = "$(cat "$T/token")" ] || fail "the image's /token holds '$got', not '$(cat "$T/token")'"
	rm -f "$T/blob"
	debugfs -R "dump /blob $T/blob" "$T/disk.img" >/dev/null 2>&1
	[ -s "$T/blob" ] && [ "$(wc -c <"$T/blob")" = 1048576 ] || fail "the image's /blob is missing or not 1 MiB"
	[ "$(md5 "$T/blob")" = "$(out_value BLOBSUM)" ] ||
		fail "the image's /blob ($(md5 "$T/blob")) is not what the guest wrote ($(out_value BLOBSUM))"
}

# The guest command that brings eth0 up by DHCP and reports its address
# (as tests/integration/t-net.sh's).
NET_UP='ip link set eth0 up
	udhcpc -q -n -t 5 -s /etc/udhcpc.script -i eth0 >/dev/null 2>&1 || echo DHCP-FAILED
	echo ADDR=$(ip -4 -o addr show eth0 | sed -n "s/.* inet \([^ ]*\).*/\1/p")'

# virtio-net, user mode: the guest gets its address by DHCP and fetches,
# through the slirp gateway 10.0.2.2, a file that busybox httpd in the
# nested host serves on its loopback.
prep_net_user_dhcp_and_fetch() {
	mkdir -p "$T/www"
	head -c 1000000 /dev/urandom >"$T/www/file"
}
l1_net_user_dhcp_and_fetch() {
	port=8080
	httpd -f -p "127.0.0.1:$port" -h "$T/www" &
	server=$!
	# Ready when it answers (each try is a connection, not a sleep).
	i=0
	until wget -q -O /dev/null "http://127.0.0.1:$port/file"; do
		i=$((i + 1))
		kill -0 "$server" 2>/dev/null && [ $i -lt 100 ] || { echo "httpd did not start"; break; }
		sleep 0.1
	done
	vm --net user -- "$NET_UP
		wget -q -O /tmp/f http://10.0.2.2:$port/file && echo GOT=\$(md5sum </tmp/f | cut -d' ' -f1)"
	kill "$server"
}
check_net_user_dhcp_and_fetch() {
	expect_status 0
	expect_no_out DHCP-FAILED
	[ "$(out_value ADDR)" = 10.0.2.15/24 ] || fail "guest address '$(out_value ADDR)', expected 10.0.2.15/24"
	[ "$(out_value GOT)" = "$(md5 "$T/www/file")" ] || fail "the guest fetched '$(out_value GOT)', not the served file"
}

# --console virtio: the console, init's stdin and stdout are hvc0.
l1_virtio_console_hvc0() {
	status=0
	printf 'typed-into-hvc0\n' | $GUARD "$KESTREL" run -k "$KERNEL" -i "$INITRD" \
		--timeout "$VM_TIMEOUT" --console virtio \
		-a "$(guest_cmd 'echo CONSOLES=$(cut -d" " -f1 /proc/consoles | tr "\n" ,);
			echo TTY=$(readlink /proc/self/fd/0); read -r l; echo GOT=$l')" \
		>"$T/out" 2>"$T/err" || status=$?
}
check_virtio_console_hvc0() {
	expect_status 0
	case $(out_value CONSOLES) in *hvc0*) ;; *) fail "kernel consoles: '$(out_value CONSOLES)'" ;; esac
	[ "$(out_value TTY)" = /dev/hvc0 ] || fail "init's stdin is '$(out_value TTY)'"
	[ "$(out_value GOT)" = typed-into-hvc0 ] || fail "guest read '$(out_value GOT)' from hvc0"
}

# virtio-rng: /dev/hwrng is the virtio one and gives bytes, not all zero.
l1_hwrng_virtio() {
	vm -- 'echo RNG=$(cat /sys/class/misc/hw_random/rng_current)
		head -c 4096 /dev/hwrng >/tmp/r
		echo BYTES=$(wc -c </tmp/r)
		echo NONZERO=$(od -An -tx1 -v </tmp/r | tr -d " \n0" | wc -c)'
}
check_hwrng_virtio() {
	expect_status 0
	case $(out_value RNG) in virtio_rng*) ;; *) fail "hw_random uses '$(out_value RNG)'" ;; esac
	[ "$(out_value BYTES)" = 4096 ] || fail "read '$(out_value BYTES)' bytes from /dev/hwrng"
	[ "$(out_value NONZERO)" -gt 1000 ] 2>/dev/null || fail "/dev/hwrng gave mostly zeros ($(out_value NONZERO) nonzero digits)"
}

# virtio-fs: the guest reads a file the host put in the shared directory
# and writes a token and 1 MiB of its own; the host checks the bytes.
prep_share_virtiofs_read_write() {
	new_token
	mkdir -p "$T/share"
	head -c 1000000 /dev/urandom >"$T/share/from-host"
}
l1_share_virtiofs_read_write() {
	vm --share "$T/share,tag=data" -- "mount -t virtiofs data /mnt || echo MOUNT-FAILED
		echo READSUM=\$(md5sum </mnt/from-host | cut -d' ' -f1)
		echo $(cat "$T/token") >/mnt/token
		head -c 1048576 /dev/urandom >/mnt/blob
		echo BLOBSUM=\$(md5sum </mnt/blob | cut -d' ' -f1)
		umount /mnt && echo UMOUNTED"
}
check_share_virtiofs_read_write() {
	expect_status 0
	expect_no_out MOUNT-FAILED
	expect_out '^UMOUNTED'
	[ "$(out_value READSUM)" = "$(md5 "$T/share/from-host")" ] || fail "the guest read '$(out_value READSUM)' from the share"
	[ "$(cat "$T/share/token" 2>/dev/null)" = "$(cat "$T/token")" ] || fail "the share's token is '$(cat "$T/share/token" 2>/dev/null)'"
	[ -f "$T/share/blob" ] && [ "$(md5 "$T/share/blob")" = "$(out_value BLOBSUM)" ] ||
		fail "the share's blob is not what the guest wrote ($(out_value BLOBSUM))"
}

# The same devices over virtio-mmio (--transport mmio): a raw disk the
# guest writes a token to, the share it copies the disk's head into, and
# the entropy source; the device tree has their windows and SPIs.
prep_mmio_transport_disk_share_rng() {
	new_token
	head -c 1048576 /dev/zero >"$T/raw.img"
	mkdir -p "$T/share"
}
l1_mmio_transport_disk_share_rng() {
	vm --transport mmio -d "$T/raw.img" --share "$T/share,tag=out" -- "
		echo $(cat "$T/token") | dd of=/dev/vda bs=512 conv=notrunc 2>/dev/null && sync
		mount -t virtiofs out /mnt || echo MOUNT-FAILED
		dd if=/dev/vda of=/mnt/head bs=512 count=1 2>/dev/null
		umount /mnt
		echo RNG=\$(cat /sys/devices/virtual/misc/hw_random/rng_current)
		echo MMIO=\$(ls /sys/bus/platform/drivers/virtio-mmio | grep -c mmio)"
}
check_mmio_transport_disk_share_rng() {
	expect_status 0
	expect_no_out MOUNT-FAILED
	token=$(cat "$T/token")
	[ "$(head -c ${#token} "$T/raw.img")" = "$token" ] || fail "the disk image does not start with the token"
	[ "$(head -c ${#token} "$T/share/head" 2>/dev/null)" = "$token" ] || fail "the share has no copy of the disk's head"
	case $(out_value RNG) in
	virtio_rng*) ;;
	*) fail "rng_current is '$(out_value RNG)'" ;;
	esac
	[ "$(out_value MMIO)" = 3 ] || fail "$(out_value MMIO) virtio-mmio devices, expected 3"
}
