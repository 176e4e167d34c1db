#!/usr/bin/env bash
# Builds every contract of this workspace into deployable Weft modules:
#   OUT_DIR/<name>.wasm      the module, ending with the `weft.end` marker (init code =
#                            this ‖ ABI-encoded constructor arguments)
#   OUT_DIR/<name>.abi.json  its Solidity ABI JSON
# and checks each against sdk/HOST_API.md (imports, exports, memory, no floats, size).
#
#   ./build.sh [OUT_DIR] [-p NAME]...     (OUT_DIR defaults to target/weft)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/target/weft"
if [[ $# -gt 0 && "$1" != -* ]]; then
    out="$1"
    shift
fi
exec cargo run --quiet --manifest-path "$here/Cargo.toml" -p weft-contract-builder --bin weft-build -- \
    --workspace "$here" --out "$out" "$@"
