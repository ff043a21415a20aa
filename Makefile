# `make demo` and `make test` install what they need (scripts/setup.sh) and work on a fresh
# Debian machine with rustup and Node.
# `make contract` writes src/js/contract.js, the numbers the npm engine and its JavaScript agree
# on, from npm-core/src/contract.rs; `make lint` checks it is current.
.PHONY: setup demo package contract test lint test-native test-browser test-e2e test-e2e-node test-node-adapter test-examples test-fuzz fuzz reliability reliability-check reliability-long bench bench-quick

PORT ?= 8080
FUZZ_SECONDS ?= 600

setup:
	bash scripts/setup.sh

package: setup
	bash scripts/package.sh

# The demo only accepts WebSocket connections from its own pages.
demo: package
	cargo run --release -p resocket-server -- --port $(PORT) \
	  --allow-origin http://127.0.0.1:$(PORT) --allow-origin http://localhost:$(PORT)

contract:
	cargo run --quiet -p resocket-npm-core --features session --bin contract > src/js/contract.js

lint: setup
	cargo run --quiet -p resocket-npm-core --features session --bin contract | diff -u src/js/contract.js - \
	  || { echo "src/js/contract.js is out of date: run \`make contract\`" >&2; exit 1; }
	cargo fmt --all --check
	cargo fmt --manifest-path fuzz/Cargo.toml --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p resocket -p resocket-npm-core -p resocket-rust-face --all-targets --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p resocket --all-targets --target wasm32-unknown-unknown --features log -- -D warnings
	# Without the default `json` feature: the library alone (its tests use JSON).
	cargo clippy -p resocket --lib --target wasm32-unknown-unknown --no-default-features -- -D warnings
	# The engine as it ships, twice: the default engine and the session engine.
	cargo clippy -p resocket-npm-core --target wasm32-unknown-unknown -- -D warnings
	cargo clippy -p resocket-npm-core --target wasm32-unknown-unknown --features session -- -D warnings
	cargo clippy -p resocket-npm-server --all-targets --target wasm32-unknown-unknown -- -D warnings
	for file in src/js/server/*.js tests/node-adapter/*.js tests/node-adapter/support/*.js; do node --check "$$file"; done
	# The bench's scripts and Rust clients, which only `make bench` runs, at least parse and build.
	for file in bench/run.js bench/page/*.js; do node --check "$$file"; done
	cd bench/rust && CARGO_TARGET_DIR=$(CURDIR)/target/bench-rust \
	  cargo check --locked --quiet --target wasm32-unknown-unknown
	cd bench/rust && CARGO_TARGET_DIR=$(CURDIR)/target/bench-rust \
	  cargo check --locked --quiet --target wasm32-unknown-unknown -p bench-resocket --features codecs

# resocket-axum's Redis tests (tests/redis_store.rs, the `redis` feature, which the test server
# turns on for the workspace) start their own redis-server: setup installs it.
test-native: setup
	cargo test --workspace

test-browser: setup
	bash scripts/browser-tests.sh

test-e2e: package
	bash scripts/e2e-tests.sh

# The JS face's behavioural tests again, each test's steps run in Node.js 22 (its own WebSocket)
# instead of a Chromium page (tests/e2e/support/node-host.js); the Rust face's tests, and the few
# that need a browser page, are skipped there, each saying why. Not run there: the files of
# what only a browser has (offline emulation, page lifecycle and reloads, tabs, the demo page,
# bundled apps, TLS with the test server's self-signed certificate) and the long ones
# (endurance, session chaos). tests/e2e/runtimes.test.js, in test-e2e, runs Node.js 20 and 22,
# Deno and Bun.
E2E_ON_NODE = codec conformance control data delivery events faults-close faults-restart hostile lazy \
  options properties queue reconnect request session session-bounds session-nodes setup
test-e2e-node: package
	RESOCKET_E2E_HOST=node RESOCKET_E2E="$(foreach file,$(E2E_ON_NODE),tests/e2e/$(file).test.js)" \
	  bash scripts/e2e-tests.sh

# resocket/server, the package's Node adapter, over real sockets (tests/node-adapter/, Node's
# test runner); the e2e session files run the clients against it too.
test-node-adapter: package
	node --test tests/node-adapter/

# The framework code (examples/, a workspace of its own: the examples and the binding crates of
# crates/): checked for wasm32, linted and format-checked, against their committed Cargo.lock;
# the bindings' doc examples compiled for wasm32. They are all `no_run`, but rustdoc still
# executes the merged doctest binary, and wasm32 has no runner here: `true` stands in for one,
# so a doc example that does not compile fails and nothing else runs. resocket-hook, which
# needs no framework and no browser, runs its tests natively. Their rustdoc builds without a
# warning (no broken link). Build output goes to target/examples/.
BINDINGS = -p resocket-leptos -p resocket-yew -p resocket-dioxus
test-examples: setup
	cd examples && CARGO_TARGET_DIR=$(CURDIR)/target/examples \
	  cargo check --locked --target wasm32-unknown-unknown
	cd examples && CARGO_TARGET_DIR=$(CURDIR)/target/examples \
	  cargo clippy --locked --target wasm32-unknown-unknown -- -D warnings
	cd examples && CARGO_TARGET_DIR=$(CURDIR)/target/examples CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=true \
	  cargo test --locked --doc --target wasm32-unknown-unknown $(BINDINGS)
	cd examples && CARGO_TARGET_DIR=$(CURDIR)/target/examples cargo test --locked -p resocket-hook
	cd examples && CARGO_TARGET_DIR=$(CURDIR)/target/examples RUSTDOCFLAGS="-D warnings" \
	  cargo doc --locked --no-deps --target wasm32-unknown-unknown -p resocket-hook $(BINDINGS)
	cd examples && cargo fmt --check

# RELIABILITY.md from the rows the suites recorded in target/reliability/. `make test` ends with
# reliability-check, which writes the same page under target/ only: a test run leaves tracked
# files alone, and the committed page is regenerated on purpose (usually reliability-long).
reliability:
	node scripts/reliability-report.js

reliability-check:
	node scripts/reliability-report.js target/reliability/RELIABILITY.md

# The long modes of the reliability tests (RESOCKET_LONG=1: 10,000 leak cycles instead of
# 1000, 180 s of chaos instead of 15), then RELIABILITY.md from the rows they recorded.
reliability-long: package
	RESOCKET_LONG=1 RESOCKET_E2E="tests/e2e/endurance.test.js tests/e2e/delivery.test.js tests/e2e/session-chaos.test.js" \
	  bash scripts/e2e-tests.sh
	node scripts/reliability-report.js

# A short fuzz run per target; `make fuzz` runs each for FUZZ_SECONDS.
test-fuzz: setup
	bash scripts/fuzz.sh 15

fuzz: setup
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

test: setup lint test-native test-browser test-e2e test-e2e-node test-node-adapter test-fuzz test-examples reliability-check

# The benchmark: resocket against raw WebSocket and its peers in headless Chromium,
# against a release-built server on 127.0.0.1; writes bench/RESULTS.md, bench/results.svg and
# the README's headline figures (bench/run.js). bench-quick: one round, fewer messages, into
# target/bench/. RESOCKET_BENCH_PKG=DIR measures another build of the package than pkg/.
bench: package
	bash bench/build.sh
	node bench/run.js

bench-quick: package
	bash bench/build.sh
	BENCH_QUICK=1 node bench/run.js
