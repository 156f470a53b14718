# smsaudit — build, test, demo, install.
#
#   make            library (libsmsaudit.a) and tool (smsaudit) in build/
#   make check      install missing Debian packages, build, run every unit and CLI
#                   test, and again under AddressSanitizer + UBSan; one summary line
#                   T=NAMES runs only those tests (see README), JOBS=N at a time
#   make check-fast the same without the sanitizer build, for quick iteration
#   make demo       install missing packages, build, run the example organisation
#   make install    PREFIX=/usr/local DESTDIR=
#   make clean

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
PKG_CONFIG ?= pkg-config
SAN     ?=
NPROC   := $(shell nproc 2>/dev/null || echo 2)
# make check T=NAMES JOBS=N: which tests (default all), how many at a time
# (tests wait on git, openssl and pipes as well as on the CPU: twice the cores
# keeps the cores busy). Set here so that only the command line overrides
# them, never a stray T or JOBS in the environment.
T       :=
JOBS    := $(shell echo $$(($(NPROC) * 2)))

PKGS := libgit2 libxml-2.0 libcrypto zlib libdeflate libical xlsxwriter
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -lhpdf -lpthread

WARN := -Wall -Wextra -Werror -Wshadow -Wformat=2
OPT  ?= -O2 -g
# The sanitizer build keeps line tables and function names (-g1: every report
# names file and line) without the types and variables of -g: a fifth less to
# compile, and much less for the sanitizer's symbolizer to read when it
# matches a leak against tests/lsan.supp.
ifeq ($(SAN),1)
OPT  := -O1 -g1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined
endif

ALL_CFLAGS := -std=c11 $(WARN) $(OPT) -D_POSIX_C_SOURCE=200809L -Iinclude -Isrc/lib \
              $(PKG_CFLAGS) $(CFLAGS)
# The library reads libgit2's CA bundle on the first remote operation rather
# than at every start (src/lib/cacerts.c): the program's own
# mbedtls_x509_crt_parse_file has to be visible to libgit2.
CACERTS_LDFLAGS := -Wl,--export-dynamic-symbol=mbedtls_x509_crt_parse_file
ALL_LDFLAGS := $(SAN_LDFLAGS) $(CACERTS_LDFLAGS) $(LDFLAGS)

LIB_SRC := $(wildcard src/lib/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
TEST_SRC := $(wildcard tests/unit/test_*.c)
HEADERS := $(wildcard include/smsaudit/*.h src/lib/*.h src/cli/*.h tests/unit/*.h)

EMBED := iso20000-1-2018.xml=controls/iso20000-1-2018.xml manifest.xsd=evidence-schemas/manifest.xsd \
         catalogue.xsd=evidence-schemas/catalogue.xsd \
         records.xsd=evidence-schemas/records.xsd report.xsd=evidence-schemas/report.xsd \
         stage1.xml=reports/stage1.xml stage2.xml=reports/stage2.xml \
         surveillance.xml=reports/surveillance.xml recertification.xml=reports/recertification.xml \
         internal.xml=reports/internal.xml special.xml=reports/special.xml \
         verify-pack.sh=reports/verify-pack.sh
EMBED_FILES := $(foreach e,$(EMBED),$(word 2,$(subst =, ,$(e))))

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/embedded.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FIXED_CLOCK := $(BUILD)/tests/fixed-clock.so
TSA_SERVER := $(BUILD)/tests/tsa-server

.PHONY: all tests check check-fast tests-build tests-build-asan demo install uninstall clean deps
.DELETE_ON_ERROR:

all: $(BUILD)/libsmsaudit.a $(BUILD)/smsaudit

tests: all $(TEST_BIN) $(FIXED_CLOCK) $(TSA_SERVER)

deps:
	@scripts/install-deps

$(BUILD)/gen/embedded.c: $(EMBED_FILES) scripts/embed.sh
	@mkdir -p $(@D)
	scripts/embed.sh $@ $(EMBED)

$(BUILD)/obj/gen/embedded.o: $(BUILD)/gen/embedded.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(OPT) -c $< -o $@

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libsmsaudit.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/smsaudit: $(CLI_OBJ) $(BUILD)/libsmsaudit.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libsmsaudit.a $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libsmsaudit.a $(HEADERS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libsmsaudit.a \
	    $(PKG_LIBS) $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

# The CLI tests' injected clock for openssl (tests/cli/fixed_clock.c): plain
# flags, never sanitizers, since it is preloaded into uninstrumented programs.
$(FIXED_CLOCK): tests/cli/fixed_clock.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 $(WARN) -shared -fPIC -o $@ $<

# A time-stamping authority on loopback for the CLI tests (tests/cli/tsa_server.c):
# HTTP in front of stock `openssl ts -reply`.
$(TSA_SERVER): tests/cli/tsa_server.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 $(WARN) -o $@ $<

# Everything, twice: a normal build and a sanitizer build, then every test of
# both, JOBS at a time, and one summary. The sanitizer build is made while the
# normal build's tests run (run-tests -w: its tests wait for
# build-asan/.build-status): a build leaves a core idle at its links and
# archive, which the tests fill.
tests-build:
	@$(MAKE) --no-print-directory -s tests BUILD=build
tests-build-asan:
	@$(MAKE) --no-print-directory -s tests BUILD=build-asan SAN=1

check: deps
	@$(MAKE) --no-print-directory -s -j$(NPROC) tests-build
	@mkdir -p build-asan && rm -f build-asan/.build-status
	@{ $(MAKE) --no-print-directory -s -j$(NPROC) tests-build-asan; echo $$? >build-asan/.build-status.tmp; \
	   mv build-asan/.build-status.tmp build-asan/.build-status; } & \
	 scripts/run-tests -j '$(JOBS)' -t '$(T)' -w build-asan build build-asan; status=$$?; wait; exit $$status

check-fast: deps
	@$(MAKE) --no-print-directory -s -j$(NPROC) tests-build
	@scripts/run-tests -j '$(JOBS)' -t '$(T)' build

demo: deps
	@$(MAKE) --no-print-directory -s all $(TSA_SERVER)
	@scripts/demo.sh $(BUILD)/smsaudit $(TSA_SERVER)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/smsaudit \
	    $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/smsaudit/controls \
	    $(DESTDIR)$(PREFIX)/share/smsaudit/evidence-schemas
	install -m 755 $(BUILD)/smsaudit $(DESTDIR)$(PREFIX)/bin/smsaudit
	install -m 644 $(BUILD)/libsmsaudit.a $(DESTDIR)$(PREFIX)/lib/libsmsaudit.a
	install -m 644 include/smsaudit/*.h $(DESTDIR)$(PREFIX)/include/smsaudit/
	install -m 644 docs/smsaudit.1 $(DESTDIR)$(PREFIX)/share/man/man1/smsaudit.1
	install -m 644 controls/*.xml $(DESTDIR)$(PREFIX)/share/smsaudit/controls/
	install -m 644 evidence-schemas/*.xsd $(DESTDIR)$(PREFIX)/share/smsaudit/evidence-schemas/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/smsaudit $(DESTDIR)$(PREFIX)/lib/libsmsaudit.a \
	    $(DESTDIR)$(PREFIX)/share/man/man1/smsaudit.1
	rm -rf $(DESTDIR)$(PREFIX)/include/smsaudit $(DESTDIR)$(PREFIX)/share/smsaudit

clean:
	rm -rf build build-asan
