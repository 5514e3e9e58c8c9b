// Drives headless Chromium for clients/browser_test.go: opens the test page (served on
// 127.0.0.1 by the Go test), lets @minimal-analytics/ga4 send its page_view to tagd, then
// sends a purchase with track() and clicks a button, waiting for each GA4 request to
// finish so the hits reach tagd in order. Exits non-zero on any failure.
//
// Usage: node run.mjs <page-url> [chromium-path]
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [pageURL, executablePath = '/usr/bin/chromium'] = process.argv.slice(2);
if (!pageURL) {
  console.error('usage: node run.mjs <page-url> [chromium-path]');
  process.exit(2);
}

// A fresh profile per run (Playwright passes it to Chromium as --user-data-dir).
const profile = mkdtempSync(join(tmpdir(), 'tagd-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  locale: 'en-US',
  viewport: { width: 1280, height: 720 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update',
    // The machine's network is closed: no QUIC probes, no sync.
    '--disable-quic', '--disable-sync',
  ],
});

let failed = false;
try {
  const page = await context.newPage();
  page.on('console', (m) => console.log(`page console: ${m.text()}`));
  page.on('pageerror', (e) => { console.error(`page error: ${e}`); failed = true; });

  // Resolves when the next /g/collect request has finished (or failed).
  const nextHit = (label) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no GA4 hit for ${label}`)), 30000);
    const done = (req, ok) => {
      if (!req.url().includes('/g/collect')) return;
      clearTimeout(timer);
      page.off('requestfinished', onFinished);
      page.off('requestfailed', onFailed);
      console.log(`${label}: ${ok ? 'sent' : 'FAILED'} ${req.method()} ${req.url().slice(0, 120)}`);
      ok ? resolve() : reject(new Error(`GA4 hit for ${label} failed: ${req.failure()?.errorText}`));
    };
    const onFinished = (req) => done(req, true);
    const onFailed = (req) => done(req, false);
    page.on('requestfinished', onFinished);
    page.on('requestfailed', onFailed);
  });

  let hit = nextHit('page_view');
  await page.goto(pageURL, { waitUntil: 'load' });
  await hit;

  hit = nextHit('purchase');
  await page.evaluate(() => window.track({
    type: 'purchase',
    event: { cu: 'USD', 'ep.transaction_id': 'T-BROWSER-1', 'epn.value': 42.5 },
  }));
  await hit;

  hit = nextHit('click');
  await page.click('#buy');
  await hit;

} catch (e) {
  console.error(e);
  failed = true;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
