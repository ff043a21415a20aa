# `make demo` and `make test` install what they need (scripts/setup.sh) and work on a fresh
# Debian machine with rustup and Node.
.PHONY: setup demo package test lint test-native test-browser test-e2e test-fuzz fuzz

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

lint: setup
	cargo fmt --all --check
	cargo fmt --manifest-path fuzz/Cargo.toml --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p resocket --all-targets --target wasm32-unknown-unknown -- -D warnings

test-native:
	cargo test --workspace

test-browser: setup
	bash scripts/browser-tests.sh

test-e2e: package
	bash scripts/e2e-tests.sh

# A short fuzz run per target; `make fuzz` runs each for FUZZ_SECONDS.
test-fuzz: setup
	bash scripts/fuzz.sh 15

fuzz: setup
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

test: setup lint test-native test-browser test-e2e test-fuzz
