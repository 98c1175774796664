# The two README commands: `make run` and `make test`. Everything else is a step of theirs.
BUILD_DIR ?= build
ASAN_DIR ?= build-asan
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
JOBS ?= $(shell nproc)
CTEST_ARGS ?=

.PHONY: deps deps-run build run test asan-build asan-test bench bench-quick fuzz-build fuzz fuzz-ci format check clean

deps:
	@bash scripts/install-deps.sh

deps-run:
	@bash scripts/install-deps.sh --run

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Only the binary and what it links: the tests are most of the build.
run: deps-run $(BUILD_DIR)/build.ninja
	cmake --build $(BUILD_DIR) --target analytics -j $(JOBS)
	./$(BUILD_DIR)/src/analytics demo

test: build
	bash scripts/run-tests.sh $(BUILD_DIR) $(CTEST_ARGS)

$(ASAN_DIR)/build.ninja:
	cmake -S . -B $(ASAN_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DANALYTICS_SANITIZE=ON

asan-build: deps $(ASAN_DIR)/build.ninja
	cmake --build $(ASAN_DIR) -j $(JOBS)

# Under ASan, the tests that drive a real archiving PostgreSQL through
# pgBackRest for minutes are left out (about 340 s of test time): what of ours
# runs in them (argv, pgBackRest's output parsed) has tests of its own, which run.
ASAN_EXCLUDE ?= ^(backup\.PgBackRest|backup\.PgBackRestRestore|backup\.PgBackRestArchive|ops\.DoctorPgBackRest)\.
asan-test: asan-build
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  bash scripts/run-tests.sh $(ASAN_DIR) -E '$(ASAN_EXCLUDE)' $(CTEST_ARGS)

# The performance suite against nginx, a Python peer and hand-written SQL
# (bench/README.md). bench-quick: small dataset, under two minutes, run by CI.
bench: build
	@bash scripts/install-deps.sh --bench
	bash bench/bench.sh $(BUILD_DIR)

bench-quick: build
	@bash scripts/install-deps.sh --bench
	bash bench/bench.sh --quick $(BUILD_DIR)

# The libFuzzer targets of fuzz/ (fuzz/README.md), built with clang in their
# own dir (only the libraries they need), each run for FUZZ_SECONDS. fuzz-ci:
# the short run CI makes. `make test` replays their corpora as ordinary tests.
$(FUZZ_DIR)/build.ninja:
	cmake -S . -B $(FUZZ_DIR) -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 \
	  -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
	  -DANALYTICS_FUZZ=ON -DANALYTICS_BUILD_TESTS=OFF

fuzz-build:
	@bash scripts/install-deps.sh --fuzz
	$(MAKE) $(FUZZ_DIR)/build.ninja
	cmake --build $(FUZZ_DIR) --target fuzzers -j $(JOBS)

fuzz: fuzz-build
	bash fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-ci:
	$(MAKE) fuzz FUZZ_SECONDS=10

format:
	find src tests bench fuzz -name '*.h' -o -name '*.cc' | xargs clang-format -i

# clang-format and size checks (scripts/check-code.sh); CI runs them first.
check:
	bash scripts/check-code.sh

clean:
	rm -rf $(BUILD_DIR) $(ASAN_DIR) $(FUZZ_DIR)
