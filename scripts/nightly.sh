# The pinned nightly toolchain, for the package's engine (scripts/package.sh, bench/build.sh)
# and the fuzz targets (scripts/fuzz.sh), so a fresh machine builds what was measured. Sourced.
NIGHTLY=nightly-2026-05-20

# build_engine OUT_DIR ENGINE [wasm-pack build options...]
# Builds one of the npm package's engines (npm-core/) with `wasm-pack build` into OUT_DIR:
# ENGINE `core`, the default engine, as resocket_core_bg.wasm with wasm-bindgen's glue as
# resocket_core.js; ENGINE `session`, the session engine (npm-core's `session` feature), as
# resocket_session_bg.wasm and resocket_session.js (the options choose the target, bundler by
# default, and --no-pack). The two export the same functions. The standard library is rebuilt
# so that panics abort at once: their messages and the formatting machinery stay out of the
# wasm. Nothing in the engine panics on input; this only drops code that cannot run.
# Reference types are off: the engine holds no JavaScript values, and with them on wasm-bindgen
# would add an externref table, a start function and an import to the wasm (the engine's own
# code is the same either way). Optimised for size with opt-level "s" rather than the workspace's "z": for this
# code "s" gzips about 0.3 KB smaller (its inlining leaves fewer, more alike function bodies).
# wasm-pack's wasm-opt step is off (npm-core/Cargo.toml); the caller runs npm's.
build_engine() {
  local out=$1 engine=$2 features=()
  shift 2
  case $engine in
    core) ;;
    session) features=(--features session) ;;
    *) echo "build_engine: unknown engine $engine (core or session)" >&2; return 1 ;;
  esac
  # wasm-pack runs cargo in npm-core/: paths given to it must be absolute.
  [[ $out == /* ]] || out=$PWD/$out
  RUSTUP_TOOLCHAIN=$NIGHTLY CARGO_TARGET_DIR=$PWD/target/npm-core CARGO_PROFILE_RELEASE_OPT_LEVEL=s \
    RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Ctarget-feature=-reference-types" \
    wasm-pack --quiet build npm-core --release --out-dir "$out" --out-name "resocket_$engine" \
    --no-gitignore "$@" -- "${features[@]}" -Z build-std=std,panic_abort
}
