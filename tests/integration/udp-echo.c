// SPDX-License-Identifier: MIT
/*
 * Test-guest helper (busybox has no UDP server): bind UDP PORT, say
 * UDP-READY, send the first datagram back to its sender with "echo:" in
 * front, exit. usage: udp-echo PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	char buf[1500] = "echo:";
	ssize_t n;
	int fd;

	if (argc != 2)
		return 2;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	addr.sin_port = htons((uint16_t)atoi(argv[1]));
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("udp-echo");
		return 1;
	}
	printf("UDP-READY\n");
	fflush(stdout);
	n = recvfrom(fd, buf + 5, sizeof(buf) - 5, 0, (struct sockaddr *)&from,
		     &fromlen);
	if (n < 0 || sendto(fd, buf, (size_t)n + 5, 0, (struct sockaddr *)&from,
			    fromlen) < 0) {
		perror("udp-echo");
		return 1;
	}
	return 0;
}
