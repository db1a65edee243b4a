// The report APIs' token check follows the library's (tests/unit/status_change_test.cpp, the
// status API's cases): the same answers for the same headers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerTokenMatches } from '../../analytics/src/bearer-token.mjs';

const TOKEN = 'operator-secret-token-0123456789';

test('bearer token: only "Bearer <the token>", the scheme in any case; short tokens turn it off', async () => {
  assert.equal(await bearerTokenMatches(`Bearer ${TOKEN}`, TOKEN), true);
  assert.equal(await bearerTokenMatches(`BEARER ${TOKEN}`, TOKEN), true);
  assert.equal(await bearerTokenMatches(`bearer ${TOKEN}`, TOKEN), true);
  for (const header of [undefined, null, '', TOKEN, `Basic ${TOKEN}`, `Bearer ${TOKEN} `, `Bearer  ${TOKEN}`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ']) {
    assert.equal(await bearerTokenMatches(header, TOKEN), false, String(header));
  }
  assert.equal(await bearerTokenMatches('Bearer short-token', 'short-token'), false, 'under 16 bytes: off');
  assert.equal(await bearerTokenMatches('Bearer ', ''), false, 'not configured: off');
});
