#!/usr/bin/env bash
# Four Weft nodes on this machine (release build), signed ERC20 transfers offered through
# all four nodes' JSON-RPC by weft-load; optionally with one node down.
#
#   scripts/bench-cluster.sh [--rate N] [--seconds S] [--down] [--form eth|native]
#
# The figures in BENCHMARKS.md ("Four nodes") come from this script.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=5000 seconds=20 down=0 form=eth
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rate) rate="$2"; shift 2 ;;
        --seconds) seconds="$2"; shift 2 ;;
        --down) down=1; shift ;;
        --form) form="$2"; shift 2 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done
cargo build --release --locked -p weft-node --bin weft
cargo build --release --locked -p weft-benches --bin weft-load
dir="$(mktemp -d /tmp/weft-cluster.XXXXXX)"
rpc=18700 p2p=31700
./target/release/weft chain new --nodes 4 --out "$dir/chain" --rpc-port $rpc --p2p-port $p2p >/dev/null
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT
for i in 0 1 2 3; do
    if [[ $down -eq 1 && $i -eq 3 ]]; then continue; fi
    RUST_LOG="${WEFT_LOG:-warn}" ./target/release/weft node start --config "$dir/chain/node$i/config.toml" \
        >"$dir/node$i.log" 2>&1 &
    pids+=($!)
done
# Wait until node 0's RPC answers (10 s at most), then give the nodes 2 s to connect.
answered=0
for _ in $(seq 1 100); do
    if curl -sf -X POST -H 'content-type: application/json' \
        --data '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' \
        "http://127.0.0.1:$rpc" >/dev/null; then answered=1; break; fi
    sleep 0.1
done
if [[ $answered -eq 0 ]]; then
    echo "node 0 did not answer on 127.0.0.1:$rpc within 10 s; logs: $dir" >&2
    exit 1
fi
sleep 2
spread="127.0.0.1:$((rpc + 1)),127.0.0.1:$((rpc + 2))"
if [[ $down -eq 0 ]]; then spread="$spread,127.0.0.1:$((rpc + 3))"; fi
./target/release/weft-load --rpc "127.0.0.1:$rpc" --spread "$spread" \
    --key "$dir/chain/admin.key" --form "$form" --rate "$rate" --seconds "$seconds" --senders 8
echo "logs: $dir"
