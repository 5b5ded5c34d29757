/*
 * A PVH "kernel" that sets up the UART, as the bzImage decompressor does,
 * and then spins: a guest stuck before the kernel proper runs, as a stock
 * kernel is on a PVM host. kestrel must call it lifeless, not wait quietly.
 */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 4, 18 /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.long _start

	.text
	.code32
	.globl _start, spin
_start:
	mov $0x3fb, %dx /* line control: divisor latch on */
	mov $0x80, %al
	out %al, %dx
	mov $0x3f8, %dx /* divisor 1 */
	mov $1, %al
	out %al, %dx
	mov $0x3fb, %dx /* 8 bits, no parity, latch off */
	mov $3, %al
	out %al, %dx
spin:
	jmp spin
