// ethers.js v6 against `weft dev`: compile the Solidity ERC20 with solc-js 0.8.11, deploy,
// transfer, read balances, wait for receipts, receive Transfer over a WebSocket
// subscription, query eth_getLogs, and see a revert reason surface as ethers' error; then
// the same against the Rust WASM ERC20 (contracts/wasm/erc20) through its exported ABI.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import solc from 'solc';
import { ethers } from 'ethers';
import { repoRoot, startDev } from './weft.mjs';

function compileErc20() {
  const source = readFileSync(join(repoRoot, 'contracts/solidity/src/ERC20.sol'), 'utf8');
  const input = {
    language: 'Solidity',
    sources: { 'ERC20.sol': { content: source } },
    settings: { optimizer: { enabled: true, runs: 200 }, outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  assert.deepEqual(errors, [], 'solc errors');
  const contract = output.contracts['ERC20.sol'].ERC20Token;
  return { abi: contract.abi, bytecode: '0x' + contract.evm.bytecode.object };
}

/** Build the Rust contracts with the SDK's build step; the WASM ERC20 and its ABI. */
function buildWasmErc20() {
  const out = mkdtempSync(join(tmpdir(), 'weft-wasm-'));
  execFileSync(join(repoRoot, 'contracts/wasm/build.sh'), [out, '-p', 'weft-contract-erc20'], { stdio: 'inherit' });
  const abi = JSON.parse(readFileSync(join(out, 'erc20.abi.json'), 'utf8'));
  const bytecode = '0x' + readFileSync(join(out, 'erc20.wasm')).toString('hex');
  return { abi, bytecode };
}

/** `promise`, or a failure naming `what` after `ms` — a test never hangs on a lost event. */
async function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

let node;
let provider;
let wallet;

before(async () => {
  node = await startDev();
  // ethers caches identical requests for 250 ms; blocks here come faster than that, so a
  // cached nonce would be stale by the next transaction.
  provider = new ethers.JsonRpcProvider(node.url, undefined, { pollingInterval: 50, cacheTimeout: -1 });
  wallet = new ethers.Wallet(node.devKey, provider);
});

after(async () => {
  provider?.destroy();
  await node?.stop();
});

test('the chain answers basic queries', async () => {
  const network = await provider.getNetwork();
  assert.equal(network.chainId, 20n);
  assert.equal(typeof (await provider.getBlockNumber()), 'number');
  assert.equal(await provider.getBalance(wallet.address), 0n);
  // A zero base fee makes ethers send legacy (EIP-155) transactions at gas price 0.
  const fees = await provider.getFeeData();
  assert.equal(fees.gasPrice, 0n);
  // An explicit EIP-1559 transaction works too.
  const sent = await wallet.sendTransaction({ to: ethers.ZeroAddress, type: 2, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n });
  const mined = await sent.wait();
  assert.equal(mined.status, 1);
  assert.equal(mined.type, 2);
});

async function exerciseErc20({ abi, bytecode }) {
  const factory = new ethers.ContractFactory(abi, bytecode, wallet);
  const token = await factory.deploy('Weft Token', 'WFT', 1_000_000n);
  await token.waitForDeployment();
  const address = await token.getAddress();
  const deployTx = token.deploymentTransaction();
  assert.equal(address, ethers.getCreateAddress({ from: wallet.address, nonce: deployTx.nonce }));
  assert.equal(await token.symbol(), 'WFT');
  assert.equal(await token.balanceOf(wallet.address), 1_000_000n);

  // A subscriber over WebSocket sees the Transfer event. The node answers eth_subscribe
  // only once it listens for blocks; ethers registers the subscription id when that answer
  // arrives, so the transfer is sent after that (not after a guessed delay).
  const ws = new ethers.WebSocketProvider(node.wsUrl);
  const subscribed = new Promise((ok) => {
    const register = ws._register.bind(ws);
    ws._register = (filterId, subscriber) => {
      register(filterId, subscriber);
      ok(filterId);
    };
  });
  const watched = new ethers.Contract(address, abi, ws);
  const bob = ethers.Wallet.createRandom().address;
  const seen = new Promise((ok) => watched.on('Transfer', (from, to, value) => ok({ from, to, value })));
  await within(subscribed, 30000, 'the eth_subscribe answer');

  const tx = await token.transfer(bob, 250n);
  const receipt = await tx.wait();
  assert.equal(receipt.status, 1);
  assert.equal(receipt.logs.length, 1);
  const event = await within(seen, 30000, 'the Transfer event over the WebSocket');
  assert.deepEqual(event, { from: wallet.address, to: bob, value: 250n });
  await ws.destroy();

  assert.equal(await token.balanceOf(bob), 250n);
  assert.equal(await token.balanceOf(wallet.address), 1_000_000n - 250n);

  const logs = await provider.getLogs({
    address,
    fromBlock: 0,
    toBlock: 'latest',
    topics: [token.interface.getEvent('Transfer').topicHash, null, ethers.zeroPadValue(bob, 32)],
  });
  assert.equal(logs.length, 1);
  assert.equal(token.interface.parseLog(logs[0]).args.value, 250n);

  // Reverts surface with their reason, from estimateGas and from a static call.
  await assert.rejects(token.transfer(bob, 10n ** 30n), (e) => {
    assert.equal(e.reason, 'ERC20: transfer amount exceeds balance', e.message);
    return true;
  });
  await assert.rejects(token.transfer.staticCall(bob, 10n ** 30n), (e) => e.reason === 'ERC20: transfer amount exceeds balance');
}

test('Solidity ERC20: deploy, transfer, events, logs and revert reasons', async () => {
  assert.equal(solc.version().startsWith('0.8.11'), true);
  await exerciseErc20(compileErc20());
});

test('Rust WASM ERC20, same ABI: deploy, transfer, events, logs and revert reasons', async () => {
  const wasm = buildWasmErc20();
  assert.ok(wasm.bytecode.startsWith('0x0061736d'), 'a WASM module');
  await exerciseErc20(wasm);
});
