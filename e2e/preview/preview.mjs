// Drives tagd's preview UI in headless Chromium (Debian's /usr/bin/chromium): opens the UI,
// sends a GA4 hit (browser-style) and a postback (server-to-server) to the ingress, sees
// both appear live without reloading, opens the GA4 request and finds the Meta CAPI tag's
// outbound request body. Run by preview_test.go with TAGD_ADMIN, TAGD_INGRESS and
// optionally SCREENSHOT (a PNG path) set.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const admin = process.env.TAGD_ADMIN;
const ingress = process.env.TAGD_INGRESS;
const screenshot = process.env.SCREENSHOT || '';
assert.ok(admin && ingress, 'TAGD_ADMIN and TAGD_INGRESS must be set');

const step = (msg) => console.log('step: ' + msg);
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tagd-preview-chromium-'));
let passed = 0;
let failed = 0;
const check = async (name, fn) => {
  try {
    await fn();
    passed++;
    console.log('ok: ' + name);
  } catch (e) {
    failed++;
    console.log('FAIL: ' + name + ': ' + (e && e.stack ? e.stack : e));
    throw e;
  }
};

// A fresh profile directory is the --user-data-dir (Playwright passes it for a persistent
// context and refuses it in args).
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update'],
  viewport: { width: 1440, height: 960 },
});
ctx.setDefaultTimeout(20000);

try {
  const page = ctx.pages()[0] || await ctx.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  await check('the preview UI opens and its live stream connects', async () => {
    step('open ' + admin + '/');
    await page.goto(admin + '/');
    await page.getByTestId('live').filter({ hasText: /^live$/ }).waitFor();
    const rows = await page.getByTestId('request-row').count();
    assert.equal(rows, 0, 'the buffer starts empty');
  });

  await check('a GA4 hit appears live', async () => {
    step('send a GA4 purchase hit with the sGTM preview header');
    const ga4 = ingress + '/g/collect?v=2&tid=G-E2E42&cid=555.777&en=purchase' +
      '&ep.transaction_id=T-7781&epn.value=42.5&cu=EUR&dl=https%3A%2F%2Fshop.example%2Fthanks';
    const res = await fetch(ga4, { method: 'POST', headers: { 'X-Gtm-Server-Preview': 'ZW52LWUyZQ==', 'User-Agent': 'Mozilla/5.0 (e2e)' } });
    assert.equal(res.status, 200);
    const row = page.locator('[data-testid=request-row][data-path="/g/collect"]');
    await row.waitFor();
    await assert.doesNotReject(row.getByTestId('event-chip').filter({ hasText: 'purchase' }).waitFor());
  });

  await check('a server-to-server postback appears live, newest first', async () => {
    step('send a postback with the tagd preview header');
    const res = await fetch(ingress + '/postback?click_id=CLK-9&payout=5.25&txid=T-7781', { headers: { 'X-Tagd-Preview': '1' } });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"status":"accepted"}');
    await page.locator('[data-testid=request-row][data-path="/postback"]').waitFor();
    const paths = await page.getByTestId('request-row').evaluateAll((els) => els.map((e) => e.dataset.path));
    assert.deepEqual(paths, ['/postback', '/g/collect']);
  });

  await check('the postback shows its client and its webhook tag', async () => {
    await page.locator('[data-testid=request-row][data-path="/postback"]').click();
    await page.getByTestId('detail-title').filter({ hasText: 'GET /postback' }).waitFor();
    const clients = await page.getByTestId('clients').innerText();
    assert.match(clients, /claimed\s+Postback intake/);
    assert.match(clients, /declined\s+GA4/);
    await page.locator('[data-testid=tag][data-tag="Conversion webhook"]').waitFor();
    const notFired = await page.getByTestId('not-fired').innerText();
    assert.match(notFired, /Meta CAPI\s+trigger "Purchase": event "conversion" not in \[purchase\]/);
  });

  await check('the GA4 request shows the Meta CAPI outbound request body', async () => {
    await page.locator('[data-testid=request-row][data-path="/g/collect"]').click();
    await page.getByTestId('detail-title').filter({ hasText: 'POST /g/collect' }).waitFor();
    const tag = page.locator('[data-testid=tag][data-tag="Meta CAPI"]');
    await tag.waitFor();
    if (!(await tag.evaluate((d) => d.open))) await tag.locator('summary').first().click();
    const out = tag.getByTestId('outbound').first();
    await out.locator('summary').click();
    const body = await out.getByTestId('outbound-request-body').innerText();
    const sent = JSON.parse(body);
    assert.equal(sent.data[0].event_name, 'Purchase');
    assert.equal(sent.data[0].event_id, 'T-7781');
    assert.equal(sent.data[0].custom_data.value, 42.5);
    const summary = await out.locator('summary').innerText();
    assert.match(summary, /access_token=\[redacted\]/, 'the token is not shown');
    assert.doesNotMatch(await page.getByTestId('detail').innerText(), /e2e-secret-token/);
  });

  await check('filters narrow the list', async () => {
    await page.getByTestId('filter-event').fill('conversion');
    assert.deepEqual(await page.getByTestId('request-row').evaluateAll((els) => els.map((e) => e.dataset.path)), ['/postback']);
    await page.getByTestId('filter-event').fill('');
    await page.getByTestId('filter-client').fill('ga4');
    assert.deepEqual(await page.getByTestId('request-row').evaluateAll((els) => els.map((e) => e.dataset.path)), ['/g/collect']);
    await page.getByTestId('filter-client').fill('');
  });

  await check('the page logged no errors', async () => {
    assert.deepEqual(consoleErrors, []);
  });

  if (screenshot) {
    step('screenshot to ' + screenshot);
    await page.evaluate(() => { document.activeElement.blur(); document.querySelector('[data-testid=detail]').scrollTo(0, 0); });
    await page.screenshot({ path: screenshot });
  }
} finally {
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
}
