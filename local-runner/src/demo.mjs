// `serve --demo`: the whole loop on one machine. The demo config's offers land on this runner's
// /demo/landing page and its affiliates' partner postbacks come back to /demo/partner/<id>, so
// a click, a conversion and the partner notification can be followed without any other service.
//
// demo/config.json is written for http://127.0.0.1:8080; when the runner listens elsewhere the
// origin is rewritten before the config is loaded.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEMO_CONFIG_FILE = fileURLToPath(new URL('../demo/config.json', import.meta.url));
const WRITTEN_FOR = 'http://127.0.0.1:8080';
export const TID_PLACEHOLDER = 'TRANSACTION_ID';

// The origin other programs reach this runner at (a wildcard bind is reached over loopback).
export function publicOrigin(host, port) {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}

export function demoConfigText(origin) {
  return fs.readFileSync(DEMO_CONFIG_FILE, 'utf8').replaceAll(WRITTEN_FOR, origin);
}

// The postback an advertiser's server would send for this offer, as a curl command line.
// extra: more parameters, e.g. { status: 'approved' }.
export function postbackCommand(origin, config, offerId, transactionId, goal, extra = {}) {
  const offer = config.offers.find((o) => o.id === offerId) ?? config.offers[0];
  const advertiser = config.advertisers.find((a) => a.id === offer.advertiser_id);
  const goalId = goal ?? offer.default_goal ?? offer.goals[0].id;
  const goalSpec = offer.goals.find((g) => g.id === goalId) ?? offer.goals[0];
  const params = new URLSearchParams({ transaction_id: transactionId });
  if (offer.goals.length > 1) params.set('goal', goalSpec.id);
  const needsAmount = [goalSpec.revenue, goalSpec.payout].some((rule) => rule.percent !== undefined);
  if (needsAmount) params.set('amount', '49.90');
  params.set('adv_sub', `order-${goalSpec.id}-1`);
  const token = advertiser?.auth?.security_token;
  if (token) params.set('security_token', token);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  // The placeholder stays readable in the printed command.
  const query = params.toString().replace(encodeURIComponent(TID_PLACEHOLDER), TID_PLACEHOLDER);
  return `curl -s '${origin}/postback?${query}'`;
}

export function clickLink(origin, offerId, affiliateId, sub = 'demo') {
  return `${origin}/click?offer_id=${offerId}&aff_id=${affiliateId}&aff_sub=${sub}`;
}

export function bannerLines(origin, config) {
  const lines = [
    'demo: config demo/config.json (advertisers, affiliates and offers of a small network)',
    `  1. open a tracking link (it redirects to the demo landing page):`,
    `       ${clickLink(origin, 100, 7)}`,
    `     more links: ${origin}/demo`,
    `  2. fire the conversion postback (the landing page shows it with the real transaction_id):`,
    `       ${postbackCommand(origin, config, 100, TID_PLACEHOLDER)}`,
    '  3. the affiliate\'s partner postback arrives at /demo/partner/<aff_id> and is logged here.',
  ];
  return lines;
}

const HTML_ENTITIES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);

// The extra route handler for createRunnerServer. onPartner(line) reports partner postbacks.
export function createDemoRoutes({ origin, config, dataDir, onPartner }) {
  const partnerLog = path.join(dataDir, 'demo-partner-postbacks.log');

  return async function demoRoutes(req, res, { path: route, query }) {
    if (route !== '/demo' && !route.startsWith('/demo/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'application/json' });
      res.end(`${JSON.stringify({ error: 'method_not_allowed', message: 'demo pages answer GET' })}\n`);
      return true;
    }
    const params = new URLSearchParams(query);
    if (route === '/demo') return page(res, 'edgepost demo', indexHtml(origin, config));
    if (route === '/demo/landing') return page(res, 'Demo landing page', landingHtml(origin, config, params));

    const partner = /^\/demo\/partner\/(\d{1,10})$/.exec(route);
    if (partner) {
      const received = { time: new Date().toISOString(), affiliate: Number(partner[1]), query: Object.fromEntries(params) };
      await fs.promises.appendFile(partnerLog, `${JSON.stringify(received)}\n`);
      onPartner(`partner postback received: affiliate ${received.affiliate}: ${query}`);
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok\n');
      return true;
    }
    return false;
  };
}

function page(res, title, body) {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}pre{background:#f4f4f4;padding:1em;' +
    'white-space:pre-wrap;word-break:break-all}</style></head><body>' +
    `<h1>${escapeHtml(title)}</h1>${body}</body></html>\n`);
  return true;
}

function indexHtml(origin, config) {
  const rows = [];
  for (const offer of config.offers) {
    const affiliates = offer.allowed_affiliates ?? config.affiliates.map((a) => a.id);
    for (const affiliateId of affiliates) {
      const link = clickLink(origin, offer.id, affiliateId);
      rows.push(`<li>${escapeHtml(offer.name)}, affiliate ${affiliateId}: <a href="${escapeHtml(link)}">${escapeHtml(link)}</a></li>`);
    }
  }
  return `<p>Each link is an affiliate's tracking link. It records a click and redirects to the offer's landing page ` +
    `(a page of this runner), which shows how to fire the conversion postback.</p><ul>${rows.join('')}</ul>`;
}

function landingHtml(origin, config, params) {
  const transactionId = params.get('tid') ?? '';
  const offerId = Number(params.get('offer'));
  const offer = config.offers.find((o) => o.id === offerId);
  if (!transactionId || !offer) {
    return '<p>This page is where demo offers land. It expects <code>offer</code> and <code>tid</code> parameters: ' +
      `start from a tracking link on <a href="/demo">the demo index</a>.</p>`;
  }
  const commands = offer.goals.map((goal) => {
    const command = postbackCommand(origin, config, offer.id, transactionId, goal.id);
    const html = `<p>Goal <b>${escapeHtml(goal.id)}</b>${goal.multiple ? ' (may convert several times: change adv_sub)' : ''}:</p>` +
      `<pre>${escapeHtml(command)}</pre>`;
    if (goal.status !== 'pending') return html;
    // A sale recorded pending: the advertiser approves it (or rejects it) when the return period ends.
    const approve = postbackCommand(origin, config, offer.id, transactionId, goal.id, { status: 'approved', amount: '45.00' });
    const reject = postbackCommand(origin, config, offer.id, transactionId, goal.id, { status: 'rejected' });
    return `${html}<p>It is recorded <b>pending</b>: no partner postback yet. When the return period ends, ` +
      `approve it with the final amount (the affiliate's postback goes out then, once):</p><pre>${escapeHtml(approve)}</pre>` +
      `<p>or, on a refund, reject it (after an approval, the affiliate's reversal postback goes out):</p><pre>${escapeHtml(reject)}</pre>`;
  });
  return `<p>You arrived from a tracking link for <b>${escapeHtml(offer.name)}</b> ` +
    `(affiliate ${escapeHtml(params.get('aff') ?? '?')}, aff_sub ${escapeHtml(params.get('sub') ?? '')}).</p>` +
    `<p>transaction_id: <code id="transaction-id">${escapeHtml(transactionId)}</code></p>` +
    '<p>The advertiser keeps this ID. When the visitor converts, its server calls the postback; run it from a shell:</p>' +
    `${commands.join('')}<p>Sending the same postback again answers <code>"duplicate": true</code> and records nothing. ` +
    'The affiliate\'s partner postback shows up in the runner\'s output.</p>';
}
