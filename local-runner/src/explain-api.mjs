// GET /api/explain/{transaction_id} on the runner. The postback function answers for the ID
// itself (the keys are its business, and it checks the admin token); this adds the ID's
// history from the report store, loaded up to now first.

import { buildExplanation } from '../../analytics/src/explain.mjs';
import { sendJson } from './json-response.mjs';

const PREFIX = '/api/explain/';

// runFunction(name, request) -> { status, headers, body } (the function's CGI answer);
// reports(), unavailable(), logFile: as for the report API.
export function createExplainApi({ runFunction, reports, unavailable, logFile }) {
  return async (req, res, { path, query, ip }) => {
    if (!path.startsWith(PREFIX)) return false;
    const answer = await runFunction('postback', { method: req.method, path, query, headers: req.headers, body: Buffer.alloc(0), remoteAddr: ip,
      country: '' });
    if (answer.status !== 200) {
      sendFunctionAnswer(res, answer);
      return true;
    }
    const store = reports();
    if (!store) {
      sendJson(res, 503, { error: 'reports_unavailable', message: unavailable() });
      return true;
    }
    const id = JSON.parse(Buffer.from(answer.body).toString('utf8'));
    await store.load(logFile);
    sendJson(res, 200, buildExplanation(id, await store.history(id.transaction_id)));
    return true;
  };
}

function sendFunctionAnswer(res, answer) {
  const body = Buffer.from(answer.body);
  res.writeHead(answer.status, { ...Object.fromEntries(answer.headers), 'Content-Length': body.length });
  res.end(body);
}
