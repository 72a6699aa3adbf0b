# SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#
# make            build build/spantap (BPF objects, skeleton, agent)
# make test       install what tests need, build, run every test
# make demo       install what the demo needs, build, show spans of real traffic
# make install    install build/spantap under $(DESTDIR)$(PREFIX)/bin
# make fuzz       build the libFuzzer targets (clang) under build/fuzz
# make format     clang-format the C sources in place
# V=1 shows the commands.

OUTPUT ?= build
PREFIX ?= /usr/local
DESTDIR ?=

CC ?= gcc
CLANG ?= clang
BPFTOOL ?= $(shell command -v bpftool || echo /usr/sbin/bpftool)
LLVM_STRIP ?= llvm-strip

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX := bpf/vmlinux/$(ARCH)/vmlinux.h
ifeq ($(wildcard $(VMLINUX)),)
$(error No $(VMLINUX): architecture $(ARCH) is not supported yet; tools/gen-vmlinux.sh makes one)
endif

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

WARN := -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Wshadow -Wstrict-prototypes -Wmissing-prototypes -Werror=implicit \
	-Werror=undef -Wformat=2
CFLAGS ?= -g -O2
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE \
	-DSPANTAP_VERSION='"$(VERSION)"' -Iinclude -Iuser -I$(OUTPUT) \
	-I$(OUTPUT)/proto
# What the core (everything but the BPF loader) links with
CORE_LIBS := -lprotobuf-c -lcurl -lelf -lz -lpthread -lm
LDLIBS := -lbpf -lelf $(CORE_LIBS)

# clang -target bpf lacks the system include dirs on Debian (asm/ headers).
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')
BPF_CFLAGS := -g -O2 -Wall -Werror -Wno-gnu-variable-sized-type-not-at-end -target bpf -D__TARGET_ARCH_$(ARCH) \
	-Ibpf/vmlinux/$(ARCH) -Ibpf -Iinclude $(CLANG_BPF_SYS_INCLUDES)

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(OUTPUT)/bpf/%.bpf.o,$(BPF_SRCS))
BPF_HDRS := $(wildcard bpf/lib/*.bpf.h) $(wildcard include/spantap/*.h)

# Sources that need libbpf or the skeleton; everything else is the core that
# unit tests and fuzzers link without privileges.
SKEL_SRCS := user/main.c user/loader.c user/kernel_features.c user/tls_probes.c \
	user/ringbuf_reader.c \
	$(wildcard user/cmd_*.c)
CORE_SRCS := $(filter-out $(SKEL_SRCS),$(shell find user -name '*.c' | sort))
USER_HDRS := $(shell find user include -name '*.h')

# OTLP's messages, compiled by protoc-c into build/proto; the generated C is
# part of the core.
PROTO_SRCS := $(shell find proto -name '*.proto' | sort)
PB_SRCS := $(patsubst proto/%.proto,$(OUTPUT)/proto/%.pb-c.c,$(PROTO_SRCS))
PB_HDRS := $(PB_SRCS:.c=.h)
USER_HDRS += $(PB_HDRS)

CORE_OBJS := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(CORE_SRCS)) \
	$(patsubst $(OUTPUT)/proto/%.c,$(OUTPUT)/obj/pb/%.o,$(PB_SRCS))
SKEL_OBJS := $(patsubst %.c,$(OUTPUT)/obj/%.o,$(SKEL_SRCS))

# Tests: the core again, with sanitizers, linked with the unit tests.
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
UNIT_SRCS := $(wildcard tests/unit/*.c)
SAN_CORE_OBJS := $(patsubst %.c,$(OUTPUT)/san/%.o,$(CORE_SRCS)) \
	$(patsubst $(OUTPUT)/proto/%.c,$(OUTPUT)/san/pb/%.o,$(PB_SRCS))
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out tests/fuzz/fuzz_main.c,$(wildcard tests/fuzz/fuzz_*.c)))

.PHONY: all
all: $(OUTPUT)/spantap

$(OUTPUT)/spantap: $(CORE_OBJS) $(SKEL_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDLIBS)

$(OUTPUT)/obj/%.o: %.c $(USER_HDRS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(SKEL_OBJS): $(OUTPUT)/spantap.skel.h

$(OUTPUT)/proto/%.pb-c.c $(OUTPUT)/proto/%.pb-c.h: proto/%.proto
	$(call msg,PROTOC,$<)
	$(Q)mkdir -p $(OUTPUT)/proto
	$(Q)protoc-c --c_out=$(OUTPUT)/proto -Iproto $<

# Generated code: built as protoc-c writes it, without our warnings.
$(OUTPUT)/obj/pb/%.o: $(OUTPUT)/proto/%.c $(PB_HDRS)
	$(call msg,CC,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -I$(OUTPUT)/proto -c -o $@ $<

$(OUTPUT)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(VMLINUX)
	$(call msg,BPF,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(Q)$(LLVM_STRIP) -g $@

# All BPF objects are linked into one object, then one skeleton.
$(OUTPUT)/spantap.bpf.o: $(BPF_OBJS)
	$(call msg,BPFLINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUTPUT)/spantap.skel.h: $(OUTPUT)/spantap.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name spantap_bpf > $@

# --- tests -------------------------------------------------------------------

$(OUTPUT)/san/%.o: %.c $(USER_HDRS) $(wildcard tests/unit/*.h)
	$(call msg,CC-SAN,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -O1 $(SAN_FLAGS) -Itests/unit -c -o $@ $<

$(OUTPUT)/san/pb/%.o: $(OUTPUT)/proto/%.c $(PB_HDRS)
	$(call msg,CC-SAN,$<)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) -I$(OUTPUT)/proto -c -o $@ $<

$(OUTPUT)/tests/unit_tests: $(patsubst %.c,$(OUTPUT)/san/%.o,$(UNIT_SRCS)) $(SAN_CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(CORE_LIBS)

# Replay drivers: each fuzz target linked with fuzz_main.c, sanitizers on,
# run over its corpus by make test.
$(OUTPUT)/tests/replay_%: $(OUTPUT)/san/tests/fuzz/fuzz_%.o $(OUTPUT)/san/tests/fuzz/fuzz_main.o $(SAN_CORE_OBJS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(SAN_FLAGS) -o $@ $^ $(CORE_LIBS)

# libFuzzer builds, for running fuzz campaigns (make fuzz; see tests/fuzz/README.md)
$(OUTPUT)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRCS) $(USER_HDRS) $(PB_SRCS)
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) -g -O1 -std=gnu11 -D_GNU_SOURCE -Iinclude -Iuser \
		-I$(OUTPUT)/proto -DSPANTAP_VERSION='"$(VERSION)"' \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(CORE_SRCS) \
		$(PB_SRCS) $(CORE_LIBS)

.PHONY: fuzz
fuzz: $(patsubst %,$(OUTPUT)/fuzz/fuzz_%,$(FUZZ_TARGETS))

.PHONY: test-build
test-build: $(OUTPUT)/spantap $(OUTPUT)/tests/unit_tests \
	$(patsubst %,$(OUTPUT)/tests/replay_%,$(FUZZ_TARGETS))

.PHONY: deps-build deps-test
deps-build:
	$(Q)tools/install-deps.sh build
deps-test:
	$(Q)tools/install-deps.sh test

.PHONY: test
test: deps-test
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)tests/run.sh $(OUTPUT)

# Debian's 5.10, 6.1 and 6.12 kernels under qemu, and the host's (root; see
# tools/kernels/run.sh). UPDATE_BASELINE=1 rewrites the BPF instruction-count
# baseline, KERNELS="6.1 host" picks rows.
.PHONY: test-kernels
test-kernels: deps-test
	$(Q)tools/kernels/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)UPDATE_BASELINE=$(UPDATE_BASELINE) tools/kernels/run.sh $(OUTPUT)/spantap

# What each attach mode (tracepoint, fentry, kprobe) costs per request, on
# Debian's 5.10, 6.1 and 6.12 under qemu (root; tests/kernels/guest-bench.sh,
# about 2-2.5 minutes a kernel). KERNELS="6.12" picks rows.
.PHONY: bench-kernels
bench-kernels: deps-test
	$(Q)tools/kernels/deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)KERNELS_REPORT=bench GUEST_SCRIPT=tests/kernels/guest-bench.sh tools/kernels/run.sh $(OUTPUT)/spantap

.PHONY: unit
unit: $(OUTPUT)/tests/unit_tests
	$(Q)$(OUTPUT)/tests/unit_tests

.PHONY: demo
demo: deps-test
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tools/demo.sh $(OUTPUT)/spantap

.PHONY: bench
bench: all
	$(Q)tools/bench/run.sh $(OUTPUT)/spantap

.PHONY: install
install: $(OUTPUT)/spantap
	install -D -m 0755 $(OUTPUT)/spantap $(DESTDIR)$(PREFIX)/bin/spantap

.PHONY: format
format:
	clang-format -i $$(git ls-files '*.c' '*.h' | grep -v vmlinux)

.PHONY: clean
clean:
	rm -rf $(OUTPUT)

.DELETE_ON_ERROR:
.SECONDARY:
