// GET|HEAD /dashboard on a runner: every file of analytics/dashboard/files.mjs with its content
// type and the strict headers, a page the policy lets run (no inline script or style), 404 and
// 405, revalidation; and the file missing on disk (uPlot not installed).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { DASHBOARD_FILES } from '../../analytics/dashboard/files.mjs';
import { parseCommandLine, REPO_ROOT } from '../src/cli-args.mjs';
import { createDashboardRoute } from '../src/dashboard-route.mjs';
import { startRunner } from '../src/serve.mjs';
import { request, tempDir } from './helpers.mjs';

const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
const ENV = { EDGEPOST_SIGNING_KEYS: `1:${'ab'.repeat(32)}`, EDGEPOST_SIGNING_KEY_ID: '1' };
const idleEngine = async () => ({ description: 'no functions', cgi: async () => assert.fail('no function runs in these tests') });

async function startDashboardRunner(t) {
  const runner = await startRunner(parseCommandLine(['serve', '--port', '0', '--data', tempDir(t)]),
    { out: () => {}, err: () => {}, env: ENV, createEngine: idleEngine });
  t.after(() => runner.close());
  return runner;
}

function assertStrictHeaders(answer, what) {
  assert.equal(answer.headers['content-security-policy'], CSP, what);
  assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
}

test('dashboard: the page at /dashboard and /dashboard/, each file with its type, the strict headers', async (t) => {
  const { origin } = await startDashboardRunner(t);
  for (const route of ['/dashboard', '/dashboard/', '/dashboard/index.html']) {
    const page = await request(`${origin}${route}`);
    assert.equal(page.status, 200, route);
    assert.equal(page.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(page.headers['cache-control'], 'no-store');
    assertStrictHeaders(page, route);
    assert.equal(page.body, fs.readFileSync(path.join(REPO_ROOT, 'analytics/dashboard/index.html'), 'utf8'));
  }
  for (const [name, { file, type }] of Object.entries(DASHBOARD_FILES)) {
    const answer = await request(`${origin}/dashboard/${name}`);
    assert.equal(answer.status, 200, name);
    assert.equal(answer.headers['content-type'], type, name);
    assertStrictHeaders(answer, name);
    assert.equal(answer.body, fs.readFileSync(path.join(REPO_ROOT, file), 'utf8'), name);
  }
  assert.match(DASHBOARD_FILES['dashboard.js'].type, /^text\/javascript/);
  assert.match(DASHBOARD_FILES['uPlot.min.css'].type, /^text\/css/);
});

test('dashboard: the page names only its own files, with no inline script or style', () => {
  const html = fs.readFileSync(path.join(REPO_ROOT, DASHBOARD_FILES['index.html'].file), 'utf8');
  const named = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]).filter((url) => url !== 'data:,');
  assert.ok(named.length >= 4);
  for (const url of named) {
    assert.ok(url.startsWith('/dashboard/') && Object.hasOwn(DASHBOARD_FILES, url.slice('/dashboard/'.length)), `${url} is not a dashboard file`);
  }
  assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/, 'a <script> without src would be refused by the policy');
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, 'inline styles and handlers would be refused by the policy');
});

test('dashboard: HEAD, unknown names (404), other methods (405), revalidation (304)', async (t) => {
  const { origin } = await startDashboardRunner(t);
  const head = await request(`${origin}/dashboard/dashboard.js`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  assert.equal(Number(head.headers['content-length']), fs.statSync(path.join(REPO_ROOT, DASHBOARD_FILES['dashboard.js'].file)).size);

  for (const route of ['/dashboard/nope.js', '/dashboard/files.mjs', '/dashboard/__proto__', '/dashboard/uplot/dist/uPlot.iife.min.js']) {
    const missing = await request(`${origin}${route}`);
    assert.equal(missing.status, 404, route);
    assert.equal(missing.headers['content-type'], 'application/json');
    assert.equal(JSON.parse(missing.body).error, 'not_found');
  }
  assert.equal((await request(`${origin}/dashboards`)).status, 404);
  // An HTTP client resolves dot segments before sending; the route gets what a raw client sends.
  for (const route of ['/dashboard/../package.json', '/dashboard/%2e%2e/analytics/package.json', '/dashboard/./index.html']) {
    const res = { writeHead(status) { this.status = status; }, end() {} };
    assert.equal(await createDashboardRoute()({ method: 'GET', headers: {} }, res, { path: route }), true);
    assert.equal(res.status, 404, route);
  }

  const posted = await request(`${origin}/dashboard`, { method: 'POST' });
  assert.equal(posted.status, 405);
  assert.equal(posted.headers.allow, 'GET, HEAD');

  const first = await request(`${origin}/dashboard/dashboard.css`);
  assert.equal(first.headers['cache-control'], 'no-cache');
  const again = await request(`${origin}/dashboard/dashboard.css`, { headers: { 'If-None-Match': first.headers.etag } });
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
});

test('dashboard: a file missing on disk is said at start and answers 503; the rest is served', async (t) => {
  const root = tempDir(t);
  for (const { file } of Object.values(DASHBOARD_FILES)) {
    if (file.includes('node_modules')) continue;
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
  }
  const warnings = [];
  const route = createDashboardRoute({ root, warn: (line) => warnings.push(line) });
  assert.equal(warnings.length, 2);
  assert.match(warnings[0], /uPlot\.iife\.min\.js cannot be read \(ENOENT\); run bash tests\/bootstrap\.sh/);

  const server = http.createServer(async (req, res) => {
    if (!(await route(req, res, { path: req.url }))) res.writeHead(418).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  const origin = `http://127.0.0.1:${server.address().port}`;
  assert.equal((await request(`${origin}/dashboard`)).status, 200);
  const missing = await request(`${origin}/dashboard/uPlot.min.css`);
  assert.equal(missing.status, 503);
  assert.match(JSON.parse(missing.body).message, /uPlot\.min\.css: ENOENT/);
  assert.equal((await request(`${origin}/elsewhere`)).status, 418);
});
