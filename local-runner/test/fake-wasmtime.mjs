#!/usr/bin/env node
// A stand-in for the `wasmtime` CLI (not installable on this project's machines), for the
// runner's --engine wasmtime test. It accepts exactly the subset of wasmtime's command line that
// the runner uses, refuses anything else, and runs the module with node:wasi:
//
//   wasmtime --version
//   wasmtime run [--dir HOST::GUEST]... [--env NAME=VALUE | --env NAME]... MODULE.wasm [ARGS]...
//
// As in wasmtime: argv[0] of the module is MODULE.wasm as given, only the --env variables are
// visible to it (--env NAME copies NAME from this process's environment), stdio is inherited,
// and the exit status is the module's. With FAKE_WASMTIME_LOG set, each command line is
// appended to that file as a JSON array, so that tests can check what the runner asked for.
import fs from 'node:fs';
import process from 'node:process';

const argv = process.argv.slice(2);
if (process.env.FAKE_WASMTIME_LOG) fs.appendFileSync(process.env.FAKE_WASMTIME_LOG, `${JSON.stringify(argv)}\n`);

function refuse(message) {
  process.stderr.write(`fake wasmtime: ${message}\n`);
  process.exit(2);
}

// Without arguments: usage, exit 0. (`node --test local-runner/test/` runs every file under
// test/ as a test file, this one included, without arguments.)
if (argv.length === 0) {
  process.stdout.write('usage: fake-wasmtime.mjs --version | run [--dir HOST::GUEST] [--env NAME[=VALUE]] MODULE.wasm [ARGS]\n');
  process.exit(0);
}
if (argv.length === 1 && argv[0] === '--version') {
  process.stdout.write('wasmtime 0.0.0-fake (edgepost test double)\n');
  process.exit(0);
}
if (argv[0] !== 'run') refuse(`expected "run" or "--version", got ${JSON.stringify(argv[0])}`);

const env = {};
const preopens = {};
let i = 1;
for (; i < argv.length && argv[i].startsWith('-'); i += 2) {
  const [option, value] = [argv[i], argv[i + 1]];
  if (value === undefined) refuse(`${option} needs a value`);
  if (option === '--dir') {
    const [host, guest] = value.includes('::') ? value.split('::') : [value, value];
    if (!fs.statSync(host, { throwIfNoEntry: false })?.isDirectory()) refuse(`--dir ${host}: not a directory`);
    preopens[guest] = host;
  } else if (option === '--env') {
    const equals = value.indexOf('=');
    if (equals > 0) env[value.slice(0, equals)] = value.slice(equals + 1);
    else if (process.env[value] !== undefined) env[value] = process.env[value];
    else refuse(`--env ${value}: not set in the environment`);
  } else {
    refuse(`unsupported option ${option}`);
  }
}
const [modulePath, ...moduleArgs] = argv.slice(i);
if (!modulePath) refuse('no module given');

process.emitWarning = () => {};  // node:wasi's "experimental" notice would land in the function's stderr
const { WASI } = await import('node:wasi');
const wasi = new WASI({ version: 'preview1', args: [modulePath, ...moduleArgs], env, preopens, returnOnExit: true });
const module = await WebAssembly.compile(fs.readFileSync(modulePath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance) ?? 0;
