// Accessibility checked by a real engine (axe-core) on every page a reader can reach: home, and every scene
// (found from the home page's links, so a new scene is covered without editing this file) in full, embed and
// phone layouts, at rest and after a fault added through the chaos timeline, with the export menu open.
// Passes only with zero serious or critical violations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, useApp } from './helpers.mjs';

const app = useApp();

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
}

async function sceneIds() {
  const home = await app.open('', { viewport: { width: 1280, height: 800 } });
  try {
    await home.page.locator('a[href*="scene="]').first().waitFor();
    const hrefs = await home.page.locator('a[href*="scene="]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    return [...new Set(hrefs.map((h) => new URLSearchParams(h.split('?')[1]).get('scene')))];
  } finally {
    await home.close();
  }
}

test('home has no serious or critical accessibility violation', async () => {
  const p = await app.open('', { viewport: { width: 1280, height: 800 } });
  try {
    await p.page.locator('a[href*="scene="]').first().waitFor();
    assert.deepEqual(await axeViolations(p.page), []);
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('every scene, full page at rest and after a fault (chaos track, export menu open), embed and phone: 0 serious or critical', async () => {
  const ids = await sceneIds();
  assert.ok(ids.length >= 5, `scenes found on the home page: ${ids}`);
  for (const id of ids) {
    const p = await app.open(`?scene=${id}`, { viewport: { width: 1280, height: 800 } });
    try {
      await waitForApp(p.page);
      assert.deepEqual(await axeViolations(p.page), [], `${id}, full page at rest`);
      // A fault from the palette (its first entry), then a second of the run.
      await p.page.getByTestId('chaos-add').selectOption({ index: 1 });
      await p.page.getByTestId('marker').first().waitFor();
      await p.page.getByTestId('play').click();
      await p.page.waitForTimeout(1000);
      await p.page.getByTestId('play').click();
      await p.page.getByTestId('export-menu').locator('summary').click();
      assert.deepEqual(await axeViolations(p.page), [], `${id}, after a fault, export menu open`);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
    for (const [what, query, viewport] of [
      ['embed 720×520', `?scene=${id}&embed=1&t=3`, { width: 720, height: 520 }],
      ['phone 390×844', `?scene=${id}&t=3`, { width: 390, height: 844 }],
    ]) {
      const q = await app.open(query, { viewport });
      try {
        await waitForApp(q.page);
        assert.deepEqual(await axeViolations(q.page), [], `${id}, ${what}`);
        q.assertNoErrors();
      } finally {
        await q.close();
      }
    }
  }
});
