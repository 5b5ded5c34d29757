/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_FIRMWARE_GUEST_INIT_PROTOCOL_H
#define KESTREL_FIRMWARE_GUEST_INIT_PROTOCOL_H

/*
 * What kestrel and its guest init (firmware/init/init.c) agree on.
 *
 * GUEST_INIT_CONFIG in the initramfs holds NUL-terminated "key=value"
 * records: root= (the virtiofs tag of the root), hostname=, cwd=,
 * console= (ttyS0 or hvc0), rows=, cols=, and repeated env=NAME=VALUE,
 * mod=PATH (modules to load, in order) and arg= (the command's argv; none
 * means an interactive shell).
 */
#define GUEST_INIT_CONFIG "/kestrel/config"
#define GUEST_INIT_MODULES "/kestrel/modules"
#define GUEST_ROOT_TAG "kestrel-root"

/*
 * virtio-console ports of a command run. The status port carries the
 * command's exit status as decimal text and a newline, after everything
 * the command wrote to the others.
 */
#define GUEST_PORT_STDIN "kestrel.stdin"
#define GUEST_PORT_STDOUT "kestrel.stdout"
#define GUEST_PORT_STDERR "kestrel.stderr"
#define GUEST_PORT_STATUS "kestrel.status"

#endif
