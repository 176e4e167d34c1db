#!/usr/bin/env bash
# The main job: a single-node Weft chain on embedded RocksDB with the bundled precompile
# plugins, JSON-RPC on 127.0.0.1:8545.
# Installs what a fresh machine lacks, builds the release binary, and runs `weft dev`;
# arguments are passed on (e.g. --data DIR, --rpc ADDR, --sm). Restarts continue the chain.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# The binary and the bundled precompile plugins: a new dev chain installs and pins the
# plugins built next to the binary.
cargo build --release --locked -p weft-node --bin weft
cargo build --release --locked --lib \
    -p weft-plugin-crud -p weft-plugin-auth -p weft-plugin-group-sig -p weft-plugin-ring-sig
exec ./target/release/weft dev "$@"
