// End-to-end test of the sharding scene's panels in headless Chromium on the release build: adding a shard by
// clicking the router moves ~1/(N+1) of the keys on a consistent-hash ring (~N/(N+1) under hash mod N), and the
// ring, the bars and the router say so. Assertions read the widgets' data hooks (`data-owners`, `data-points`,
// `data-keys`, `data-moved` on the ring's canvas; `data-bars` on the bars' SVG; `data-rows`/`data-max` on the
// heatmap's canvas), not pixels. Also: axe finds no serious violation, nothing overflows a 390 px phone, the
// ring's legend works from the keyboard. Screenshots land in test-results/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, useApp } from './helpers.mjs';

const app = useApp();

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
  await page.getByTestId('ring-canvas').waitFor({ state: 'visible', timeout: 20_000 });
  await page.waitForFunction(() => document.querySelector('[data-testid=ring-canvas]')?.hasAttribute('data-owners'));
}

/** The ring canvas's data hooks, as numbers. */
async function ring(page) {
  return page.getByTestId('ring-canvas').evaluate((c) => ({
    owners: Number(c.dataset.owners),
    points: Number(c.dataset.points),
    keys: Number(c.dataset.keys),
    moved: Number(c.dataset.moved),
  }));
}

const bars = async (page) => Number(await page.getByTestId('bars-svg').getAttribute('data-bars'));

/** "(20.1%" of the ring caption's "2,014 of 10,000 keys moved (20.1%; theory 20.0%)", in percent. */
async function captionMovedPercent(page) {
  const caption = await page.getByTestId('ring-caption').textContent();
  const m = caption.match(/keys moved \(([\d.]+)%/);
  assert.ok(m, `the caption says how many keys moved: ${caption}`);
  return Number(m[1]);
}

test('adds a shard by click and sees the moved-keys count and the ring change', async () => {
  const p = await app.open('?scene=sharding&p=strategy:ring&t=3', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    const before = await ring(p.page);
    assert.equal(before.owners, 4, 'four shards on the ring');
    assert.equal(before.moved, 0, 'no key moved before a reshard');
    assert.ok(before.points >= 4 && before.keys > 100, `points and a sample of keys: ${JSON.stringify(before)}`);
    assert.equal(await bars(p.page), 4, 'a bar per shard');
    const router = p.page.getByTestId('node-router');
    assert.match(await router.getAttribute('aria-label'), /\b0 moved so far/);

    await router.click(); // the router's action: "Add a shard", at the paused moment
    await p.page.waitForFunction(() => document.querySelector('[data-testid=ring-canvas]').dataset.owners === '5', null, {
      timeout: 20_000,
    });
    const after = await ring(p.page);
    assert.ok(after.points > before.points, `the new shard's points are on the ring: ${JSON.stringify(after)}`);
    const share = after.moved / after.keys;
    assert.ok(share > 0.1 && share < 0.3, `about 1/5 of the drawn keys moved (${after.moved} of ${after.keys})`);
    const pct = await captionMovedPercent(p.page);
    assert.ok(pct > 15 && pct < 25, `the caption's count is about 20% (${pct}%)`);
    const label = await router.getAttribute('aria-label');
    const moved = Number(label.match(/([\d,]+) moved so far/)[1].replace(/,/g, ''));
    assert.ok(moved > 1_000 && moved < 3_000, `the router counts the moved keys: ${label}`);
    await p.page.waitForFunction(() => document.querySelector('[data-testid=bars-svg]')?.dataset.bars === '5');
    assert.equal(await bars(p.page), 5, 'one more bar');
    assert.match(await p.page.getByTestId('bars-svg').getAttribute('aria-label'), /capacity \d+ req\/s: shard1 /);
    const heat = p.page.getByTestId('heatmap-canvas');
    assert.ok(Number(await heat.getAttribute('data-rows')) > 4, 'key ranges and hot keys as rows');
    assert.match(await heat.getAttribute('aria-label'), /busiest row/);
    await p.screenshot('sharding-ring-added-1280x720');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('hash mod N moves most keys when a shard is added', async () => {
  const p = await app.open('?scene=sharding&preset=hash-mod-add-shard&t=6', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    const r = await ring(p.page);
    assert.equal(r.owners, 5);
    assert.equal(r.points, 0, 'hash mod N has no ring points: keys sit at their hash');
    const share = r.moved / r.keys;
    assert.ok(share > 0.7 && share < 0.9, `about 4/5 of the drawn keys moved (${r.moved} of ${r.keys})`);
    const pct = await captionMovedPercent(p.page);
    assert.ok(pct > 75 && pct < 85, `the caption's count is about 80% (${pct}%)`);
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('a celebrity key is over capacity in the heatmap and its shard is marked hot', async () => {
  const p = await app.open('?scene=sharding&preset=celebrity-key&t=8', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    const heat = p.page.getByTestId('heatmap-canvas');
    assert.ok(Number(await heat.getAttribute('data-max')) > 1, 'a cell past capacity');
    assert.ok(Number(await heat.getAttribute('data-over')) > 0);
    assert.match(await heat.getAttribute('aria-label'), /over capacity, in 1 rows: key [\d,]+ · celebrity/);
    const svg = p.page.getByTestId('bars-svg');
    assert.ok(Number(await svg.getAttribute('data-hot')) >= 1, 'the hot shard is marked');
    assert.match(await svg.innerHTML(), /▲ hot/, 'by a mark and a word, not colour alone');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('the sharding page is accessible, fits a phone, and the ring legend works from the keyboard', async () => {
  for (const [w, h] of [[1280, 720], [390, 844]]) {
    const p = await app.open('?scene=sharding&preset=ring-add-shard&t=6', { viewport: { width: w, height: h } });
    try {
      await waitForApp(p.page);
      const violations = await axeViolations(p.page);
      assert.deepEqual(violations, [], `axe at ${w}px`);
      const [sw, cw] = await p.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(sw <= cw, `no horizontal scrolling at ${w}px (${sw} > ${cw})`);
      for (const id of ['ring-panel', 'bars-panel', 'heatmap-panel']) {
        const box = await p.page.getByTestId(id).boundingBox();
        assert.ok(box.x >= 0 && box.x + box.width <= cw + 0.5, `${id} inside the page at ${w}px: ${JSON.stringify(box)}`);
      }
      // Text of the panels' HTML and SVG at 12 px or more.
      const small = await p.page.evaluate(() =>
        [...document.querySelectorAll('.ring-panel *, .bars-panel *, .heatmap-panel *')]
          .filter((el) => el.childNodes.length && [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim()))
          .map((el) => [el.textContent.trim().slice(0, 30), parseFloat(getComputedStyle(el).fontSize)])
          .filter(([, px]) => px < 12),
      );
      assert.deepEqual(small, [], `text below 12 px at ${w}px`);
      // Press an owner in the legend by keyboard: its arcs are highlighted, and pressing again clears it.
      const owner = p.page.locator('.ring-legend button').first();
      await owner.focus();
      await p.page.keyboard.press('Enter');
      assert.equal(await owner.getAttribute('aria-pressed'), 'true');
      await p.page.keyboard.press('Space');
      assert.equal(await owner.getAttribute('aria-pressed'), 'false');
      await p.screenshot(`sharding-panels-${w}x${h}`);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
  }
});
