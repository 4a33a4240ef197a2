// Shared helpers for end-to-end tests (node --test tests/e2e/) and the browser bench:
// serve dist/ under a sub-path, launch Debian's Chromium through playwright-core, open pages that
// record console errors / page errors / failed requests, save screenshots into test-results/.
//
// Typical scene test:
//   import { test } from 'node:test';
//   import assert from 'node:assert/strict';
//   import { useApp } from './helpers.mjs';
//   const app = useApp();                        // one server + browser per test file
//   test('circuit breaker opens', async () => {
//     const p = await app.open('?scene=circuit-breaker');
//     await p.page.getByTestId('stage').waitFor();
//     await p.screenshot('circuit-breaker');
//     p.assertNoErrors();
//     await p.close();
//   });
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, BASE_PATH } from './server.mjs';

export { startServer, BASE_PATH };

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built app; `cargo xtask test` builds it (release) before running the e2e tests. */
export const DIST_DIR = resolve(process.env.FAULTLINE_DIST ?? join(REPO_ROOT, 'dist'));
export const RESULTS_DIR = join(REPO_ROOT, 'test-results');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Playwright's own browser download is unreachable here: always Debian's chromium, with these flags. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Serves DIST_DIR under BASE_PATH on a random free 127.0.0.1 port. */
export async function serveDist() {
  if (!existsSync(join(DIST_DIR, 'index.html'))) {
    throw new Error(`${DIST_DIR}/index.html not found: build first with \`cargo xtask dist\``);
  }
  return startServer({ root: DIST_DIR });
}

/** Headless Debian Chromium. */
export function launchBrowser(options = {}) {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, ...options });
}

/** `base` + `query` (`'?scene=x'`, `'scene=x'` or `''`). */
export function appUrl(base, query = '') {
  if (!query) return base;
  return base + (query.startsWith('?') ? query : `?${query}`);
}

/** Where axe-core's browser build lives (an npm dev dependency). */
export const AXE_PATH = join(REPO_ROOT, 'node_modules', 'axe-core', 'axe.min.js');

/**
 * Runs axe-core (a real accessibility engine) on the page and returns its serious and critical violations as
 * `rule: target (summary)` lines, so an assertion failure names what to fix.
 */
export async function axeViolations(page, { exclude = [] } = {}) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    await page.addScriptTag({ path: AXE_PATH });
  }
  const result = await page.evaluate(
    async (exclude) => window.axe.run({ exclude: exclude.map((s) => [s]) }, { resultTypes: ['violations'] }),
    exclude,
  );
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.slice(0, 5).map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary?.split('\n')[1] ?? v.help}`));
}

/** Saves a full-page screenshot as test-results/<name>.png; returns its path. */
export async function screenshot(page, name) {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * A fresh browser context + page that records problems:
 * `consoleErrors` (console.error and resource load failures), `pageErrors` (uncaught exceptions),
 * `failedRequests` (network failures and HTTP ≥ 400).
 * Navigates to `url` when given (waits for the `load` event).
 */
export async function openPage(browser, url, { viewport = { width: 1280, height: 800 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const consoleErrors = [];
  const pageErrors = [];
  const failedRequests = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', (err) => pageErrors.push(String(err?.stack ?? err)));
  page.on('requestfailed', (req) => failedRequests.push(`${req.url()}: ${req.failure()?.errorText}`));
  page.on('response', (res) => {
    if (res.status() >= 400) failedRequests.push(`${res.url()}: HTTP ${res.status()}`);
  });
  if (url) await page.goto(url, { waitUntil: 'load' });
  return {
    page,
    context,
    consoleErrors,
    pageErrors,
    failedRequests,
    screenshot: (name) => screenshot(page, name),
    /** Fails with every recorded problem listed. */
    assertNoErrors() {
      assert.deepEqual(
        { consoleErrors, pageErrors, failedRequests },
        { consoleErrors: [], pageErrors: [], failedRequests: [] },
        'the page reported errors',
      );
    },
    close: () => context.close(),
  };
}

/**
 * For a node:test file: starts the dist server and the browser before the tests, stops them after.
 * Returns `{ server, browser, url(query), open(query, options) }` (fields set once `before` ran).
 */
export function useApp() {
  const app = {
    server: null,
    browser: null,
    url: (query = '') => appUrl(app.server.url, query),
    open: (query = '', options) => openPage(app.browser, app.url(query), options),
  };
  before(async () => {
    app.server = await serveDist();
    app.browser = await launchBrowser();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.close();
  });
  return app;
}
