/* SPDX-License-Identifier: MIT */
#ifndef KESTREL_RUNTIME_GUEST_EVENT_H
#define KESTREL_RUNTIME_GUEST_EVENT_H

/* Things the guest does that end its run; the VM maps them to exit statuses. */
enum guest_event {
	GUEST_POWEROFF,
	GUEST_RESET,
	GUEST_PANIC, /* the kernel began printing a panic */
	GUEST_PANIC_END, /* ... and finished, without rebooting */
	GUEST_CRASH, /* the CPU gave up: triple fault */
	GUEST_COMMAND_DONE, /* the guest command's exit status came */
};

struct guest_event_sink {
	void (*notify)(void *ctx, enum guest_event ev);
	void *ctx;
};

static inline void guest_event(const struct guest_event_sink *s,
			       enum guest_event ev)
{
	if (s->notify)
		s->notify(s->ctx, ev);
}

#endif
