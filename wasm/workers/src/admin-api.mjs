// The Worker's report and explain APIs, the same as the runner's (analytics/):
//   GET /api/reports                  (admin token) the report from D1
//   GET /api/explain/{transaction_id} the library's explain exchange (it checks the token and
//                                     the keys), then the ID's history from D1
import { bearerTokenMatches } from './analytics/bearer-token.mjs';
import { buildExplanation } from './analytics/explain.mjs';
import { parseReportRequest, ReportRequestError } from './analytics/report-request.mjs';
import { reportCsv } from './analytics/report-table.mjs';
import { history, report } from './report-store.mjs';

export const REPORTS_PATH = '/api/reports';

function json(status, value, headers = {}) {
  return new Response(`${JSON.stringify(value)}\n`, { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } });
}

export async function reportApi(request, url, env) {
  if (request.method !== 'GET') return json(405, { error: 'method_not_allowed', message: `${request.method} is not allowed here; use GET` }, { allow: 'GET' });
  if (!(await bearerTokenMatches(request.headers.get('authorization'), env.EDGEPOST_ADMIN_TOKEN))) {
    const message = env.EDGEPOST_ADMIN_TOKEN ? 'Authorization: Bearer <EDGEPOST_ADMIN_TOKEN> is required' : 'the report API is off: EDGEPOST_ADMIN_TOKEN is not set';
    return json(401, { error: 'unauthorized', message }, { 'www-authenticate': 'Bearer' });
  }
  let spec;
  try {
    spec = parseReportRequest(url.searchParams, Math.floor(Date.now() / 1000));
  } catch (error) {
    if (!(error instanceof ReportRequestError)) throw error;
    return json(400, { error: 'invalid_parameter', parameter: error.parameter, message: error.message });
  }
  const answer = await report(env.REPORTS_DB, spec);
  if (spec.format !== 'csv') return json(200, answer);
  return new Response(reportCsv(answer), { headers: { 'content-type': 'text/csv; charset=utf-8', 'cache-control': 'no-store',
    'content-disposition': `attachment; filename="edgepost-report-${spec.from}-${spec.to}.csv"` } });
}

// idResponse: the explain exchange's answer. A refusal (401, 400) goes out as it is.
export async function explanation(idResponse, env) {
  if (idResponse.status !== 200) return idResponse;
  const id = await idResponse.json();
  return json(200, buildExplanation(id, await history(env.REPORTS_DB, id.transaction_id)));
}
