#!/usr/bin/env bash
# The main job: a single-node Weft chain on embedded RocksDB, JSON-RPC on 127.0.0.1:8545.
# Installs what a fresh machine lacks, builds the release binary, and runs `weft dev`;
# arguments are passed on (e.g. --data DIR, --rpc ADDR, --sm). Restarts continue the chain.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cargo build --release --locked -p weft-node --bin weft
exec ./target/release/weft dev "$@"
