# kestrel: `make` builds ./kestrel, `make run` boots a guest, `make check`
# runs every test (under nested KVM when this host has no /dev/kvm),
# `make install` installs kestrel, its man page and its bash completion.

CC ?= gcc
CFLAGS ?= -O2 -g
BUILD ?= build
KCFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread \
	-I. -I$(BUILD)/firmware
LDLIBS := -pthread -lm -laio -lslirp -lseccomp
PREFIX ?= /usr/local
DESTDIR ?=

SRCS := $(sort $(wildcard vmm/*.c devices/*.c devices/*/*.c arch/x86/*.c \
	firmware/*.c))
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/firmware/guest_init_blob.o
LIB_OBJS := $(filter-out $(BUILD)/obj/vmm/main.o,$(OBJS))

UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

# cli-doc renders the option table for the README, man and bash.
DOC_SRCS := $(sort $(wildcard tools/*.c))
MAN_PAGE := $(BUILD)/kestrel.1
COMPLETION := $(BUILD)/kestrel.bash-completion

.PHONY: all check unit cli-tests integration run deps clean format \
	clang-build fuzz docs readme install uninstall
all: kestrel

kestrel: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The DSDT is ASL, compiled to AML by iasl and embedded as a C array.
$(BUILD)/firmware/dsdt.hex: firmware/dsdt.asl
	@mkdir -p $(dir $@)
	iasl -we -tc -p $(BUILD)/firmware/dsdt $< >$(BUILD)/firmware/iasl.log || \
		{ cat $(BUILD)/firmware/iasl.log; exit 1; }
$(BUILD)/obj/firmware/acpi.o: $(BUILD)/firmware/dsdt.hex

# The guest init for --rootfs: a static program kestrel carries inside it.
GUEST_INIT := $(BUILD)/firmware/kestrel-init
$(GUEST_INIT): firmware/init/init.c firmware/guest_init_protocol.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I. -Os -static \
		-s -o $@ $<
$(BUILD)/obj/firmware/guest_init_blob.o: firmware/guest_init_blob.S $(GUEST_INIT)
	@mkdir -p $(dir $@)
	$(CC) -DGUEST_INIT_PATH='"$(GUEST_INIT)"' -c -o $@ $<

$(BUILD)/libkestrel.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/unit/%: tests/unit/%.c tests/unit/unit.h tests/unit/fake_driver.h \
		tests/unit/fake_gdb_target.h \
		tests/unit/fake_control.h \
		$(BUILD)/libkestrel.a
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) $(CFLAGS) -Wno-unused-parameter -o $@ $< \
		$(BUILD)/libkestrel.a -lcmocka $(LDLIBS)

$(BUILD)/cli-doc: $(DOC_SRCS) tools/doc.h $(BUILD)/libkestrel.a
	$(CC) $(KCFLAGS) $(CFLAGS) -o $@ $(DOC_SRCS) $(BUILD)/libkestrel.a \
		$(LDLIBS)
$(MAN_PAGE): $(BUILD)/cli-doc
	$< man >$@.tmp && mv $@.tmp $@
$(COMPLETION): $(BUILD)/cli-doc
	$< bash-completion >$@.tmp && mv $@.tmp $@

docs: $(MAN_PAGE) $(COMPLETION)

# README.md's option table, remade from vmm/cli_options.c.
readme: $(BUILD)/cli-doc
	scripts/readme-options.sh $(BUILD)/cli-doc README.md

install: kestrel $(MAN_PAGE) $(COMPLETION)
	install -D -m 755 kestrel $(DESTDIR)$(PREFIX)/bin/kestrel
	install -D -m 644 $(MAN_PAGE) \
		$(DESTDIR)$(PREFIX)/share/man/man1/kestrel.1
	install -D -m 644 $(COMPLETION) \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/kestrel

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/kestrel \
		$(DESTDIR)$(PREFIX)/share/man/man1/kestrel.1 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/kestrel

-include $(OBJS:.o=.d)

# libFuzzer targets for the guest-facing parsers: `make fuzz`.
include tests/fuzz/fuzz.mk

deps:
	@scripts/deps.sh build

unit: $(UNIT_BINS)
	@tests/unit/run.sh $(UNIT_BINS)

cli-tests: kestrel $(BUILD)/cli-doc
	@tests/cli/run.sh ./kestrel
	@tests/cli/docs.sh ./kestrel $(BUILD)/cli-doc

integration: kestrel
	@tests/integration/check.sh

# Compile everything with clang as well, so both compilers stay clean.
clang-build:
	@$(MAKE) --no-print-directory CC=clang BUILD=$(BUILD)/clang \
		$(BUILD)/clang/kestrel $(BUILD)/clang/cli-doc \
		$(UNIT_SRCS:tests/unit/%.c=$(BUILD)/clang/unit/%)
$(BUILD)/kestrel: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

check:
	@scripts/deps.sh check
	@$(MAKE) --no-print-directory kestrel clang-build
	@$(MAKE) --no-print-directory unit cli-tests integration

run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory kestrel
	@tests/nested/run.sh -w $(CURDIR) scripts/run-demo.sh

format:
	clang-format -i $(SRCS) $(DOC_SRCS) firmware/init/init.c \
		$(wildcard */*.h */*/*.h tests/unit/*.[ch])

clean:
	rm -rf $(BUILD) kestrel
