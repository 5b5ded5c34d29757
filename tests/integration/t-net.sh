# virtio-net: what crosses the guest's network, checked from the host side.

# The guest command that brings eth0 up by DHCP and reports its address.
NET_UP='ip link set eth0 up
	udhcpc -q -n -t 5 -s /etc/udhcpc.script -i eth0 >/dev/null 2>&1 || echo DHCP-FAILED
	echo ADDR=$(ip -4 -o addr show eth0 | sed -n "s/.* inet \([^ ]*\).*/\1/p")'

# The guest command that serves /tmp/g on TCP port 8080 once (receiving
# into /tmp/r), says NC-LISTENING when it listens, and reports both sums.
# Both ways move 3000000 bytes (netpeer.py's exchange expects as many as it
# sends).
NC_SERVE='head -c 3000000 /dev/urandom >/tmp/g
	echo GSUM=$(md5sum </tmp/g | cut -d" " -f1)
	nc -l -p 8080 </tmp/g >/tmp/r &
	until netstat -ltn | grep -q ":8080 "; do sleep 0.1; done
	echo NC-LISTENING
	wait
	echo RSUM=$(md5sum </tmp/r | cut -d" " -f1)'

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

md5() {
	md5sum <"$1" | cut -d' ' -f1
}

# http_server FILE: serves FILE on the host's loopback; sets $port, $server.
http_server() {
	python3 "$here/netpeer.py" serve "$1" "$T/port" &
	server=$!
	until [ -s "$T/port" ]; do
		kill -0 "$server" 2>/dev/null || { fail "the HTTP server did not start"; return 1; }
		sleep 0.05
	done
	port=$(cat "$T/port")
}

# exchange_peer HOST PORT [NETNS]: once the guest's NC_SERVE listens, the
# host side of the exchange (3 MB each way, from $T/to-guest, into
# $T/from-guest), in the background and in network namespace NETNS if
# given; sets $peer.
exchange_peer() {
	head -c 3000000 /dev/urandom >"$T/to-guest"
	${3:+ip netns exec "$3"} python3 "$here/netpeer.py" exchange "$T/out" NC-LISTENING \
		"$1" "$2" "$T/to-guest" "$T/from-guest" 2>"$T/peer-err" &
	peer=$!
}

# expect_exchange: the TCP exchange with NC_SERVE moved every byte both ways.
expect_exchange() {
	[ -n "$(out_value GSUM)" ] || fail "the guest's server did not run"
	[ "$(out_value GSUM)" = "$(md5 "$T/from-guest")" ] ||
		fail "the host received $(wc -c <"$T/from-guest") bytes that differ from what the guest sent"
	[ "$(out_value RSUM)" = "$(md5 "$T/to-guest")" ] ||
		fail "the guest received bytes that differ from what the host sent"
}

test_net_user_dhcp_and_fetch_from_host() {
	head -c 3000000 /dev/urandom >"$T/file"
	http_server "$T/file"
	vm --net user -- "$NET_UP
		wget -q -O /tmp/f http://10.0.2.2:$port/file && echo GOT=\$(md5sum </tmp/f | cut -d' ' -f1)"
	kill "$server"
	expect_status 0
	expect_no_out DHCP-FAILED
	[ "$(out_value ADDR)" = 10.0.2.15/24 ] || fail "guest address '$(out_value ADDR)', expected 10.0.2.15/24"
	[ "$(out_value GOT)" = "$(md5 "$T/file")" ] || fail "the guest fetched '$(out_value GOT)', not the host's file"
}

test_net_user_hostfwd_tcp_both_ways() {
	port=$(free_port)
	exchange_peer 127.0.0.1 "$port"
	vm --net "user,hostfwd=tcp::$port-:8080" -- "$NET_UP
		$NC_SERVE"
	wait "$peer" || fail "host side: $(cat "$T/peer-err")"
	expect_status 0
	expect_exchange
}

test_net_user_hostfwd_udp() {
	port=$(free_port)
	python3 "$here/netpeer.py" udp "$T/out" UDP-READY 127.0.0.1 "$port" hello-over-udp \
		>"$T/reply" 2>"$T/peer-err" &
	peer=$!
	vm --net "user,hostfwd=udp::$port-:9000" -- "$NET_UP
		udp-echo 9000"
	wait "$peer" || fail "host side: $(cat "$T/peer-err")"
	expect_status 0
	[ "$(cat "$T/reply")" = echo:hello-over-udp ] || fail "the host got '$(cat "$T/reply")' back"
}

# restrict=on: the host's loopback server is out of reach, forwards work.
test_net_user_restrict_allows_only_forwards() {
	echo secret >"$T/file"
	http_server "$T/file"
	fport=$(free_port)
	exchange_peer 127.0.0.1 "$fport"
	vm --net "user,restrict=on,hostfwd=tcp::$fport-:8080" -- "$NET_UP
		if timeout 10 wget -q -O /tmp/f http://10.0.2.2:$port/file; then echo REACHED=yes; else echo REACHED=no; fi
		$NC_SERVE"
	kill "$server"
	wait "$peer" || fail "host side: $(cat "$T/peer-err")"
	expect_status 0
	[ "$(out_value REACHED)" = no ] || fail "the restricted guest reached the host's loopback ('$(out_value REACHED)')"
	expect_exchange
}

test_net_two_nics_with_macs() {
	vm --net user --net user,mac=02:00:00:aa:bb:cc -- '
		for i in eth0 eth1; do echo MAC_$i=$(cat /sys/class/net/$i/address); done'
	expect_status 0
	[ "$(out_value MAC_eth0)" = 52:54:00:12:34:56 ] || fail "eth0 MAC '$(out_value MAC_eth0)'"
	[ "$(out_value MAC_eth1)" = 02:00:00:aa:bb:cc ] || fail "eth1 MAC '$(out_value MAC_eth1)'"
}

# A TAP device in a network namespace of the test's own: the guest pings
# the host side and moves data both ways over TCP.
test_net_tap_ping_and_tcp() {
	ns=ktest-$$
	ip netns add "$ns" || { fail "cannot create a network namespace (run as root)"; return 1; }
	ip -n "$ns" tuntap add ktap0 mode tap &&
		ip -n "$ns" addr add 192.168.77.1/24 dev ktap0 &&
		ip -n "$ns" link set ktap0 up && ip -n "$ns" link set lo up ||
		{ ip netns del "$ns"; fail "cannot set up ktap0"; return 1; }
	exchange_peer 192.168.77.2 8080 "$ns"
	status=0
	ip netns exec "$ns" $GUARD "$KESTREL" run -k "$KERNEL" -i "$INITRD" --timeout 240 \
		--net tap=ktap0 -a "$(guest_cmd "ip addr add 192.168.77.2/24 dev eth0 && ip link set eth0 up
			ping -c 2 -w 20 192.168.77.1 >/dev/null && echo PING=ok
			$NC_SERVE")" </dev/null >"$T/out" 2>"$T/err" || status=$?
	wait "$peer" || fail "host side: $(cat "$T/peer-err")"
	ip netns del "$ns"
	expect_status 0
	[ "$(out_value PING)" = ok ] || fail "the guest could not ping the host's end of the TAP device"
	expect_exchange
}

# A TAP device another program holds, or one the user may not use: one
# line and status 125 before any VM exists.
test_net_tap_busy_or_forbidden_is_refused() {
	ns=ktest-$$
	ip netns add "$ns" || { fail "cannot create a network namespace (run as root)"; return 1; }
	ip -n "$ns" tuntap add ktap0 mode tap || { ip netns del "$ns"; fail "cannot create ktap0"; return 1; }
	ip netns exec "$ns" python3 -c '
import fcntl, struct, sys, time
fd = open("/dev/net/tun", "r+b", buffering=0)
fcntl.ioctl(fd, 0x400454ca, struct.pack("16sH", b"ktap0", 0x0002 | 0x1000))
print("HOLDING", flush=True)
time.sleep(600)' >"$T/holder" &
	holder=$!
	until grep -q HOLDING "$T/holder"; do
		kill -0 "$holder" 2>/dev/null || break
		sleep 0.05
	done
	status=0
	ip netns exec "$ns" "$KESTREL" run -k "$KERNEL" --net tap=ktap0 </dev/null >"$T/out" 2>"$T/err" || status=$?
	kill "$holder"
	wait "$holder" 2>/dev/null || true
	busy_status=$status
	cp "$T/err" "$T/err-busy"
	status=0
	ip netns exec "$ns" setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$KESTREL" run -k "$KERNEL" --net tap=ktap0 </dev/null >"$T/out" 2>"$T/err" || status=$?
	ip netns del "$ns"
	[ "$busy_status" = 125 ] && [ "$(wc -l <"$T/err-busy")" = 1 ] &&
		grep -q "TAP device 'ktap0' is in use" "$T/err-busy" ||
		fail "busy TAP: status $busy_status, stderr: $(cat "$T/err-busy")"
	expect_status 125
	# Where /dev/net/tun itself is root's only (no udev), that is the refusal.
	expect_err "no permission to use TAP device 'ktap0'|cannot open /dev/net/tun: Permission denied"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "more than one line on stderr: $(cat "$T/err")"
}
