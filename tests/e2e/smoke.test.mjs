// Smoke test: the release build, served under a sub-path, loads its wasm and renders text with no errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp } from './helpers.mjs';

const app = useApp();

test('root page renders text without console or page errors', async () => {
  const p = await app.open();
  try {
    // Text only appears once the wasm app has mounted (index.html's body is empty).
    await p.page.waitForFunction(() => document.body.innerText.trim().length > 0, null, { timeout: 20_000 });
    await p.screenshot('smoke-root');
    const text = await p.page.evaluate(() => document.body.innerText.trim());
    assert.ok(text.length > 0, 'body has text');
    assert.ok(app.server.url.includes('/faultline/sub/path/'), 'served under a sub-path');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
