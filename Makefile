# `make demo` and `make test` install what they need (scripts/setup.sh) and work on a fresh
# Debian machine with rustup and Node.
.PHONY: setup demo package test lint test-native test-browser test-e2e

PORT ?= 8080

setup:
	bash scripts/setup.sh

package: setup
	bash scripts/package.sh

demo: package
	cargo run --release -p resocket-server -- --port $(PORT)

lint: setup
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p resocket --all-targets --target wasm32-unknown-unknown -- -D warnings

test-native:
	cargo test --workspace

test-browser: setup
	bash scripts/browser-tests.sh

test-e2e: package
	bash scripts/e2e-tests.sh

test: setup lint test-native test-browser test-e2e
