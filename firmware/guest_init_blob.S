/* SPDX-License-Identifier: MIT */
/* The guest init binary (firmware/init/init.c), embedded in kestrel. */
	.section .rodata
	.global kestrel_guest_init
	.global kestrel_guest_init_end
	.balign 16
kestrel_guest_init:
	.incbin GUEST_INIT_PATH
kestrel_guest_init_end:
	.section .note.GNU-stack, "", @progbits
