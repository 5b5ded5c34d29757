# virtio-fs (--share): what the guest reads and writes in a host directory,
# checked on the host's files.

share_scratch() {
	SCRATCH=$(mktemp -d)
	echo "$SCRATCH" >"$T/scratch-dir"
}

# tree_sum DIR: one hash over every name, type, size, mode and content.
tree_sum() {
	(cd "$1" && find . -printf '%p %y %s %m %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort) | sha256sum | cut -d' ' -f1
}

# Files and links a read-only share holds, and a secret beside it.
make_ro_tree() {
	mkdir -p "$SCRATCH/share/dir/sub" "$SCRATCH/outside"
	MARKER=KESTREL-SECRET-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')
	echo "$MARKER" >"$SCRATCH/outside/secret"
	head -c 3000000 /dev/urandom >"$SCRATCH/share/big"
	echo hello >"$SCRATCH/share/dir/small"
	for i in $(seq 1 600); do : >"$SCRATCH/share/dir/sub/file-with-a-longish-name-$i"; done
	ln -s dir/small "$SCRATCH/share/link"
	ln -s "$SCRATCH/outside/secret" "$SCRATCH/share/abs-escape"
	ln -s ../outside/secret "$SCRATCH/share/rel-escape"
	ln -s ../../../../../../outside/secret "$SCRATCH/share/dir/deep-escape"
}

test_share_ro_reads_refuses_writes_and_escapes() {
	share_scratch
	make_ro_tree
	before=$(tree_sum "$SCRATCH/share")
	vm --share "$SCRATCH/share,tag=data,ro" -- '
		mount -t virtiofs data /mnt || echo MOUNT=failed
		echo BIGSUM=$(sha256sum </mnt/big | cut -d" " -f1)
		echo SMALL=$(cat /mnt/link)
		echo LINK=$(readlink /mnt/link)
		echo COUNT=$(ls /mnt/dir/sub | wc -l)
		echo LCOUNT=$(ls -l /mnt/dir/sub | grep -c longish)
		echo CREATE=$( (echo x >/mnt/new && echo allowed) 2>&1)
		echo APPEND=$( (echo x >>/mnt/dir/small && echo allowed) 2>&1)
		mkdir /mnt/newdir 2>/dev/null && echo MKDIR=allowed
		rm /mnt/big 2>/dev/null && echo RM=allowed
		mv /mnt/dir /mnt/dir2 2>/dev/null && echo MV=allowed
		touch /mnt/big 2>/dev/null && echo TOUCH=allowed
		chmod 777 /mnt/big 2>/dev/null && echo CHMOD=allowed
		for p in /mnt/abs-escape /mnt/rel-escape /mnt/dir/deep-escape \
			/mnt/../outside/secret /mnt/../../outside/secret \
			/mnt/dir/../../outside/secret; do
			cat "$p" 2>/dev/null
		done
		echo ABS=$(readlink /mnt/abs-escape)
		echo DONE=yes'
	expect_status 0
	expect_no_out 'MOUNT=failed'
	[ "$(out_value DONE)" = yes ] || fail "guest did not finish"
	[ "$(out_value BIGSUM)" = "$(sha256sum <"$SCRATCH/share/big" | cut -d' ' -f1)" ] ||
		fail "guest read different bytes of /big"
	[ "$(out_value SMALL)" = hello ] || fail "reading through a symlink gave '$(out_value SMALL)'"
	[ "$(out_value LINK)" = dir/small ] || fail "readlink gave '$(out_value LINK)'"
	[ "$(out_value COUNT)" = 600 ] && [ "$(out_value LCOUNT)" = 600 ] ||
		fail "a 600-entry directory lists $(out_value COUNT) / $(out_value LCOUNT) entries"
	expect_out 'CREATE=.*Read-only file system'
	expect_out 'APPEND=.*Read-only file system'
	expect_no_out '=allowed'
	[ "$(out_value ABS)" = "$SCRATCH/outside/secret" ] || fail "absolute link text '$(out_value ABS)'"
	expect_no_out "$MARKER"
	[ "$(tree_sum "$SCRATCH/share")" = "$before" ] || fail "the read-only tree changed"
	rm -rf "$SCRATCH"
}

test_share_rw_roundtrip() {
	share_scratch
	mkdir -p "$SCRATCH/share/keep" "$SCRATCH/outside"
	echo original >"$SCRATCH/share/keep/old"
	echo "don't touch" >"$SCRATCH/outside/victim"
	vm --share "$SCRATCH/share" -- '
		mount -t virtiofs share0 /mnt || echo MOUNT=failed
		seq 1 300000 >/mnt/numbers
		head -c 2500000 /dev/urandom >/tmp/p && cp /tmp/p /mnt/payload &&
			echo PAYSUM=$(sha256sum </tmp/p | cut -d" " -f1)
		mkdir -p /mnt/a/b/c && echo deep >/mnt/a/b/c/file
		mv /mnt/keep/old /mnt/a/moved && echo MOVED=$(cat /mnt/a/moved)
		echo gone >/mnt/gone && rm /mnt/gone
		mkdir /mnt/emptydir && rmdir /mnt/emptydir
		ln -s a/moved /mnt/sym && echo VIASYM=$(cat /mnt/sym)
		ln /mnt/a/moved /mnt/hard && echo NLINK=$(stat -c %h /mnt/hard)
		ln -s ../outside/victim /mnt/evil; echo pwned >/mnt/evil 2>/dev/null
		echo 12345678 >/mnt/trunc && truncate -s 3 /mnt/trunc
		echo one >/mnt/app && echo two >>/mnt/app
		chmod 640 /mnt/numbers
		sync; umount /mnt && echo UMOUNT=ok'
	expect_status 0
	expect_no_out 'MOUNT=failed'
	[ "$(out_value UMOUNT)" = ok ] || fail "umount failed"
	seq 1 300000 | cmp -s - "$SCRATCH/share/numbers" || fail "host /numbers differs"
	[ "$(sha256sum <"$SCRATCH/share/payload" | cut -d' ' -f1)" = "$(out_value PAYSUM)" ] ||
		fail "host /payload differs from what the guest wrote"
	[ "$(cat "$SCRATCH/share/a/b/c/file")" = deep ] || fail "mkdir -p / write"
	[ "$(cat "$SCRATCH/share/a/moved")" = original ] && [ ! -e "$SCRATCH/share/keep/old" ] ||
		fail "rename did not happen on the host"
	[ "$(out_value MOVED)" = original ] || fail "guest read '$(out_value MOVED)' after rename"
	[ ! -e "$SCRATCH/share/gone" ] && [ ! -e "$SCRATCH/share/emptydir" ] || fail "unlink/rmdir"
	[ "$(readlink "$SCRATCH/share/sym")" = a/moved ] || fail "symlink text on host"
	[ "$(out_value VIASYM)" = original ] || fail "read via symlink"
	[ "$(out_value NLINK)" = 2 ] && [ "$(stat -c %h "$SCRATCH/share/hard")" = 2 ] || fail "hard link"
	[ "$(cat "$SCRATCH/outside/victim")" = "don't touch" ] || fail "a guest symlink wrote outside the share"
	[ "$(cat "$SCRATCH/share/trunc")" = 123 ] || fail "truncate: '$(cat "$SCRATCH/share/trunc")'"
	[ "$(cat "$SCRATCH/share/app")" = "one
two" ] || fail "append"
	[ "$(stat -c %a "$SCRATCH/share/numbers")" = 640 ] || fail "chmod"
	rm -rf "$SCRATCH"
}

test_share_host_root_readonly() {
	want_doc=$(find /usr/share/doc 2>/dev/null | wc -l)
	want_sum=$(sha256sum </usr/bin/busybox | cut -d' ' -f1)
	vm --share /,tag=kestrel-root,ro -- '
		mount -t virtiofs kestrel-root /mnt || echo MOUNT=failed
		echo DEVNULL=$(stat -c "%F %t:%T" /mnt/dev/null | tr " " _)
		echo DOC=$(find /mnt/usr/share/doc 2>/dev/null | wc -l)
		echo BBSUM=$(sha256sum </mnt/usr/bin/busybox | cut -d" " -f1)
		echo LIBLINK=$(readlink /mnt/lib)
		echo x >/mnt/tmp/kestrel-should-not-exist 2>/dev/null && echo WRITE=allowed
		echo DONE=yes'
	expect_status 0
	expect_no_out 'MOUNT=failed|WRITE=allowed'
	[ "$(out_value DEVNULL)" = "character_special_file_1:3" ] || fail "/dev/null looks like '$(out_value DEVNULL)'"
	[ "$(out_value DOC)" = "$want_doc" ] || fail "find /usr/share/doc: $(out_value DOC) entries, host $want_doc"
	[ "$(out_value BBSUM)" = "$want_sum" ] || fail "busybox read differs"
	[ -n "$(out_value LIBLINK)" ] || fail "no symlink text for /lib or /lib64"
}

# A share on a file system that moves data in parts: nested, $T is on the
# nested host's 9p mount of the checkout, whose reads and writes stop at
# its msize (about 500 KB). Every byte must still cross, both ways.
test_share_on_9p_moves_whole_files() {
	mkdir -p "$T/share"
	head -c 2500000 /dev/urandom >"$T/share/from-host"
	vm --share "$T/share" -- '
		mount -t virtiofs share0 /mnt || echo MOUNT=failed
		echo READSUM=$(sha256sum </mnt/from-host | cut -d" " -f1)
		head -c 2500000 /dev/urandom >/tmp/p && cp /tmp/p /mnt/from-guest &&
			echo PAYSUM=$(sha256sum </tmp/p | cut -d" " -f1)
		umount /mnt && echo UMOUNT=ok'
	expect_status 0
	expect_no_out 'MOUNT=failed'
	[ "$(out_value UMOUNT)" = ok ] || fail "umount failed"
	[ "$(out_value READSUM)" = "$(sha256sum <"$T/share/from-host" | cut -d' ' -f1)" ] ||
		fail "the guest read other bytes than the host file's"
	[ "$(sha256sum <"$T/share/from-guest" | cut -d' ' -f1)" = "$(out_value PAYSUM)" ] ||
		fail "the host file differs from what the guest wrote"
}
