#!/usr/bin/env bash
# Installs what building and testing Weft needs on a fresh Debian machine:
# the system RocksDB and libclang (bindgen), the wasm32 target, cargo-nextest.
set -euo pipefail
cd "$(dirname "$0")/.."

sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

packages=(librocksdb-dev libclang-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo_if_needed apt-get update -qq
  sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "setup: adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! cargo nextest --version >/dev/null 2>&1; then
  echo "setup: installing cargo-nextest"
  cargo install cargo-nextest --locked
fi

# solc-js (0.8.11 and the newest 0.8.x), pinned by contracts/solidity/package-lock.json.
if [ ! -d contracts/solidity/node_modules/solc-latest ] || [ ! -d contracts/solidity/node_modules/solc-0.8.11 ]; then
  echo "setup: installing solc-js"
  npm ci --prefix contracts/solidity --no-audit --no-fund >/dev/null
fi

# ethers.js v6 and solc-js for the client tests, pinned by tests/js/package-lock.json.
if [ ! -d tests/js/node_modules/ethers ]; then
  echo "setup: installing the JavaScript client test packages"
  npm ci --prefix tests/js --no-audit --no-fund >/dev/null
fi

# web3.py for the Python client check.
if ! python3 -c "import web3" >/dev/null 2>&1; then
  echo "setup: installing web3.py"
  python3 -m pip install --quiet --disable-pip-version-check -r tests/py/requirements.txt
fi
