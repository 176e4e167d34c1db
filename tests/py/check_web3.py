"""web3.py against `weft dev`: the basic calls, and a signed transaction end to end.

Usage: python3 check_web3.py  (WEFT_BIN names the binary; default target/debug/weft)
Prints one line per check and a closing 'N passed, N failed' line.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from web3 import Web3

ROOT = Path(__file__).resolve().parents[2]
WEFT = os.environ.get("WEFT_BIN", str(ROOT / "target" / "debug" / "weft"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_dev():
    data = tempfile.mkdtemp(prefix="weft-py-")
    port = free_port()
    proc = subprocess.Popen(
        [WEFT, "dev", "--data", data, "--rpc", f"127.0.0.1:{port}", "--min-seal-ms", "20"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.time() + 30
    lines = []
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("ready:"):
            key = Path(data, "dev.key").read_text().strip()
            return proc, data, f"http://127.0.0.1:{port}", key
    proc.kill()
    raise RuntimeError("weft dev did not start:\n" + "".join(lines))


def main() -> int:
    proc, data, url, key = start_dev()
    passed = failed = 0

    def check(name, cond, detail=""):
        nonlocal passed, failed
        if cond:
            passed += 1
            print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name} {detail}")

    try:
        w3 = Web3(Web3.HTTPProvider(url))
        check("connected", w3.is_connected())
        check("chain id is 20", w3.eth.chain_id == 20, w3.eth.chain_id)
        start = w3.eth.block_number
        check("block number is an int", isinstance(start, int))
        account = w3.eth.account.from_key(key)
        check("balance is 0", w3.eth.get_balance(account.address) == 0)
        check("gas price is 0", w3.eth.gas_price == 0)
        nonce = w3.eth.get_transaction_count(account.address)
        check("fresh account nonce is 0", nonce == 0, nonce)
        to = Web3.to_checksum_address("0x" + "11" * 20)
        signed = account.sign_transaction({
            "chainId": 20, "nonce": nonce, "to": to, "value": 0, "gas": 21000,
            "maxFeePerGas": 0, "maxPriorityFeePerGas": 0, "data": b"",
        })
        tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
        receipt = w3.eth.wait_for_transaction_receipt(tx_hash, timeout=20, poll_latency=0.05)
        check("receipt status 1", receipt["status"] == 1, receipt)
        check("receipt from the sender", receipt["from"] == account.address)
        tx = w3.eth.get_transaction(tx_hash)
        check("transaction readable", tx["hash"] == tx_hash and tx["to"] == to)
        block = w3.eth.get_block(receipt["blockNumber"], full_transactions=False)
        check("block holds the transaction", tx_hash in block["transactions"])
        check("nonce advanced", w3.eth.get_transaction_count(account.address) == 1)
        try:
            w3.eth.send_raw_transaction(signed.raw_transaction)
            check("replay refused", False, "accepted")
        except Exception as e:  # web3 raises a ValueError-like RPC error
            check("replay refused", "nonce" in str(e).lower() or "already" in str(e).lower(), e)
    finally:
        proc.kill()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
