#!/usr/bin/env node
// Runs one request through one function and prints the raw CGI response, e.g.
//   node local-runner/cgi-request.mjs build/wasi/functions/echo.wasm GET '/echo?a=1'
//   node local-runner/cgi-request.mjs FN.wasm POST /echo --body 'a=1' \
//        --header 'Content-Type: application/x-www-form-urlencoded'
import process from 'node:process';
import { compileFunction, runCgi } from './src/wasi-cgi.mjs';

function usage() {
  console.error('usage: cgi-request.mjs FUNCTION.wasm METHOD PATH[?QUERY] [--body TEXT] ' +
    '[--header "Name: value"]... [--remote-addr IP] [--kv DIR]');
  process.exit(2);
}

const [wasmPath, method, target, ...rest] = process.argv.slice(2);
if (!wasmPath || !method || !target) usage();
const question = target.indexOf('?');
const request = {
  method: method.toUpperCase(),
  path: question < 0 ? target : target.slice(0, question),
  query: question < 0 ? '' : target.slice(question + 1),
  headers: {},
  body: '',
  remoteAddr: '127.0.0.1',
};
const preopens = {};
for (let i = 0; i < rest.length; i += 2) {
  const [flag, value] = [rest[i], rest[i + 1]];
  if (value === undefined) usage();
  if (flag === '--body') request.body = value;
  else if (flag === '--remote-addr') request.remoteAddr = value;
  else if (flag === '--kv') preopens['/kv'] = value;
  else if (flag === '--header') {
    const colon = value.indexOf(':');
    if (colon <= 0) usage();
    request.headers[value.slice(0, colon).trim()] = value.slice(colon + 1).trim();
  } else usage();
}

const response = await runCgi(await compileFunction(wasmPath), request, { preopens });
process.stdout.write(`Status: ${response.status}\n`);
for (const [name, value] of response.headers) process.stdout.write(`${name}: ${value}\n`);
process.stdout.write(`\n${response.body}`);
if (response.stderr) process.stderr.write(response.stderr);
process.exitCode = response.exitCode;
