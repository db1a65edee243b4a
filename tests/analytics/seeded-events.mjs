// A seeded event log with totals worked out by hand (below, beside each figure), shared by the
// report tests of every host: the runner's DuckDB store and the Worker's D1 store answer the
// same questions with the same figures.
//
// Around New York's spring-forward day (2026-03-08: 02:00 EST -> 03:00 EDT; the day has 23
// hours). Offer 1 (advertiser 10, USD), offer 2 (advertiser 20, EUR); affiliates 7 and 8.
//
//   click  offer aff  time (UTC)             New York           aff_sub source
//   c0     1     7    2026-03-07 04:59:59    03-06 23:59:59     -       -
//   c1     1     7    2026-03-07 12:00:00    03-07 07:00        a       fb
//   c2     1     7    2026-03-07 23:30:00    03-07 18:30        a       -     (its line twice)
//   c3     1     8    2026-03-08 04:30:00    03-07 23:30        b       -
//   c4     2     8    2026-03-08 05:30:00    03-08 00:30 EST    b       -
//   c5     2     7    2026-03-08 10:00:00    03-08 06:00 EDT    -       -
//   f0-f9  1     7    2026-03-07 13:00:0i    03-07 08:00        f       -
//
//   conversion  click  goal  status (now)                      revenue  payout  at (UTC)
//   v1          c1     sale  approved (its line twice: replay)  12.00    8.00    03-07 12:10
//   v2          c3     sale  pending -> approved                5.50     3.25    03-08 04:40
//   v3          c4     lead  approved -> rejected (EUR)         20.00    15.00   03-08 05:40
//   w0-w9       f0-f9  sale  approved                           0.10     0.07    03-07 14:00:0i
//
// Ten conversions of 0.10 make 1.00 exactly; summed as doubles they make 0.9999999999999999.

const at = (iso) => Date.parse(`${iso}Z`) / 1000;

function click(name, offer, aff, iso, subs = {}) {
  const advertiser = offer === 1 ? 10 : 20;
  return { type: 'click', id: `click:tid-${name}`, transaction_id: `tid-${name}`, offer_id: offer, aff_id: aff, advertiser_id: advertiser,
    time: at(iso), ...subs };
}

function conversion(name, tid, offer, aff, goal, status, revenue, payout, iso) {
  return {
    type: 'conversion', id: `conversion:${name}`, conversion_id: name, transaction_id: tid, offer_id: offer, aff_id: aff,
    advertiser_id: offer === 1 ? 10 : 20, goal, status, revenue, payout, currency: offer === 1 ? 'USD' : 'EUR',
    click_time: 0, time: at(iso), attributed_from: 'click',
  };
}

function statusChange(record, sequence, from, to, iso) {
  return { ...record, type: 'status_change', id: `status_change:${record.conversion_id}:${sequence}`, status: to, from, to, source: 'advertiser',
    sequence, conversion_time: record.time, time: at(iso) };
}

export function seededEvents() {
  const c2 = click('c2', 1, 7, '2026-03-07T23:30:00', { aff_sub: 'a' });
  const v1 = conversion('v1', 'tid-c1', 1, 7, 'sale', 'approved', '12.00', '8.00', '2026-03-07T12:10:00');
  const v2 = conversion('v2', 'tid-c3', 1, 8, 'sale', 'pending', '5.50', '3.25', '2026-03-08T04:40:00');
  const v3 = conversion('v3', 'tid-c4', 2, 8, 'lead', 'approved', '20.00', '15.00', '2026-03-08T05:40:00');
  const events = [
    click('c0', 1, 7, '2026-03-07T04:59:59'),
    click('c1', 1, 7, '2026-03-07T12:00:00', { aff_sub: 'a', source: 'fb' }),
    c2,
    c2,
    click('c3', 1, 8, '2026-03-08T04:30:00', { aff_sub: 'b' }),
    click('c4', 2, 8, '2026-03-08T05:30:00', { aff_sub: 'b' }),
    click('c5', 2, 7, '2026-03-08T10:00:00'),
    v1,
    { type: 'duplicate', id: 'duplicate:r1', conversion_id: 'v1', transaction_id: 'tid-c1', time: at('2026-03-07T12:11:00') },
    v1,
    v2,
    v3,
    { type: 'partner_postback', id: 'partner_postback:v1-7:1', entry: 'v1-7', outcome: 'delivered', aff_id: 7, status: 200, attempts: 1,
      url: 'http://127.0.0.1/p?tx=tid-c1', time: at('2026-03-07T12:10:01') },
    { type: 'rejection', id: 'rejection:r2', endpoint: 'postback', reason: 'invalid_transaction_id', message: 'transaction_id is malformed',
      time: at('2026-03-07T15:00:00') },
    statusChange(v2, 1, 'pending', 'approved', '2026-03-09T00:00:00'),
    statusChange(v3, 1, 'approved', 'rejected', '2026-03-09T01:00:00'),
  ];
  for (let i = 0; i < 10; i += 1) {
    events.push(click(`f${i}`, 1, 7, `2026-03-07T13:00:0${i}`, { aff_sub: 'f' }));
    events.push(conversion(`w${i}`, `tid-f${i}`, 1, 7, 'sale', 'approved', '0.10', '0.07', `2026-03-07T14:00:0${i}`));
  }
  return events;
}

// The log as a host writes it, with a line that is no event among the events.
export function seededLog() {
  const lines = seededEvents().map((event) => JSON.stringify(event));
  lines.splice(5, 0, 'not an event');
  return `${lines.join('\n')}\n`;
}

const RANGE = 'from=2026-03-07&to=2026-03-08';

const usd = (revenue, payout, profit, epc) => ({ currency: 'USD', revenue, payout, profit, epc });
const eur = (revenue, payout, profit, epc) => ({ currency: 'EUR', revenue, payout, profit, epc });
const counts = (clicks, approved, pending, rejected, rate) => ({ clicks, conversions: approved + pending + rejected, approved, pending,
  rejected, conversion_rate: rate });

// [query, expected rows, expected totals]: every figure from the tables above.
export const EXPECTED_REPORTS = [
  [`${RANGE}&group_by=day`, [
    // UTC 03-07: c0 c1 c2 f0-f9 = 13 clicks; v1 + w0-w9 approved: 12.00 + 1.00, 8.00 + 0.70
    { day: '2026-03-07', ...counts(13, 11, 0, 0, '84.62'), money: [usd('13.00', '8.70', '4.30', '1.00')] },
    // UTC 03-08: c3 c4 c5; v2 approved (5.50 / 3 clicks = 1.83333), v3 rejected (EUR, no money)
    { day: '2026-03-08', ...counts(3, 1, 0, 1, '33.33'), money: [eur('0.00', '0.00', '0.00', '0.00'), usd('5.50', '3.25', '2.25', '1.83333')] },
  ], { ...counts(16, 12, 0, 1, '75.00'), money: [eur('0.00', '0.00', '0.00', '0.00'), usd('18.50', '11.95', '6.55', '1.15625')] }],

  [`${RANGE}&group_by=day&tz=America/New_York`, [
    // New York 03-07 (05:00Z to 05:00Z): c1 c2 c3 f0-f9 = 13 clicks (c0 is 03-06); v1 w0-w9 v2
    { day: '2026-03-07', ...counts(13, 12, 0, 0, '92.31'), money: [usd('18.50', '11.95', '6.55', '1.42308')] },
    // New York 03-08 (23 hours, 05:00Z to 04:00Z): c4 c5; v3
    { day: '2026-03-08', ...counts(2, 0, 0, 1, '0.00'), money: [eur('0.00', '0.00', '0.00', '0.00')] },
  ], { ...counts(15, 12, 0, 1, '80.00'), money: [eur('0.00', '0.00', '0.00', '0.00'), usd('18.50', '11.95', '6.55', '1.23333')] }],

  [`from=2026-03-08&to=2026-03-08&group_by=hour&tz=America/New_York`, [
    // c4 at 00:30 EST, c5 at 06:00 EDT; v3 at 00:40 EST. (02:00 does not exist that day.)
    { hour: '2026-03-08T00:00', ...counts(1, 0, 0, 1, '0.00'), money: [eur('0.00', '0.00', '0.00', '0.00')] },
    { hour: '2026-03-08T06:00', ...counts(1, 0, 0, 0, '0.00'), money: [] },
  ], { ...counts(2, 0, 0, 1, '0.00'), money: [eur('0.00', '0.00', '0.00', '0.00')] }],

  [`${RANGE}&group_by=offer`, [
    { offer_id: 1, ...counts(14, 12, 0, 0, '85.71'), money: [usd('18.50', '11.95', '6.55', '1.32143')] },
    { offer_id: 2, ...counts(2, 0, 0, 1, '0.00'), money: [eur('0.00', '0.00', '0.00', '0.00')] },
  ], { ...counts(16, 12, 0, 1, '75.00'), money: [eur('0.00', '0.00', '0.00', '0.00'), usd('18.50', '11.95', '6.55', '1.15625')] }],

  [`${RANGE}&group_by=affiliate`, [
    // 7: c0 c1 c2 c5 f0-f9; v1 w0-w9.  8: c3 c4; v2, v3.
    { aff_id: 7, ...counts(14, 11, 0, 0, '78.57'), money: [usd('13.00', '8.70', '4.30', '0.92857')] },
    { aff_id: 8, ...counts(2, 1, 0, 1, '50.00'), money: [eur('0.00', '0.00', '0.00', '0.00'), usd('5.50', '3.25', '2.25', '2.75')] },
  ], { ...counts(16, 12, 0, 1, '75.00'), money: [eur('0.00', '0.00', '0.00', '0.00'), usd('18.50', '11.95', '6.55', '1.15625')] }],

  [`${RANGE}&group_by=status`, [
    // Grouped by status each row counts its own money; clicks have no status.
    { status: 'approved', ...counts(null, 12, 0, 0, null), money: [usd('18.50', '11.95', '6.55', null)] },
    { status: 'rejected', ...counts(null, 0, 0, 1, null), money: [eur('20.00', '15.00', '5.00', null)] },
  ], { ...counts(null, 12, 0, 1, null), money: [eur('20.00', '15.00', '5.00', null), usd('18.50', '11.95', '6.55', null)] }],

  [`${RANGE}&group_by=aff_sub`, [
    { aff_sub: 'a', ...counts(2, 1, 0, 0, '50.00'), money: [usd('12.00', '8.00', '4.00', '6.00')] },
    { aff_sub: 'b', ...counts(2, 1, 0, 1, '50.00'), money: [eur('0.00', '0.00', '0.00', '0.00'), usd('5.50', '3.25', '2.25', '2.75')] },
    { aff_sub: 'f', ...counts(10, 10, 0, 0, '100.00'), money: [usd('1.00', '0.70', '0.30', '0.10')] },
    { aff_sub: null, ...counts(2, 0, 0, 0, '0.00'), money: [] },
  ], { ...counts(16, 12, 0, 1, '75.00'), money: [eur('0.00', '0.00', '0.00', '0.00'), usd('18.50', '11.95', '6.55', '1.15625')] }],

  [`${RANGE}&group_by=goal&advertiser_id=20`, [
    { goal: 'lead', ...counts(null, 0, 0, 1, null), money: [eur('0.00', '0.00', '0.00', null)] },
  ], { ...counts(null, 0, 0, 1, null), money: [eur('0.00', '0.00', '0.00', null)] }],

  [`${RANGE}&group_by=source,affiliate&offer_id=1&aff_id=7`, [
    { source: 'fb', aff_id: 7, ...counts(1, 1, 0, 0, '100.00'), money: [usd('12.00', '8.00', '4.00', '12.00')] },
    { source: null, aff_id: 7, ...counts(12, 10, 0, 0, '83.33'), money: [usd('1.00', '0.70', '0.30', '0.08333')] },
  ], { ...counts(13, 11, 0, 0, '84.62'), money: [usd('13.00', '8.70', '4.30', '1.00')] }],
];

export const EXPECTED_CSV = [
  `${RANGE}&group_by=day&format=csv`,
  'day,clicks,conversions,approved,pending,rejected,conversion_rate,currency,revenue,payout,profit,epc\r\n' +
  '2026-03-07,13,11,11,0,0,84.62,USD,13.00,8.70,4.30,1.00\r\n' +
  '2026-03-08,3,2,1,0,1,33.33,EUR,0.00,0.00,0.00,0.00\r\n' +
  '2026-03-08,3,2,1,0,1,33.33,USD,5.50,3.25,2.25,1.83333\r\n' +
  'total,16,13,12,0,1,75.00,EUR,0.00,0.00,0.00,0.00\r\n' +
  'total,16,13,12,0,1,75.00,USD,18.50,11.95,6.55,1.15625\r\n',
];

// [query, parameter named in the 400]
export const BAD_REQUESTS = [
  ['from=2026-02-30', 'from'],
  ['to=yesterday', 'to'],
  ['from=2026-03-09&to=2026-03-08', 'from'],
  ['from=2024-01-01&to=2026-01-01', 'from'],
  ['tz=Mars/Olympus_Mons', 'tz'],
  ['group_by=day,hour', 'group_by'],
  ['group_by=country', 'group_by'],
  ['offer_id=1,x', 'offer_id'],
  ['aff_id=0', 'aff_id'],
  ['format=xml', 'format'],
  ['offer=1', 'offer'],
  ['tz=UTC&tz=UTC', 'tz'],
];

// Checks every expected report through ask(query) -> { status, type, text } (an HTTP GET of
// /api/reports?query with the admin token, on whichever host).
export async function checkSeededReports(assert, ask) {
  for (const [query, rows, totals] of EXPECTED_REPORTS) {
    const answer = await ask(query);
    assert.equal(answer.status, 200, `${query}: ${answer.text}`);
    const report = JSON.parse(answer.text);
    assert.deepEqual(report.rows, rows, query);
    assert.deepEqual(report.totals, totals, `${query} (totals)`);
  }
  const [query, csv] = EXPECTED_CSV;
  const answer = await ask(query);
  assert.equal(answer.status, 200);
  assert.match(answer.type, /^text\/csv/);
  assert.equal(answer.text, csv);
  for (const [bad, parameter] of BAD_REQUESTS) {
    const refused = await ask(bad);
    assert.equal(refused.status, 400, bad);
    assert.equal(JSON.parse(refused.text).parameter, parameter, `${bad}: ${refused.text}`);
  }
}
