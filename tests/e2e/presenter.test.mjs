// End-to-end tests of presenter mode (`present=1`, the Present button, `p`): at 1280×720 every visible text
// renders at 20 CSS px or more (HTML by its computed size; SVG text — the stage, the chart — by its computed
// size times the SVG's scale on screen), nothing scrolls sideways, only the stage, the key chart, the
// narration and the transport show, slow motion is on by default, the last key pressed is shown, and
// axe-core finds no serious or critical violation (also in an embed: `embed=1&present=1`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, useApp } from './helpers.mjs';

const app = useApp();
const VIEW = { viewport: { width: 1280, height: 720 } };
const SCENES = ['circuit-breaker', 'cache-stampede', 'saga', 'sharding', 'cap'];

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
  // Presenter mode re-lays the stage out once its width is measured.
  await page.waitForTimeout(300);
}

/** Every visible piece of text smaller than `min` CSS px on screen: [text, rendered px]. */
function smallText(page, min = 20) {
  return page.evaluate((min) => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent.trim();
      const el = n.parentElement;
      if (!text || !el || el.closest('.sr-only, [hidden], script, style, title, desc')) continue;
      const r = el.getBoundingClientRect();
      if (r.width < 1 || r.height < 1) continue;
      const cs = getComputedStyle(el);
      if (cs.visibility === 'hidden' || cs.display === 'none') continue;
      let px = parseFloat(cs.fontSize);
      if (el instanceof SVGElement) {
        const m = el.getScreenCTM();
        px *= Math.hypot(m.a, m.b);
      }
      if (px < min - 0.05) out.push([text.slice(0, 40), Math.round(px * 10) / 10]);
    }
    return out;
  }, min);
}

test('presenter mode at 1280×720: every visible text ≥ 20 px, no sideways scroll, no axe violation, every scene', async () => {
  for (const id of SCENES) {
    const p = await app.open(`?scene=${id}&present=1&t=3`, VIEW);
    try {
      await waitForApp(p.page);
      assert.ok(await p.page.evaluate(() => document.body.classList.contains('presenting')), `${id}: presenting`);
      assert.deepEqual(await smallText(p.page), [], `${id}: text under 20 px`);
      const [sw, cw] = await p.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(sw <= cw, `${id}: no horizontal scrolling (${sw} > ${cw})`);
      // Only the stage, the key chart, the narration and the transport.
      for (const gone of ['watch', 'preset-desc', 'chaos-track', 'export-menu']) {
        assert.equal(await p.page.getByTestId(gone).isVisible(), false, `${id}: ${gone} hidden`);
      }
      assert.equal(await p.page.locator('.story-col .chart').count(), 1, `${id}: one chart`);
      assert.ok(await p.page.getByTestId('narration').isVisible(), `${id}: narration shown`);
      assert.equal(await p.page.getByTestId('slow-toggle').getAttribute('aria-pressed'), 'true', `${id}: slow motion on`);
      // Large hit targets.
      const small = await p.page.evaluate(() =>
        [...document.querySelectorAll('button, select, summary, input')]
          .filter((b) => b.getBoundingClientRect().width > 0)
          .map((b) => [b.textContent.trim() || b.getAttribute('aria-label') || b.tagName, b.getBoundingClientRect().height])
          .filter(([, h]) => h < 44),
      );
      assert.deepEqual(small, [], `${id}: hit targets under 44 px`);
      assert.deepEqual(await axeViolations(p.page), [], `${id}: axe in presenter mode`);
      await p.screenshot(`presenter-${id}-1280x720`);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
  }
});

test('the Present button and `p` enter and leave presenter mode, keeping the moment; the last key is shown', async () => {
  const p = await app.open('?scene=circuit-breaker&t=6', VIEW);
  try {
    await waitForApp(p.page);
    const button = p.page.getByTestId('present-toggle');
    assert.equal(await button.getAttribute('aria-pressed'), 'false');
    assert.equal(await p.page.getByTestId('slow-toggle').getAttribute('aria-pressed'), 'false', 'slow motion off by default');
    await button.click();
    assert.equal(await button.getAttribute('aria-pressed'), 'true');
    assert.ok(await p.page.evaluate(() => document.body.classList.contains('presenting')));
    assert.equal(await p.page.getByTestId('slow-toggle').getAttribute('aria-pressed'), 'true', 'slow motion follows presenter mode');
    await p.page.waitForFunction(() => new URL(location.href).searchParams.get('present') === '1', null, { timeout: 5000 });
    assert.match(await p.page.getByTestId('time').textContent(), /t = 6\.00 s/);
    await button.evaluate((b) => b.blur());
    await p.page.keyboard.press('Space');
    assert.match(await p.page.getByTestId('key-cue').textContent(), /Space — play/);
    await p.page.keyboard.press('Space');
    await p.page.keyboard.press('p');
    assert.equal(await button.getAttribute('aria-pressed'), 'false');
    assert.equal(await p.page.evaluate(() => document.body.classList.contains('presenting')), false);
    await p.page.waitForFunction(() => !new URL(location.href).searchParams.has('present'), null, { timeout: 5000 });
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('presenter mode in an embed (embed=1&present=1): no axe violation, no sideways scroll', async () => {
  for (const [id, viewport] of [
    ['cache-stampede', { width: 1280, height: 720 }],
    ['circuit-breaker', { width: 720, height: 520 }],
  ]) {
    const p = await app.open(`?scene=${id}&embed=1&present=1&t=3`, { viewport });
    try {
      await waitForApp(p.page);
      assert.ok(await p.page.evaluate(() => document.body.classList.contains('presenting')));
      assert.deepEqual(await axeViolations(p.page), [], `${id}: axe, embed presenter ${viewport.width}×${viewport.height}`);
      const [sw, cw] = await p.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(sw <= cw, `${id}: no horizontal scrolling in the embed (${sw} > ${cw})`);
      if (viewport.width === 1280) assert.deepEqual(await smallText(p.page), [], `${id}: embed text under 20 px`);
      await p.screenshot(`presenter-embed-${id}-${viewport.width}x${viewport.height}`);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
  }
});
