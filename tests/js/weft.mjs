// Starts a `weft dev` node for a test: a fresh data folder, a free port, and the dev key.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
const weftBin = process.env.WEFT_BIN ?? join(repoRoot, 'target/debug/weft');

async function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

/** Start `weft dev`; resolves once its JSON-RPC answers. */
export async function startDev({ timeoutMs = 30000 } = {}) {
  const data = mkdtempSync(join(tmpdir(), 'weft-js-'));
  const port = await freePort();
  const child = spawn(weftBin, ['dev', '--data', data, '--rpc', `127.0.0.1:${port}`, '--min-seal-ms', '20'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`weft dev did not start in ${timeoutMs} ms:\n${output}`)), timeoutMs);
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`weft dev exited with ${code}:\n${output}`)); });
    const poll = setInterval(() => {
      if (output.includes('ready:')) { clearInterval(poll); clearTimeout(timer); ok(); }
    }, 20);
  });
  const devKey = readFileSync(join(data, 'dev.key'), 'utf8').trim();
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    devKey,
    output: () => output,
    async stop() {
      child.kill('SIGKILL');
      await new Promise((ok) => (child.exitCode !== null ? ok() : child.once('exit', ok)));
      rmSync(data, { recursive: true, force: true });
    },
  };
}
