# kestrel: `make` builds ./kestrel, `make run` boots a guest, `make check`
# runs every test (under nested KVM when this host has no /dev/kvm),
# `make install` installs kestrel, its man page and its bash completion.

# One build per architecture: ARCH is x86_64 or arm64, the host's by
# default. `make ARCH=arm64` on an x86_64 host cross-builds with Debian's
# gcc-aarch64-linux-gnu into build/arm64/kestrel.
HOST_ARCH := $(shell uname -m | sed -e s/aarch64/arm64/)
ARCH ?= $(HOST_ARCH)
ifeq ($(filter $(ARCH),x86_64 arm64),)
$(error ARCH=$(ARCH): kestrel builds for x86_64 or arm64)
endif
ifneq ($(ARCH),$(HOST_ARCH))
CROSS_COMPILE ?= aarch64-linux-gnu-
BUILD ?= build/$(ARCH)
KESTREL ?= $(BUILD)/kestrel
# Debian's libfdt-dev is not co-installable across architectures: the
# cross build takes libfdt1:arm64's library with the host's headers.
FDT_LIB := -l:libfdt.so.1
endif
FDT_LIB ?= -lfdt
ifneq ($(filter default undefined,$(origin CC)),)
CC := $(CROSS_COMPILE)gcc
endif
CFLAGS ?= -O2 -g
BUILD ?= build
KESTREL ?= kestrel
KCFLAGS := -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -pthread \
	-I. -I$(BUILD)/firmware
LDLIBS := -pthread -lm -laio -lslirp -lseccomp $(FDT_LIB) -lz
PREFIX ?= /usr/local
DESTDIR ?=

# What only one architecture's VMM has: its arch/ directory, its board
# (vmm/board_<arch>.c) and the vmm/ files listed here.
X86_ONLY := $(wildcard vmm/board_x86_64.c) firmware/acpi.c devices/acpi_pm.c \
	vmm/gdb_run_control.c vmm/gdb_kvm.c vmm/gdb_commands.c vmm/vm_dump.c \
	vmm/core_dump.c vmm/gdb_stub.c vmm/gdb_packet.c vmm/gdb_breakpoints.c \
	devices/i8042.c
ARM64_ONLY := $(wildcard vmm/board_arm64.c) vmm/debug_unsupported.c
ifeq ($(ARCH),x86_64)
ARCH_DIR := arch/x86
ARCH_OUT := $(ARM64_ONLY)
# The arm64 pieces that need no KVM are unit-tested on x86_64 hosts too.
TESTED_ELSEWHERE := $(wildcard arch/arm64/fdt.c arch/arm64/image.c)
else
ARCH_DIR := arch/arm64
ARCH_OUT := $(X86_ONLY)
TESTED_ELSEWHERE :=
endif
SRCS := $(sort $(filter-out $(ARCH_OUT),$(wildcard runtime/*.c vmm/*.c devices/*.c \
	devices/*/*.c $(ARCH_DIR)/*.c firmware/*.c)))
OBJS := $(SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/firmware/guest_init_blob.o
LIB_OBJS := $(filter-out $(BUILD)/obj/vmm/main.o,$(OBJS)) \
	$(TESTED_ELSEWHERE:%.c=$(BUILD)/obj/%.o)

# Unit tests of what only the x86_64 build has (or that fake an x86 host).
X86_UNIT := $(addprefix tests/unit/,test_acpi.c test_boot.c test_core_dump.c \
	test_cpuid.c test_e820.c test_gdb_packet.c test_gdb_regs.c \
	test_gdb_remote.c test_gdb_stub.c test_guest_init.c test_paging.c \
	test_host_kvm.c test_sandbox.c)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
ifeq ($(ARCH),arm64)
UNIT_SRCS := $(filter-out $(X86_UNIT),$(UNIT_SRCS))
endif
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

# cli-doc renders the option table for the README, man and bash.
DOC_SRCS := $(sort $(wildcard tools/*.c))
MAN_PAGE := $(BUILD)/kestrel.1
COMPLETION := $(BUILD)/kestrel.bash-completion

.PHONY: all check check-arm64 unit cli-tests integration run deps clean format \
	clang-build fuzz docs readme install uninstall
all: $(KESTREL)

$(KESTREL): $(OBJS)
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

-include $(LIB_OBJS:.o=.d)

# libFuzzer targets for the guest-facing parsers: `make fuzz`.
include tests/fuzz/fuzz.mk

deps:
	@scripts/deps.sh build

# The arm64 Image loader's test loads Debian's arm64 kernel too, once
# scripts/deps.sh arm64 has unpacked it (make check does that first).
ARM64_TEST_KERNEL := $(lastword $(sort $(wildcard \
	build/arm64-guest/root/boot/vmlinuz-*)))
unit: $(UNIT_BINS)
	@KESTREL_ARM64_KERNEL=$(ARM64_TEST_KERNEL) tests/unit/run.sh $(UNIT_BINS)

cli-tests: kestrel $(BUILD)/cli-doc
	@tests/cli/run.sh ./kestrel
	@tests/cli/docs.sh ./kestrel $(BUILD)/cli-doc

integration: kestrel
	@tests/integration/check.sh

# Compile everything with clang as well, so both compilers stay clean.
clang-build:
	@$(MAKE) --no-print-directory CC=clang BUILD=$(BUILD)/clang \
		KESTREL=$(BUILD)/clang/kestrel \
		$(BUILD)/clang/kestrel $(BUILD)/clang/cli-doc \
		$(UNIT_SRCS:tests/unit/%.c=$(BUILD)/clang/unit/%)

check:
	@scripts/deps.sh check
	@scripts/deps.sh arm64
	@$(MAKE) --no-print-directory kestrel clang-build
	@$(MAKE) --no-print-directory unit cli-tests integration check-arm64

# The arm64 lane: kestrel's arm64 build booting Debian's arm64 kernel.
# Then a few of its tests again on a GICv2 (INTx instead of MSIs).
check-arm64:
	@tests/arm64/run.sh
	@NESTED_GIC=2 tests/arm64/run.sh \
		'boot_reaches_init|cpus_2|share_virtiofs|mmio_transport|net_user'

run:
	@scripts/deps.sh run
	@$(MAKE) --no-print-directory kestrel
	@tests/nested/run.sh -w $(CURDIR) scripts/run-demo.sh

format:
	clang-format -i $(SRCS) $(DOC_SRCS) firmware/init/init.c \
		$(wildcard */*.h */*/*.h tests/unit/*.[ch])

clean:
	rm -rf $(BUILD) kestrel
