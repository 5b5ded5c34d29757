# libFuzzer targets for the guest-facing parsers; see tests/fuzz/README.md.
# Built with clang, libFuzzer, ASan and UBSan: `make fuzz` builds
# $(BUILD)/fuzz/<target>, `make fuzz-run [FUZZ_SECONDS=60]` runs each,
# `make fuzz-campaign` runs each for long (10 million inputs or 30 minutes,
# whichever first: hours in all), `make fuzz-coverage` reports the line
# coverage of the corpora.
#
# The kestrel sources the targets need are compiled here, instrumented,
# rather than taken from $(BUILD)/libkestrel.a (built without sanitizers).

FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CAMPAIGN_SECONDS ?= 1800
FUZZ_CAMPAIGN_RUNS ?= 10000000
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -pthread -I. \
	-I$(BUILD)/firmware -Wall -Wextra $(FUZZ_SAN)
# libslirp too: fuzz_net_backends stands in for it, the others never call it;
# zlib for the arm64 kernel loader's gzip.
FUZZ_LDLIBS := -laio -lslirp -lz -lpthread -lm

FUZZ_TARGETS := fuzz_virtqueue fuzz_virtio_blk fuzz_pci_config \
	fuzz_virtio_mmio fuzz_virtio_net fuzz_virtio_fs fuzz_virtio_ports \
	fuzz_virtio_mmio_race fuzz_virtio_pci_race fuzz_platform_io \
	fuzz_net_backends fuzz_virtio_devices fuzz_gdb_stub \
	fuzz_control fuzz_pl031 fuzz_pl031_race fuzz_arm64_image
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/%)

# What the targets share: the fake guest and the devices' scaffolding.
FUZZ_SHARED := fuzz_guest fuzz_pci fuzz_devpair fuzz_netbe fuzz_host
FUZZ_SHARED_HDRS := $(FUZZ_SHARED:%=tests/fuzz/%.h) tests/fuzz/fuzz_pl031.h

# Everything under test, plus what the targets share.
FUZZ_LIB_SRCS := \
	runtime/guest_mem.c \
	runtime/log.c \
	runtime/evloop.c \
	runtime/host_limits.c \
	runtime/iobus.c \
	vmm/host_console.c \
	vmm/console_watch.c \
	vmm/json.c \
	vmm/control.c \
	vmm/unix_listen.c \
	vmm/control_request.c \
	devices/serial.c \
	devices/rtc.c \
	devices/i8042.c \
	devices/acpi_pm.c \
	devices/pci.c \
	devices/block/disk.c \
	devices/virtio/iov.c \
	devices/virtio/virtqueue.c \
	devices/virtio/virtio.c \
	devices/virtio/pci.c \
	devices/virtio/blk.c \
	devices/virtio/rng.c \
	devices/virtio/console.c \
	devices/virtio/mmio.c \
	devices/virtio/net.c \
	devices/net/tap.c \
	devices/net/slirp.c \
	devices/virtio/fs.c \
	devices/virtio/ports.c \
	$(sort $(wildcard devices/fs/*.c)) \
	vmm/gdb_stub.c \
	vmm/gdb_commands.c \
	vmm/gdb_packet.c \
	vmm/gdb_breakpoints.c \
	arch/x86/gdb_regs.c \
	devices/pl031.c \
	arch/arm64/image.c \
	$(FUZZ_SHARED:%=tests/fuzz/%.c)
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_MAIN_OBJS := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/obj/tests/fuzz/%.o)
FUZZ_OBJS := $(FUZZ_LIB_OBJS) $(FUZZ_MAIN_OBJS)

.PHONY: fuzz fuzz-run fuzz-campaign fuzz-coverage fuzz-tsan fuzz-clean

fuzz: $(FUZZ_BINS)

fuzz-run: fuzz
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The long run, per target: results in $(BUILD)/fuzz/campaign.log.
fuzz-campaign: fuzz
	@FUZZ_CAMPAIGN_SECONDS=$(FUZZ_CAMPAIGN_SECONDS) \
		FUZZ_CAMPAIGN_RUNS=$(FUZZ_CAMPAIGN_RUNS) \
		tests/fuzz/run.sh --campaign $(FUZZ_TARGETS)

# Line coverage of what the corpora reach (after fuzz-run), per source file.
FUZZ_COV_DIR := $(BUILD)/fuzz-cov
FUZZ_COV_BINS := $(FUZZ_TARGETS:%=$(FUZZ_COV_DIR)/%)
FUZZ_COV_CFLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -pthread -I. \
	-I$(BUILD)/firmware -fprofile-instr-generate -fcoverage-mapping

fuzz-coverage: $(FUZZ_COV_BINS)
	@tests/fuzz/coverage.sh $(FUZZ_COV_DIR) $(FUZZ_TARGETS)

$(FUZZ_COV_BINS): $(FUZZ_COV_DIR)/%: tests/fuzz/%.c $(FUZZ_LIB_SRCS) \
		$(FUZZ_SHARED_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_COV_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_LIB_SRCS) $(FUZZ_LDLIBS)

# The racing targets under ThreadSanitizer, for data races that do no
# visible harm in a run: `make fuzz-tsan`, then
# $(BUILD)/fuzz-tsan/<target> RUNS FILE... (a corpus, say).
FUZZ_TSAN_DIR := $(BUILD)/fuzz-tsan
FUZZ_TSAN_BINS := $(FUZZ_TSAN_DIR)/fuzz_virtio_mmio_race \
	$(FUZZ_TSAN_DIR)/fuzz_virtio_pci_race $(FUZZ_TSAN_DIR)/fuzz_pl031_race

fuzz-tsan: $(FUZZ_TSAN_BINS)

$(FUZZ_TSAN_BINS): $(FUZZ_TSAN_DIR)/%: tests/fuzz/%.c tests/fuzz/run_inputs.c \
		$(FUZZ_LIB_SRCS) $(FUZZ_SHARED_HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -std=gnu11 -D_GNU_SOURCE -pthread -I. \
		-I$(BUILD)/firmware -Wall -Wextra -Werror -fsanitize=thread \
		-o $@ $< tests/fuzz/run_inputs.c $(FUZZ_LIB_SRCS) $(FUZZ_LDLIBS)

fuzz-clean:
	rm -rf $(FUZZ_DIR) $(FUZZ_COV_DIR) $(FUZZ_TSAN_DIR)

# The harness itself must be warning-free; kestrel's own sources are held
# to that by the main build.
$(FUZZ_DIR)/obj/tests/fuzz/%.o: FUZZ_WERROR := -Werror

$(FUZZ_OBJS): $(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_WERROR) -fsanitize=fuzzer-no-link \
		-MMD -MP -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_DIR)/%: $(FUZZ_DIR)/obj/tests/fuzz/%.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LDLIBS)

-include $(FUZZ_OBJS:.o=.d)
