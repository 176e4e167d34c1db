#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// Compiles every contracts/solidity/src/*.sol with each pinned solc-js compiler
// (see package.json) through the standard-JSON interface, and writes one artifact
// per deployable contract to artifacts/<compiler version>/<ContractName>.json.
//
//   node contracts/solidity/compile.js           write artifacts/ (stale files removed)
//   node contracts/solidity/compile.js --check   compare with artifacts/ on disk, write nothing;
//                                                exit 1 if any file differs, is missing or is extra
//
// Works from any cwd: every path is resolved from this file's directory.
// Needs only Node and `npm ci --prefix contracts/solidity`; no network at compile time.
'use strict';

const fs = require('fs');
const path = require('path');

const ROOT = __dirname;
const SRC_DIR = path.join(ROOT, 'src');
const ARTIFACTS_DIR = path.join(ROOT, 'artifacts');
const RECOMPILE_HINT = 'run `node contracts/solidity/compile.js` and commit the result';

// One entry per compiler. `pkg` is the devDependency alias in package.json; the artifact
// directory is named after the exact version the package reports. `evmVersion: undefined`
// means the compiler's own default.
const COMPILERS = [
  { pkg: 'solc-0.8.11', evmVersion: 'london' },
  { pkg: 'solc-latest', evmVersion: undefined },
];

const OPTIMIZER = { enabled: true, runs: 200 };

function fail(message) {
  process.stderr.write(`compile.js: error: ${message}\n`);
  process.exit(1);
}

// Byte-order-independent sort, so the result does not depend on the locale.
function byCodeUnit(a, b) {
  return a < b ? -1 : a > b ? 1 : 0;
}

function readSources() {
  let names;
  try {
    names = fs.readdirSync(SRC_DIR).filter((n) => n.endsWith('.sol')).sort(byCodeUnit);
  } catch (e) {
    fail(`cannot read ${SRC_DIR}: ${e.message}`);
  }
  if (names.length === 0) fail(`no .sol files in ${SRC_DIR}`);
  const sources = {};
  for (const n of names) {
    // Source unit names are relative to contracts/solidity and use '/', so the metadata
    // hash embedded in the bytecode is the same on every machine and from every cwd.
    sources[`src/${n}`] = { content: fs.readFileSync(path.join(SRC_DIR, n), 'utf8') };
  }
  return sources;
}

function pinnedVersion(pkg) {
  const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const spec = (manifest.devDependencies || {})[pkg];
  const m = /^npm:solc@(\d+\.\d+\.\d+)$/.exec(spec || '');
  if (!m) fail(`package.json devDependencies["${pkg}"] must be an exact "npm:solc@X.Y.Z", got ${JSON.stringify(spec)}`);
  return m[1];
}

function loadCompiler(pkg) {
  let solc;
  try {
    solc = require(path.join(ROOT, 'node_modules', pkg));
  } catch (e) {
    fail(`cannot load the ${pkg} package (${e.message.split('\n')[0]}); ` +
      'install the pinned compilers with `npm ci --prefix contracts/solidity`');
  }
  const full = solc.version(); // e.g. "0.8.11+commit.d7f03943.Emscripten.clang"
  const tag = full.split('+')[0];
  const pinned = pinnedVersion(pkg);
  if (tag !== pinned) {
    fail(`${pkg} in node_modules is solc ${full} but package.json pins ${pinned}; ` +
      'run `npm ci --prefix contracts/solidity`');
  }
  return { solc, full, tag };
}

function compileWith(compiler, sources) {
  const { solc, full, tag } = loadCompiler(compiler.pkg);
  const settings = {
    optimizer: OPTIMIZER,
    outputSelection: {
      '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
    },
  };
  if (compiler.evmVersion !== undefined) settings.evmVersion = compiler.evmVersion;
  const input = { language: 'Solidity', sources, settings };

  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const diagnostics = output.errors || [];
  const errors = diagnostics.filter((d) => d.severity === 'error');
  for (const d of diagnostics.filter((d) => d.severity !== 'error')) {
    process.stderr.write(`[solc ${tag}] ${(d.formattedMessage || d.message).trimEnd()}\n`);
  }
  if (errors.length > 0) {
    for (const d of errors) {
      process.stderr.write(`[solc ${tag}] ${(d.formattedMessage || d.message).trimEnd()}\n`);
    }
    fail(`solc ${full} reported ${errors.length} error(s); no artifacts were written`);
  }

  const files = new Map(); // "<tag>/<Name>.json" -> text
  const owner = new Map(); // contract name -> source name, to catch duplicate names
  for (const sourceName of Object.keys(sources)) {
    const contracts = (output.contracts || {})[sourceName] || {};
    for (const contractName of Object.keys(contracts).sort(byCodeUnit)) {
      const c = contracts[contractName];
      const bytecode = c.evm.bytecode.object;
      const deployed = c.evm.deployedBytecode.object;
      if (!bytecode) continue; // interface or abstract contract: nothing to deploy
      if (bytecode.includes('__$') || deployed.includes('__$')) {
        fail(`${sourceName}:${contractName} needs library linking, which compile.js does not do`);
      }
      if (owner.has(contractName)) {
        fail(`contract name ${contractName} is defined in both ${owner.get(contractName)} and ` +
          `${sourceName}; artifacts are named by contract, so names must be unique`);
      }
      owner.set(contractName, sourceName);
      const artifact = {
        contractName,
        sourceName,
        compiler: full,
        abi: c.abi,
        bytecode: `0x${bytecode}`,
        deployedBytecode: `0x${deployed}`,
      };
      files.set(`${tag}/${contractName}.json`, `${JSON.stringify(artifact, null, 2)}\n`);
    }
  }
  if (files.size === 0) fail(`solc ${full} produced no deployable contract`);
  return { tag, full, files };
}

// Every file under artifacts/, as "<dir>/<file>" paths with '/' separators.
function listArtifacts(dir = ARTIFACTS_DIR, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listArtifacts(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out.sort(byCodeUnit);
}

function main() {
  const args = process.argv.slice(2);
  const check = args.includes('--check');
  const unknown = args.filter((a) => a !== '--check');
  if (unknown.length > 0) fail(`unknown argument(s): ${unknown.join(' ')} (usage: compile.js [--check])`);

  const sources = readSources();
  const expected = new Map();
  const tags = new Set();
  for (const compiler of COMPILERS) {
    const { tag, full, files } = compileWith(compiler, sources);
    if (tags.has(tag)) fail(`two compilers resolve to the same version ${tag}`);
    tags.add(tag);
    for (const [rel, text] of files) expected.set(rel, text);
    process.stderr.write(`solc ${full}: ${files.size} contract(s)\n`);
  }

  const existing = listArtifacts();

  if (check) {
    const problems = [];
    for (const [rel, text] of [...expected].sort((a, b) => byCodeUnit(a[0], b[0]))) {
      const file = path.join(ARTIFACTS_DIR, ...rel.split('/'));
      if (!fs.existsSync(file)) {
        problems.push(`artifact ${rel} is missing; ${RECOMPILE_HINT}`);
      } else if (fs.readFileSync(file, 'utf8') !== text) {
        problems.push(`artifact ${rel} differs from its source; ${RECOMPILE_HINT}`);
      }
    }
    for (const rel of existing) {
      if (!expected.has(rel)) {
        problems.push(`artifact ${rel} has no contract in src/ to come from; ${RECOMPILE_HINT}`);
      }
    }
    if (problems.length > 0) {
      for (const p of problems) process.stderr.write(`${p}\n`);
      process.stderr.write(`compile.js --check: ${problems.length} artifact(s) out of date\n`);
      process.exit(1);
    }
    process.stdout.write(`compile.js --check: all ${expected.size} artifacts are up to date\n`);
    return;
  }

  let written = 0;
  for (const [rel, text] of expected) {
    const file = path.join(ARTIFACTS_DIR, ...rel.split('/'));
    if (fs.existsSync(file) && fs.readFileSync(file, 'utf8') === text) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    written += 1;
  }
  let removed = 0;
  for (const rel of existing) {
    if (!expected.has(rel)) {
      fs.rmSync(path.join(ARTIFACTS_DIR, ...rel.split('/')));
      removed += 1;
    }
  }
  // Drop directories left empty (e.g. the previous latest compiler's).
  for (const entry of fs.readdirSync(ARTIFACTS_DIR, { withFileTypes: true })) {
    const dir = path.join(ARTIFACTS_DIR, entry.name);
    if (entry.isDirectory() && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
  }
  process.stdout.write(`compile.js: ${expected.size} artifacts in ${path.relative(process.cwd(), ARTIFACTS_DIR) || '.'}` +
    ` (${written} written, ${removed} removed)\n`);
}

main();
