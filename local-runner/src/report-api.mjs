// GET /api/reports on the runner, behind the admin bearer token (EDGEPOST_ADMIN_TOKEN). Each
// request first loads what events.log gained since the last load, so a report includes every
// event written before it was asked for.

import { bearerTokenMatches } from '../../analytics/src/bearer-token.mjs';
import { parseReportRequest, ReportRequestError } from '../../analytics/src/report-request.mjs';
import { reportCsv } from '../../analytics/src/report-table.mjs';
import { sendJson } from './json-response.mjs';

// reports(): the ReportStore, or null while there is none (unavailable() says why);
// logFile: events.log; adminToken: the configured token ('' turns the API off: 401).
export function createReportApi({ reports, unavailable, logFile, adminToken, now = () => Math.floor(Date.now() / 1000) }) {
  return async (req, res, { path, query }) => {
    if (path !== '/api/reports') return false;
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'method_not_allowed', message: `${req.method} is not allowed here; use GET` }, { Allow: 'GET' });
      return true;
    }
    if (!(await bearerTokenMatches(req.headers.authorization, adminToken))) {
      const message = adminToken ? 'Authorization: Bearer <EDGEPOST_ADMIN_TOKEN> is required' : 'the report API is off: EDGEPOST_ADMIN_TOKEN is not set';
      sendJson(res, 401, { error: 'unauthorized', message }, { 'WWW-Authenticate': 'Bearer' });
      return true;
    }
    let spec;
    try {
      spec = parseReportRequest(new URLSearchParams(query), now());
    } catch (error) {
      if (!(error instanceof ReportRequestError)) throw error;
      sendJson(res, 400, { error: 'invalid_parameter', parameter: error.parameter, message: error.message });
      return true;
    }
    const store = reports();
    if (!store) {
      sendJson(res, 503, { error: 'reports_unavailable', message: unavailable() });
      return true;
    }
    await store.load(logFile);
    const report = await store.report(spec);
    if (spec.format === 'csv') sendCsv(res, reportCsv(report), `edgepost-report-${spec.from}-${spec.to}.csv`);
    else sendJson(res, 200, report);
    return true;
  };
}

function sendCsv(res, text, filename) {
  res.writeHead(200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'no-store',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
