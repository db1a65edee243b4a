// GET|HEAD /dashboard and /dashboard/<name>: the reports dashboard's static files
// (analytics/dashboard/files.mjs), read once at start. No token here: the files hold no data,
// the page asks for the token and sends it to the APIs.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DASHBOARD_FILES, DASHBOARD_HEADERS, DASHBOARD_INDEX, DASHBOARD_PATH } from '../../analytics/dashboard/files.mjs';
import { sendJson } from './json-response.mjs';

const REPOSITORY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// root: the repository (where files.mjs's paths start); warn(line): a file that cannot be read
// (uPlot not installed yet) is said once, and its URL answers 503 rather than stopping the runner.
export function createDashboardRoute({ root = REPOSITORY, warn = () => {} } = {}) {
  const files = new Map();
  for (const [name, { file, type }] of Object.entries(DASHBOARD_FILES)) {
    try {
      const body = fs.readFileSync(path.join(root, file));
      files.set(name, { body, type, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
    } catch (error) {
      files.set(name, { missing: `${file}: ${error.code ?? error.message}` });
      warn(`warning: dashboard file ${file} cannot be read (${error.code ?? error.message}); run bash tests/bootstrap.sh`);
    }
  }

  return async (req, res, { path: route }) => {
    const name = fileName(route);
    if (name === null) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed here; use GET` }, { Allow: 'GET, HEAD' });
      return true;
    }
    const entry = files.get(name);
    if (!entry) {
      sendJson(res, 404, { error: 'not_found', message: `the dashboard has no file ${route}` });
      return true;
    }
    if (entry.missing) {
      sendJson(res, 503, { error: 'dashboard_unavailable', message: `the dashboard file ${entry.missing} is missing on this runner` });
      return true;
    }
    sendFile(req, res, name, entry);
    return true;
  };
}

// /dashboard, /dashboard/ -> index.html; /dashboard/<name> -> name; any other path -> null.
function fileName(route) {
  if (route === DASHBOARD_PATH || route === `${DASHBOARD_PATH}/`) return DASHBOARD_INDEX;
  return route.startsWith(`${DASHBOARD_PATH}/`) ? route.slice(DASHBOARD_PATH.length + 1) : null;
}

function sendFile(req, res, name, { body, type, etag }) {
  // The page is fetched fresh each time, so that it always names the files of this runner;
  // the scripts and styles are revalidated by their ETag.
  const headers = {
    ...DASHBOARD_HEADERS,
    'Content-Type': type,
    'Cache-Control': name === DASHBOARD_INDEX ? 'no-store' : 'no-cache',
    ETag: etag,
  };
  if (name !== DASHBOARD_INDEX && req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}
