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

echo "== cargo nextest"
cargo nextest run --workspace --locked --no-tests=warn
