# kvmscope: a top-like live monitor for KVM hosts.
#
#   make            build build/kvmscope and build/kvmscope-storm
#   make check      install missing packages, build, run unit, end-to-end and fuzz tests
#   make demo       install missing packages, build, start storm guests and the monitor
#   make asan       the tests again, built with ASan/UBSan
#   make fuzz       each libFuzzer target in tests/fuzz for FUZZ_SECONDS (default 60)
#   make bench      benchmarks (print figures)
#   make install    PREFIX=/usr/local DESTDIR= (the recorder's unit records in RECORDDIR)

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/kvmscope
# systemd reads units from /usr/local/lib/systemd/system too: the unit follows PREFIX.
UNITDIR ?= $(PREFIX)/lib/systemd/system
# Where the installed kvmscope-record.service records.
RECORDDIR ?= /var/log/kvmscope
BUILD   ?= build
V       ?= 0

CC      ?= cc
PKG_CONFIG ?= pkg-config
PKGS    := ncursesw libtracefs libtraceevent libmicrohttpd libtracecmd libzstd json-c expat

ifeq ($(V),0)
Q := @
endif

# Debian packages behind each requirement: kind:probe:package (a command in PATH, a
# pkg-config module, a header, a libFuzzer runtime, a file: daemons live in /usr/sbin).
DEPS := cmd:cc:gcc cmd:pkg-config:pkg-config pkg:ncursesw:libncurses-dev \
	pkg:libtracefs:libtracefs-dev pkg:libtraceevent:libtraceevent-dev \
	hdr:perfmon/pfmlib.h:libpfm4-dev pkg:check:check pkg:libmicrohttpd:libmicrohttpd-dev \
	pkg:libtracecmd:libtracecmd-dev pkg:libzstd:libzstd-dev pkg:json-c:libjson-c-dev \
	pkg:expat:libexpat1-dev
TEST_DEPS := cmd:tmux:tmux cmd:qemu-system-x86_64:qemu-system-x86 cmd:python3:python3 \
	cmd:prometheus:prometheus cmd:promtool:prometheus cmd:curl:curl cmd:trace-cmd:trace-cmd \
	cmd:systemd-analyze:systemd file:/usr/sbin/libvirtd:libvirt-daemon-system \
	cmd:virsh:libvirt-clients
BENCH_DEPS := cmd:perf:linux-perf cmd:trace-cmd:trace-cmd
FUZZ_DEPS := cmd:clang:clang fuzz:fuzzer:libclang-rt-14-dev

CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-missing-field-initializers
HARDEN  := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
KCFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARN) -MMD -MP
KLDFLAGS := -pie -Wl,-z,relro,-z,now
ifeq ($(SANITIZE),1)
KCFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
KLDFLAGS += -fsanitize=address,undefined
HARDEN  := -fPIE
endif

# Evaluated on use, so a recursive make sees libraries installed by `deps`.
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
TRACE_PKGS := libtracefs libtraceevent libtracecmd libzstd
TRACE_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TRACE_PKGS) 2>/dev/null)
CURSES_CFLAGS = $(shell $(PKG_CONFIG) --cflags ncursesw 2>/dev/null)
HTTPD_CFLAGS = $(shell $(PKG_CONFIG) --cflags libmicrohttpd 2>/dev/null)
JSONC_CFLAGS = $(shell $(PKG_CONFIG) --cflags json-c 2>/dev/null)
ZSTD_CFLAGS = $(shell $(PKG_CONFIG) --cflags libzstd 2>/dev/null)
EXPAT_CFLAGS = $(shell $(PKG_CONFIG) --cflags expat 2>/dev/null)
PKG_LIBS   = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lpfm -lm -lpthread
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# The layers, bottom up, and the include paths each is compiled with: a header of a layer it
# may not use is not found, so a wrong include fails to compile (tests/layers.sh proves it).
#   lib     allocation, strings, the clock
#   input   what probes return and the model takes: events, samples, source states
#   snap    the snapshot: the contract between the model and every output
#   probes  one source each; see input only
#   model   pure C over input, building snapshots
#   output  panes, tables, batch text, JSON written and read (json-c): see the snapshot only
#   record  recordings (zstd): written from snapshots, read back as snapshots; sees output
#   ui      the live screen: outputs and the snapshot
#   export  the exporter's HTTP server (libmicrohttpd) and files: outputs and the snapshot
#   app     main, the tick loop and the replay loops (src/*.c): wires the others together
LAYERS     := lib input snap probes model output record ui export app
DIR_lib    := src/lib
DIR_input  := src/input
DIR_snap   := src/snap
DIR_probes := probes
DIR_model  := src/model
DIR_output := src/output
DIR_record := src/record
DIR_ui     := ui
DIR_export := src/export
DIR_app    := src
INC_lib    := -Isrc/lib
INC_input  := -Isrc/input $(INC_lib)
INC_snap   := -Isrc/snap $(INC_lib)
INC_probes := -Iprobes $(INC_input)
INC_model  := -Isrc/model $(INC_input) -Isrc/snap
INC_output := -Isrc/output $(INC_snap)
INC_record := -Isrc/record $(INC_output)
INC_ui     := -Iui $(INC_output)
INC_export := -Isrc/export $(INC_output)
INC_app    := -Isrc -Iprobes -Isrc/model -Isrc/input -Iui -Isrc/export $(INC_record)
# System headers by layer: only probes see libtracefs and expat, only ui (and the app)
# curses, only export (and the app) libmicrohttpd, only output and record json-c, record zstd.
SYS_probes  = $(TRACE_CFLAGS) $(EXPAT_CFLAGS)
SYS_output  = $(JSONC_CFLAGS)
SYS_record  = $(JSONC_CFLAGS) $(ZSTD_CFLAGS)
SYS_ui      = $(CURSES_CFLAGS)
SYS_export  = $(HTTPD_CFLAGS)
SYS_app     = $(PKG_CFLAGS)

# The same flags for the fuzzers' second build of the library ($(BUILD)/fuzz).
$(foreach b,$(BUILD) $(BUILD)/fuzz,$(foreach l,$(LAYERS),\
	$(eval $(b)/obj/$(DIR_$(l))/%.o: LAYER_CFLAGS = $$(INC_$(l)) $$(SYS_$(l)))))
$(BUILD)/obj/tests/%.o $(BUILD)/fuzz/obj/tests/%.o: LAYER_CFLAGS = $(INC_app) -Itests/unit \
	$(PKG_CFLAGS) $(CHECK_CFLAGS)
$(BUILD)/obj/src/storm/%.o: LAYER_CFLAGS = -Isrc/storm

LIB_SRC   := $(wildcard src/lib/*.c src/input/*.c src/snap/*.c src/model/*.c src/output/*.c) \
	     $(wildcard src/record/*.c probes/*.c ui/*.c src/export/*.c) src/tick.c src/detail.c \
	     src/offline.c src/replay.c src/timeline.c src/incident.c
STORM_SRC := $(wildcard src/storm/*.c src/storm/*.S)
TEST_SRC  := $(wildcard tests/unit/test_*.c)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
STORM_OBJ := $(patsubst %.S,$(BUILD)/obj/%.o,$(STORM_SRC:%.c=$(BUILD)/obj/%.o))
TESTS     := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCHES   := $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

KVMSCOPE := $(BUILD)/kvmscope
STORM    := $(BUILD)/kvmscope-storm

.PHONY: all deps test-deps bench-deps fuzz-deps check check-layers check-unit check-e2e \
	check-fuzz asan demo run install uninstall bench clean format tests fuzzers fuzz
all: $(KVMSCOPE) $(STORM)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) $(LAYER_CFLAGS) $(HARDEN) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.S
	@mkdir -p $(@D)
	@echo "  AS      $<"
	$(Q)$(CC) $(KCFLAGS) $(LAYER_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/libkvmscope.a: $(LIB_OBJ)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(KVMSCOPE): $(BUILD)/obj/src/main.o $(BUILD)/libkvmscope.a
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(KLDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

$(STORM): $(STORM_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(KLDFLAGS) -o $@ $^ -lpthread $(LDFLAGS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libkvmscope.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(KLDFLAGS) -o $@ $^ $(CHECK_LIBS) $(PKG_LIBS) $(LDFLAGS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(BUILD)/libkvmscope.a
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(CC) $(CFLAGS) $(KLDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

tests: $(TESTS)

# Fuzz targets (libFuzzer, clang): one per tests/fuzz/fuzz_*.c, linked against the library
# built again in $(FUZZ_BUILD) with coverage, ASan and UBSan. Seeds and regression inputs
# live in tests/fuzz/corpus/<target>/; tests/fuzz/run.sh keeps new finds under $(FUZZ_BUILD).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 30
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
		-fno-sanitize-recover=undefined
FUZZERS      := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(KCFLAGS) $(LAYER_CFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link \
		-DFUZZ_FIXTURES='"$(CURDIR)/tests/fixtures"' -c -o $@ $<

$(FUZZ_BUILD)/libkvmscope.a: $(LIB_SRC:%.c=$(FUZZ_BUILD)/obj/%.o)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_%.o $(FUZZ_BUILD)/libkvmscope.a
	@echo "  LD      $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(PKG_LIBS)

fuzzers: $(FUZZERS)

-include $(shell find $(FUZZ_BUILD)/obj -name '*.d' 2>/dev/null)

# Keep test and bench objects: they are intermediates of pattern rules.
.SECONDARY:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# Install what is missing, as root with apt-get; say what is missing otherwise.
define install_missing
	@missing=""; for d in $(1); do \
		kind=$${d%%:*}; rest=$${d#*:}; probe=$${rest%%:*}; pkg=$${rest#*:}; \
		case $$kind in \
		cmd) command -v $$probe >/dev/null 2>&1 || missing="$$missing $$pkg";; \
		pkg) $(PKG_CONFIG) --exists $$probe 2>/dev/null || missing="$$missing $$pkg";; \
		hdr) [ -f /usr/include/$$probe ] || missing="$$missing $$pkg";; \
		file) [ -e $$probe ] || missing="$$missing $$pkg";; \
		fuzz) echo 'int LLVMFuzzerTestOneInput(void) { return 0; }' | $(FUZZ_CC) -x c \
			-fsanitize=$$probe -o /dev/null - >/dev/null 2>&1 || missing="$$missing $$pkg";; \
		esac; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
		else \
			echo "missing:$$missing (install them, e.g. apt-get install$$missing)" >&2; exit 1; \
		fi; \
	fi
endef

deps:
	$(call install_missing,$(DEPS))
test-deps: deps
	$(call install_missing,$(TEST_DEPS))
bench-deps: test-deps
	$(call install_missing,$(BENCH_DEPS))
fuzz-deps: deps
	$(call install_missing,$(FUZZ_DEPS))

check: test-deps fuzz-deps
	$(Q)$(MAKE) --no-print-directory all tests fuzzers
	$(Q)$(MAKE) --no-print-directory check-layers check-unit check-e2e check-fuzz

# Includes follow the layers, without cycles, and a wrong one does not compile.
check-layers:
	$(Q)tests/layers.py $(CC)

check-unit: tests
	$(Q)tests/run-unit.sh $(TESTS)

check-e2e: all
	$(Q)KVMSCOPE=$(KVMSCOPE) STORM=$(STORM) tests/run-e2e.sh

# Leaks inside the tracing libraries are theirs (tests/lsan.supp); ours are reported.
asan: test-deps
	$(Q)LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 \
		$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SANITIZE=1 CFLAGS="-O1 -g" \
		check-unit check-e2e

# Each fuzz target over its seeds and regression inputs, then FUZZ_CHECK_SECONDS of fuzzing.
check-fuzz: fuzzers
	$(Q)tests/fuzz/run.sh --check $(FUZZ_CHECK_SECONDS) $(FUZZERS)

fuzz: fuzz-deps
	$(Q)$(MAKE) --no-print-directory fuzzers
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

bench: bench-deps
	$(Q)$(MAKE) --no-print-directory all $(BENCHES)
	$(Q)KVMSCOPE=$(KVMSCOPE) STORM=$(STORM) BENCH_DIR=$(BUILD)/bench tests/bench/run.sh

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)KVMSCOPE=$(KVMSCOPE) STORM=$(STORM) tests/demo.sh

run: all
	$(Q)$(KVMSCOPE) $(ARGS)

# The exporter's unit and alert rules live beside its code (src/export/): they name its
# options and metrics. The unit gets the installed binary's path.
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8
	install -m 755 $(KVMSCOPE) $(STORM) $(DESTDIR)$(BINDIR)/
	install -d $(DESTDIR)$(MANDIR)/man1
	install -m 644 man/kvmscope.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/kvmscope-storm.1 $(DESTDIR)$(MANDIR)/man1/
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR)
	sed 's|@BINDIR@|$(BINDIR)|g' src/export/kvmscope-exporter.service \
		>$(DESTDIR)$(UNITDIR)/kvmscope-exporter.service
	chmod 644 $(DESTDIR)$(UNITDIR)/kvmscope-exporter.service
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@RECORDDIR@|$(RECORDDIR)|g' \
		src/record/kvmscope-record.service >$(DESTDIR)$(UNITDIR)/kvmscope-record.service
	chmod 644 $(DESTDIR)$(UNITDIR)/kvmscope-record.service
	install -m 644 src/export/kvmscope-alerts.yml $(DESTDIR)$(DATADIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/kvmscope $(DESTDIR)$(BINDIR)/kvmscope-storm \
		$(DESTDIR)$(MANDIR)/man8/kvmscope.8 $(DESTDIR)$(MANDIR)/man1/kvmscope-storm.1 \
		$(DESTDIR)$(UNITDIR)/kvmscope-exporter.service \
		$(DESTDIR)$(UNITDIR)/kvmscope-record.service \
		$(DESTDIR)$(DATADIR)/kvmscope-alerts.yml
	-rmdir $(DESTDIR)$(DATADIR) 2>/dev/null

format:
	clang-format -i $(wildcard src/*.[ch] src/*/*.[ch] probes/*.[ch] ui/*.[ch] tests/unit/*.[ch] \
		tests/bench/*.[ch] tests/fuzz/*.[ch])

clean:
	rm -rf $(BUILD)
