// One partner-postback delivery: an HTTP(S) GET to the rendered URL, with the rules of
// DESIGN.md "Partner postbacks": no redirects followed, a short overall timeout, the response
// body read up to a small limit and thrown away, private targets refused unless allowed.

import http from 'node:http';
import https from 'node:https';
import { exhaustedResource } from './resource-health.mjs';
import { resolveTarget } from './target-policy.mjs';

export const MAX_RESPONSE_BYTES = 64 * 1024;
const USER_AGENT = 'edgepost-runner/0.1 (partner postback)';

// -> { ok: true, status } when the partner answered 2xx, else { ok: false, status?, error }, with
// `exhausted` set when this process ran out of a resource (descriptors) before asking the partner.
// Never throws.
// judge: the partner-target policy (target-policy.mjs targetJudge), needed unless allowPrivateTargets.
export async function deliver(urlText, { timeoutMs = 5000, allowPrivateTargets = false, lookup, judge } = {}) {
  let url;
  try {
    url = new URL(urlText);
  } catch {
    return { ok: false, error: `not a valid URL: ${urlText}` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, error: `unsupported scheme ${url.protocol} (only http and https)` };
  }
  if (url.username || url.password) return { ok: false, error: 'URL with user name or password refused' };

  // One deadline for everything (DNS, connect, TLS, response, body): a slow partner costs at
  // most timeoutMs and one delivery slot.
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const target = await withAbort(
      resolveTarget(url.hostname, { allowPrivate: allowPrivateTargets, judge, ...(lookup ? { lookup } : {}) }),
      controller.signal,
    );
    return await get(url, target, controller.signal);
  } catch (error) {
    if (controller.signal.aborted) return { ok: false, error: `no complete answer within ${timeoutMs} ms` };
    return { ok: false, error: describeError(error), ...(exhaustedResource(error) ? { exhausted: error } : {}) };
  } finally {
    clearTimeout(timer);
  }
}

function get(url, target, signal) {
  const client = url.protocol === 'https:' ? https : http;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const request = client.request({
      method: 'GET',
      hostname,
      port: url.port || (url.protocol === 'https:' ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      headers: { Host: url.host, 'User-Agent': USER_AGENT, Accept: '*/*' },
      agent: false,  // one connection per delivery: no pooled socket to a host checked earlier
      signal,
      // Connect to the address that was checked, never to a second DNS answer. Node asks for
      // a list (all: true) when it tries several address families.
      lookup: (_name, options, callback) => {
        if (options?.all) callback(null, [target]);
        else callback(null, target.address, target.family);
      },
      // TLS still verifies the certificate against the name in the URL.
      ...(url.protocol === 'https:' && target.address !== hostname ? { servername: hostname } : {}),
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const status = response.statusCode;
      let received = 0;
      const finish = () => {
        if (status >= 200 && status < 300) resolve({ ok: true, status });
        else if (status >= 300 && status < 400) resolve({ ok: false, status, error: `HTTP ${status} (redirects are not followed)` });
        else resolve({ ok: false, status, error: `HTTP ${status}` });
      };
      response.on('data', (chunk) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES) {
          // Enough: the status is all that counts, and a partner cannot make us read forever.
          response.destroy();
          finish();
        }
      });
      response.on('end', finish);
      response.on('error', finish);  // the status line arrived; a broken body changes nothing
    });
    request.end();
  });
}

function withAbort(promise, signal) {
  return new Promise((resolve, reject) => {
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true });
    promise.then(resolve, reject);
  });
}

function describeError(error) {
  if (error.name === 'TargetRefused') return error.message;
  if (error.code === 'ENOTFOUND') return `cannot resolve host: ${error.hostname ?? error.message}`;
  if (error.code) return `${error.code}: ${error.message}`;
  return error.message;
}
