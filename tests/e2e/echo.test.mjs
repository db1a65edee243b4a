// The echo diagnostic function, run as WASI/CGI through the local runner's engine.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { compileFunction, runCgi } from '../../local-runner/src/wasi-cgi.mjs';
import { functionPath } from './functions.mjs';

let echo;
before(async () => {
  echo = await compileFunction(functionPath('echo'));
});

const header = (response, name) => response.headers.find(([n]) => n === name)?.[1];

test('GET: the query is parsed and percent-decoded by the library inside the wasm', async () => {
  const response = await runCgi(echo, { method: 'GET', path: '/echo', query: 'offer_id=1&aff_sub=%E2%82%AC+x&flag' });
  assert.equal(response.exitCode, 0);
  assert.equal(response.status, 200);
  assert.equal(header(response, 'content-type'), 'application/json');
  assert.deepEqual(JSON.parse(response.body), {
    method: 'GET',
    path: '/echo',
    query: [['offer_id', '1'], ['aff_sub', '€ x'], ['flag', '']],
  });
});

test('POST: a form body is read from stdin and parsed too', async () => {
  const response = await runCgi(echo, {
    method: 'POST',
    path: '/echo',
    query: 'q=1',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'transaction_id=abc&amount=12.50',
  });
  assert.equal(response.status, 200);
  assert.deepEqual(JSON.parse(response.body).body, [['transaction_id', 'abc'], ['amount', '12.50']]);
});

test('malformed percent-encoding is a 400 naming the parameter and the byte', async () => {
  const response = await runCgi(echo, { method: 'GET', path: '/echo', query: 'a=1&aff_sub=50%' });
  assert.equal(response.status, 400);
  assert.deepEqual(JSON.parse(response.body), {
    error: 'bad_percent_encoding',
    message: "parameter 'aff_sub': malformed percent-encoding at byte 14",
  });
});

test('a query over 8 KiB is a 414', async () => {
  const response = await runCgi(echo, { method: 'GET', path: '/echo', query: `a=${'x'.repeat(8 * 1024)}` });
  assert.equal(response.status, 414);
  assert.equal(JSON.parse(response.body).error, 'input_too_long');
});

test('a value over 500 bytes is a 400', async () => {
  const response = await runCgi(echo, { method: 'GET', path: '/echo', query: `aff_sub=${'x'.repeat(501)}` });
  assert.equal(response.status, 400);
  assert.equal(JSON.parse(response.body).error, 'value_too_long');
});

test('a body over 64 KiB is refused with 413 before it is read', async () => {
  const response = await runCgi(echo, {
    method: 'POST',
    path: '/echo',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'a='.padEnd(64 * 1024 + 1, 'x'),
  });
  assert.equal(response.status, 413);
  assert.match(response.body, /exceeds the limit of 65536 bytes/);
});

test('a CR/LF in a form body value is refused, never echoed into headers', async () => {
  const response = await runCgi(echo, {
    method: 'POST',
    path: '/echo',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'aff_sub=x%0D%0ASet-Cookie:%20a=1',
  });
  assert.equal(response.status, 400);
  assert.equal(JSON.parse(response.body).error, 'control_character');
  assert.equal(header(response, 'set-cookie'), undefined);
});
