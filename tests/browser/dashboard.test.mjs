// The reports dashboard in a real browser: Debian's Chromium (headless, driven by
// puppeteer-core) against a runner started in this process on the seeded event log
// (tests/analytics/seeded-events.mjs). It types the token, asks for the seeded range and reads
// the figures off the page, checks that the chart drew its lines, that a refused token and a
// bad parameter show the API's messages, and that an ID lookup shows its explanation. The
// browser may reach 127.0.0.1 only: any other request is aborted and fails the run.
//
// EDGEPOST_FUNCTIONS_DIR: the built WASI functions (the explain API runs postback.wasm); without
// it the explain check is skipped. EDGEPOST_DASHBOARD_SCREENSHOT: where the screenshot goes
// (default build/wasi/dashboard.png), the CI artifact.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { EXPECTED_REPORTS, seededLog } from '../analytics/seeded-events.mjs';
import { mintClickId } from '../e2e/click-id.mjs';
import { parseCommandLine } from '../../local-runner/src/cli-args.mjs';
import { startRunner } from '../../local-runner/src/serve.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FUNCTIONS = process.env.EDGEPOST_FUNCTIONS_DIR;
const SCREENSHOT = process.env.EDGEPOST_DASHBOARD_SCREENSHOT || path.join(REPO, 'build/wasi/dashboard.png');
const CHROMIUM = '/usr/bin/chromium';
const TOKEN = 'dashboard-admin-token-0123456789';
const KEY_HEX = 'ef'.repeat(32);
const WAIT_MS = 10_000;

// Off the network: no background services, and no name resolves except the runner's address.
const CHROMIUM_ARGS = [
  '--no-sandbox',  // the tests run as root, where Chromium's sandbox cannot start
  '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync',
  '--disable-default-apps', '--metrics-recording-only', '--disable-domain-reliability',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--disable-dev-shm-usage', '--window-size=1280,1000',
];

const expected = (groupBy) => {
  const found = EXPECTED_REPORTS.find(([query]) => query === `from=2026-03-07&to=2026-03-08&group_by=${groupBy}`);
  assert.ok(found, `EXPECTED_REPORTS has group_by=${groupBy}`);
  return { rows: found[1], totals: found[2] };
};

// A report row as the page shows it: each figure's data-value ('' for none).
const COUNT_FIELDS = ['clicks', 'approved', 'pending', 'rejected', 'conversion_rate'];
const MONEY_FIELDS = ['revenue', 'payout', 'profit', 'epc'];
const asText = (value) => (value === null ? '' : String(value));
function shownRow(row, countFields = COUNT_FIELDS) {
  return {
    counts: Object.fromEntries(countFields.map((field) => [field, asText(row[field])])),
    money: Object.fromEntries(row.money.map((entry) => [entry.currency, Object.fromEntries(MONEY_FIELDS.map((field) => [field, asText(entry[field])]))])),
  };
}

// In the page: the totals strip and a table, read the same way as shownRow writes them.
function readTotals() {
  const read = (cells) => Object.fromEntries([...cells].map((cell) => [cell.dataset.field, cell.dataset.value]));
  const money = [...document.querySelectorAll('#totals .money')].map((block) => [block.dataset.currency, read(block.querySelectorAll('[data-field]'))]);
  return { counts: read(document.querySelectorAll('#totals .counts [data-field]')), money: Object.fromEntries(money) };
}
function readTable(table) {
  const read = (cells) => Object.fromEntries([...cells].map((cell) => [cell.dataset.field, cell.dataset.value]));
  return Object.fromEntries([...table.querySelectorAll('tbody[data-group]')].map((group) => [group.dataset.group, {
    counts: read(group.querySelectorAll('td[rowspan][data-field]')),
    money: Object.fromEntries([...group.querySelectorAll('tr[data-currency]')]
      .map((line) => [line.dataset.currency, read(line.querySelectorAll('td:not([rowspan])[data-field]'))])),
  }]));
}

// In the page: how many pixels of the chart's canvas are near each colour. A blank canvas, or
// one with only axes and grid, has none of the series' colours.
function seriesPixels(colours) {
  const canvas = document.querySelector('#chart canvas');
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const counts = colours.map(() => 0);
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] < 128) continue;
    colours.forEach(([r, g, b], c) => {
      if (Math.abs(data[i] - r) + Math.abs(data[i + 1] - g) + Math.abs(data[i + 2] - b) < 60) counts[c] += 1;
    });
  }
  return { counts, width: canvas.width, height: canvas.height };
}

function dataDir(validId, clickTime) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgepost-dashboard-'));
  // A click with a properly signed ID, months after the seeded range (it changes none of its
  // figures), and a partner postback attempt that names it.
  const click = { type: 'click', id: `click:${validId}`, transaction_id: validId, offer_id: 1, aff_id: 7, advertiser_id: 10, time: clickTime };
  const delivery = { type: 'partner_postback', id: 'partner_postback:x1-7:1:failed', entry: 'x1-7', transaction_id: validId, time: clickTime + 60,
    outcome: 'failed', aff_id: 7, url: 'http://127.0.0.1:9/p', attempts: 1, error: 'connect ECONNREFUSED 127.0.0.1:9' };
  fs.writeFileSync(path.join(dir, 'events.log'), `${seededLog()}${JSON.stringify(click)}\n${JSON.stringify(delivery)}\n`);
  fs.writeFileSync(path.join(dir, 'signing-key'), `3:${KEY_HEX}\n`, { mode: 0o600 });
  return dir;
}

// Without the functions, an engine that runs none (the report API needs none).
const idleEngine = async () => ({ description: 'no functions', cgi: async () => { throw new Error('no functions in this run'); } });

async function closeBrowser(browser) {
  const child = browser.process();
  await Promise.race([browser.close().catch(() => {}), new Promise((resolve) => setTimeout(resolve, 5000))]);
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

describe('the reports dashboard in Chromium', { timeout: 180_000 }, () => {
  const clickTime = Math.floor(Date.now() / 1000) - 3600;
  const validId = mintClickId({ keyId: 3, keyHex: KEY_HEX, clickTime, offerId: 1, affiliateId: 7 });
  const offNetwork = [];
  const pageProblems = [];
  let data;
  let runner;
  let browser;
  let page;

  before(async () => {
    data = dataDir(validId, clickTime);
    const functions = FUNCTIONS ? ['--functions', FUNCTIONS, '--threads', '0'] : [];
    runner = await startRunner(parseCommandLine(['serve', '--port', '0', '--data', data, ...functions]),
      { out: () => {}, err: () => {}, env: { EDGEPOST_ADMIN_TOKEN: TOKEN }, ...(FUNCTIONS ? {} : { createEngine: idleEngine }) });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000, protocolTimeout: 30_000,
      defaultViewport: { width: 1280, height: 1000 } });
    page = await browser.newPage();
    page.setDefaultTimeout(WAIT_MS);
    page.setDefaultNavigationTimeout(WAIT_MS);
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.protocol === 'data:' || url.hostname === '127.0.0.1') return request.continue();
      offNetwork.push(request.url());
      return request.abort('blockedbyclient');
    });
    page.on('pageerror', (error) => pageProblems.push(`page error: ${error.message}`));
    page.on('console', (message) => {
      // A refused request is logged by the browser as an error; the tests cause two on purpose.
      if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 40[01]/.test(message.text())) {
        pageProblems.push(`console: ${message.text()}`);
      }
    });
  });

  after(async () => {
    try {
      if (page) {
        fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
      }
    } finally {
      if (browser) await closeBrowser(browser);
      await runner?.close();
      if (data) fs.rmSync(data, { recursive: true, force: true });
    }
  });

  const showRange = async (from, to, tz) => {
    await page.$eval('#from', (input, value) => { input.value = value; }, from);
    await page.$eval('#to', (input, value) => { input.value = value; }, to);
    await page.$eval('#tz', (input, value) => { input.value = value; }, tz);
    await page.click('#filters button[type=submit]');
  };

  test('asks for the token, and again with the API\'s message when it is refused', { timeout: 30_000 }, async () => {
    await page.goto(`${runner.origin}/dashboard`);
    await page.waitForSelector('#token-form:not([hidden])');
    await page.type('#token', 'not-the-admin-token-0000');
    await page.click('#token-form button[type=submit]');
    await page.waitForFunction(() => document.getElementById('token-message').textContent !== '');
    assert.equal(await page.$eval('#token-message', (p) => p.textContent), 'The token was refused: Authorization: Bearer <EDGEPOST_ADMIN_TOKEN> is required');
    assert.equal(await page.$eval('#dashboard', (main) => main.hidden), true);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  test('the seeded figures: totals, by offer, by affiliate', { timeout: 30_000 }, async () => {
    await page.type('#token', TOKEN);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('#dashboard:not([hidden])');
    await showRange('2026-03-07', '2026-03-08', 'UTC');
    await page.waitForSelector('#report[data-range="2026-03-07..2026-03-08 UTC"]');

    const byDay = expected('day');
    assert.deepEqual(await page.evaluate(readTotals), shownRow(byDay.totals, ['clicks', 'conversions', ...COUNT_FIELDS.slice(1)]));
    for (const [table, groupBy, column] of [['#by-offer', 'offer', 'offer_id'], ['#by-affiliate', 'affiliate', 'aff_id']]) {
      const { rows } = expected(groupBy);
      const want = Object.fromEntries(rows.map((row) => [String(row[column]), shownRow(row)]));
      assert.deepEqual(await page.$eval(table, readTable), want, table);
    }
    // The figures are readable as well as present: thousands grouped, money exact.
    assert.equal(await page.$eval('#totals [data-currency=USD] [data-field=revenue]', (cell) => cell.textContent), '18.50');
    assert.equal(await page.evaluate(() => sessionStorage.length), 1);
  });

  test('the chart: clicks, conversions and USD revenue drawn; EUR is a choice', { timeout: 30_000 }, async () => {
    await page.waitForSelector('#chart canvas');
    const drawn = await page.evaluate(seriesPixels, [[37, 99, 235], [22, 163, 74], [217, 119, 6]]);
    assert.ok(drawn.width >= 300 && drawn.height > 100, JSON.stringify(drawn));
    for (const [i, series] of ['clicks', 'conversions', 'revenue'].entries()) assert.ok(drawn.counts[i] > 20, `${series}: ${JSON.stringify(drawn)}`);
    const legend = await page.$$eval('#chart .u-legend .u-label', (labels) => labels.map((label) => label.textContent));
    assert.deepEqual(legend.slice(1), ['Clicks', 'Conversions', 'Revenue USD']);
    assert.equal(await page.$eval('#currency-choice', (label) => label.hidden), false);
    assert.deepEqual(await page.$$eval('#currency option', (options) => options.map((option) => option.value)), ['EUR', 'USD']);
    assert.equal(await page.$eval('#currency', (select) => select.value), 'USD');
  });

  test('a bad time zone shows the 400 message, naming tz', { timeout: 30_000 }, async () => {
    await showRange('2026-03-07', '2026-03-08', 'Mars/Olympus_Mons');
    await page.waitForSelector('#error:not([hidden])');
    assert.equal(await page.$eval('#error', (p) => p.textContent), 'tz: unknown time zone "Mars/Olympus_Mons" (an IANA name such as America/New_York)');
    await showRange('2026-03-07', '2026-03-08', 'UTC');
    await page.waitForSelector('#report[data-range="2026-03-07..2026-03-08 UTC"]');
    assert.equal(await page.$eval('#error', (p) => p.hidden), true);
  });

  test('an ID lookup shows the explanation, summary first', { timeout: 30_000, skip: !FUNCTIONS && 'EDGEPOST_FUNCTIONS_DIR is not set (the explain API runs postback.wasm)' }, async () => {
    const lookUp = async (id) => {
      await page.$eval('#lookup-id', (input, value) => { input.value = value; }, id);
      await page.click('#lookup button[type=submit]');
      await page.waitForSelector(`#explain[data-id="${id.toLowerCase()}"]`);
      const answer = await fetch(`${runner.origin}/api/explain/${id}`, { headers: { Authorization: `Bearer ${TOKEN}` }, signal: AbortSignal.timeout(WAIT_MS) });
      assert.equal(answer.status, 200);
      return (await answer.json()).summary;
    };

    // A properly signed ID: the verdict of the keys.
    const valid = await lookUp(validId.toUpperCase());
    assert.match(valid, new RegExp(`^Transaction ID ${validId} is a click on offer 1 .* by affiliate 7 on `));
    assert.equal(await page.$eval('#explain-summary', (p) => p.textContent), valid);
    assert.equal(await page.$eval('#explain [data-field=signature]', (dd) => dd.textContent), 'valid');
    assert.deepEqual(await page.$$eval('#explain-deliveries td', (cells) => cells.map((cell) => cell.textContent)),
      [`${new Date((clickTime + 60) * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`, 'x1-7', 'failed', '1', '', 'connect ECONNREFUSED 127.0.0.1:9']);

    // The seeded c1 (not shaped like an issued ID): its conversion and the advertiser's repeat.
    const summary = await lookUp('tid-c1');
    assert.equal(await page.$eval('#explain > :first-child', (p) => p.id), 'explain-summary');
    assert.equal(await page.$eval('#explain-summary', (p) => p.textContent), summary);
    assert.match(summary, /Conversion v1 \(goal sale\) was recorded on 2026-03-07 12:10 UTC as approved/);
    assert.deepEqual(await page.$$eval('#explain-postbacks [data-field=outcome]', (cells) => cells.map((cell) => cell.textContent)), ['accepted', 'duplicate']);
    assert.match(await page.$eval('#explain-conversions [data-conversion=v1] h4', (h) => h.textContent), /approved, revenue 12.00 USD, payout 8.00 USD/);

    // The seeded c3: a conversion the advertiser approved later, each status in order.
    assert.match(await lookUp('tid-c3'), /Conversion v2 \(goal sale\) .* as pending, changed to approved on 2026-03-09 00:00 UTC by the advertiser/);
    assert.deepEqual(await page.$$eval('#explain-conversions [data-conversion=v2] li', (items) => items.map((item) => item.textContent)),
      ['2026-03-08 04:40:00 UTC: recorded as pending', '2026-03-09 00:00:00 UTC: pending → approved by the advertiser']);
  });

  test('the browser reached nothing but the runner, and the page logged no error', () => {
    assert.deepEqual(offNetwork, []);
    assert.deepEqual(pageProblems, []);
  });
});
