# The pinned nightly toolchain, for the package's engine (scripts/package.sh, bench/build.sh)
# and the fuzz targets (scripts/fuzz.sh), so a fresh machine builds what was measured. Sourced.
NIGHTLY=nightly-2026-05-20

# The npm package's engine (npm-core/), with the standard library rebuilt so that panics abort
# at once: their messages and the formatting machinery stay out of the wasm. Nothing in the
# engine panics on input; this only drops code that cannot run.
ENGINE_WASM=target/npm-core/wasm32-unknown-unknown/release/resocket_npm_core.wasm
build_engine() {
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
    cargo "+$NIGHTLY" build --quiet --release -p resocket-npm-core --lib --target wasm32-unknown-unknown \
    --target-dir target/npm-core -Z build-std=std,panic_abort
}
