#!/usr/bin/env bash
# The test command: set-up, formatting, lints (warnings are errors), every test.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

echo "== Solidity artifacts match their sources"
node contracts/solidity/compile.js --check

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== contracts/wasm: format, lints, contract unit tests and the wasm32 build"
cargo fmt --manifest-path contracts/wasm/Cargo.toml --all -- --check
cargo clippy --manifest-path contracts/wasm/Cargo.toml --workspace --all-targets --locked -- -D warnings
cargo test --manifest-path contracts/wasm/Cargo.toml --workspace --locked

echo "== cargo nextest"
cargo nextest run --workspace --locked --no-tests=warn

echo "== WASM on wasmer: the engine and executor suites again, and wasmer against wasmtime"
WASMER="--features weft-wasm/wasmer,weft-executor/wasmer"
cargo clippy -p weft-wasm -p weft-executor --all-targets --locked $WASMER -- -D warnings
cargo nextest run -p weft-wasm -p weft-executor --locked --no-tests=warn $WASMER

# The client tests drive the `weft` binary that nextest built.
export WEFT_BIN="$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/debug/weft"

echo "== ethers.js against weft dev"
(cd tests/js && node --test --test-concurrency=1 --test-timeout=300000)

echo "== web3.py against weft dev"
python3 tests/py/check_web3.py
