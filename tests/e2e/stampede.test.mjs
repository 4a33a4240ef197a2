// End-to-end test of the cache-stampede scene and the same-seed A/B comparison, in headless Chromium on the
// release build: the textbook stampede sends many recomputes to the database at once; a global lock keeps it
// to one; comparing with `none` overlays run B on the charts and fills the A/B table; the URL reproduces the
// comparison. Assertions read the charts' data hooks (`data-max` of each series path), not pixels.
// Screenshots land in test-results/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp } from './helpers.mjs';

const app = useApp();
const SCENE = 'cache-stampede';
const DB = 'db_concurrency'; // sim/src/cache_stampede/mod.rs, CHARTS: "queries running (peak per 100 ms)"

const text = (page, id) => page.getByTestId(id).textContent();

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
}

/** Virtual time of the transport readout ("t = 12.34 s"), in seconds. */
async function now(page) {
  return Number((await text(page, 'time')).match(/t = ([\d.]+) s/)[1]);
}

/** Plays until the readout passes `secs`, then pauses and lets the charts redraw. */
async function playUntil(page, secs) {
  await page.getByTestId('play').click();
  await page.waitForFunction(
    (s) => Number(document.querySelector('[data-testid=time]').textContent.match(/t = ([\d.]+) s/)[1]) >= s,
    secs,
    { timeout: 30_000, polling: 50 },
  );
  await page.getByTestId('play').click();
  assert.equal(await page.getByTestId('play').getAttribute('aria-pressed'), 'false');
  await page.waitForTimeout(400); // charts are rebuilt at most 5×/s; a pause publishes at once anyway
}

/** `data-max` of a series path (`series-<name>` for run A, `series-b-<name>` for run B). */
async function seriesMax(page, testid) {
  const v = await page.getByTestId(testid).getAttribute('data-max');
  assert.match(v, /^\d+(\.\d+)?(e[+-]?\d+)?$/, `${testid} data-max is a plain number: ${v}`);
  return Number(v);
}

test('stampede vs global lock, compared on one seed, and the link reproduces the comparison', async () => {
  const p = await app.open(`?scene=${SCENE}`, { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    assert.equal(await p.page.getByTestId('param-strategy').inputValue(), 'none', 'default preset: textbook stampede');
    await p.page.getByTestId('speed').selectOption('5');

    await playUntil(p.page, 12);
    const stampede = await seriesMax(p.page, `series-${DB}`);
    assert.ok(stampede >= 5, `no protection: many recomputes hit the database at once (peak ${stampede}, seed 1)`);

    await p.page.getByTestId('reset').click();
    assert.equal(await now(p.page), 0);
    await p.page.getByTestId('param-strategy').selectOption('global_lock'); // at t = 0: the run is rebuilt
    assert.equal(await p.page.getByTestId('param-strategy').inputValue(), 'global_lock');
    await playUntil(p.page, 12);
    const locked = await seriesMax(p.page, `series-${DB}`);
    assert.ok(locked <= 1, `global lock: at most one query at a time (peak ${locked}, seed 1)`);
    const narration = await text(p.page, 'narration');
    assert.match(narration, /key #1 expired at [\d.]+ s: 1 recompute started/, narration);
    assert.doesNotMatch(narration, /expired at [\d.]+ s: \d{2,} recomputes/, narration);
    assert.equal(await p.page.getByTestId('compare-table').count(), 0, 'no table before comparing');

    // Compare with no protection: run B, same seed and script, strategy = none.
    const compare = p.page.getByTestId('compare');
    const offered = await compare.locator('option').evaluateAll((os) => os.map((o) => o.value));
    assert.deepEqual(
      offered,
      ['', 'strategy:none', 'strategy:single_flight', 'strategy:xfetch', 'strategy:swr'],
      'the other choices of every comparable parameter, plus off',
    );
    await compare.selectOption('strategy:none');
    await p.page.getByTestId('compare-table').waitFor({ state: 'visible' });
    const b = await seriesMax(p.page, `series-b-${DB}`);
    assert.ok(b >= 5, `run B (none) stampedes on the same seed (peak ${b})`);
    assert.equal(await seriesMax(p.page, `series-${DB}`), locked, 'run A unchanged by comparing');
    // Small multiples: B's plot has its own theory line, 1 + λ·R for no protection (A's is 1, the lock holder).
    assert.ok((await seriesMax(p.page, 'series-b-db_concurrency_theory')) > 20, 'B draws its own theory');
    assert.equal(await seriesMax(p.page, 'series-db_concurrency_theory'), 1, 'A: one lock holder');
    const titles = await p.page.getByTestId(`chart-${DB}`).locator('.multiple-title').allTextContents();
    assert.deepEqual(titles.map((t) => t.replace(/\s+/g, ' ').trim()), ['A Protection: global lock', 'B Protection: no protection']);
    const table = await text(p.page, 'compare-table');
    assert.match(table, /A · Protection: global lock/);
    assert.match(table, /B · Protection: no protection/);
    const maxRow = await p.page.getByTestId('compare-row-max_db_concurrency').locator('td').allTextContents();
    assert.equal(Number(maxRow[0]), 1, `A's max DB concurrency: ${maxRow}`);
    assert.ok(Number(maxRow[1]) >= 5, `B's max DB concurrency: ${maxRow}`);
    for (const row of await p.page.locator('[data-testid^=compare-counter-]').allTextContents()) {
      assert.match(row, /✓ 0\s*✓ 0$/, `invariants hold in both runs: ${row}`);
    }
    await p.page.waitForTimeout(600); // the URL is written ~300 ms after the last change
    const url = p.page.url();
    assert.match(url, /[?&]cmp=strategy:none(&|$)/, url);
    assert.match(url, /p=[^&]*strategy:global_lock/, url);
    const hash = await text(p.page, 'trace-hash');
    const hashB = await text(p.page, 'trace-hash-b');
    assert.match(hashB, /^[0-9a-f]{16}$/);
    assert.notEqual(hashB, hash);
    const time = await text(p.page, 'time');
    await p.screenshot('cache-stampede-compare-1280x720');
    p.assertNoErrors();

    for (const [w, h] of [[1280, 720], [390, 844]]) {
      const again = await app.open(url.slice(app.url().length), { viewport: { width: w, height: h } });
      try {
        await waitForApp(again.page);
        assert.equal(await text(again.page, 'time'), time, 'same moment');
        assert.equal(await text(again.page, 'trace-hash'), hash, `same trace hash (reproduce with ${url})`);
        assert.equal(await text(again.page, 'trace-hash-b'), hashB, 'same run B');
        assert.equal(await again.page.getByTestId('compare').inputValue(), 'strategy:none', 'compare still on');
        await again.page.getByTestId('compare-table').waitFor({ state: 'visible' });
        assert.equal(await seriesMax(again.page, `series-b-${DB}`), b);
        const [sw, cw] = await again.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
        assert.ok(sw <= cw, `no horizontal scrolling at ${w}px (${sw} > ${cw})`);
        await again.screenshot(`cache-stampede-${w}x${h}`);
        again.assertNoErrors();
      } finally {
        await again.close();
      }
    }

    // Run A switching to B's choice mid-run leaves nothing to compare: the comparison turns off.
    await p.page.getByTestId('param-strategy').selectOption('none');
    await p.page.getByTestId('compare-table').waitFor({ state: 'detached' });
    assert.equal(await p.page.getByTestId('compare').inputValue(), '');
    assert.equal(await p.page.getByTestId(`series-b-${DB}`).count(), 0);
    assert.match(await text(p.page, 'notice'), /comparison turned off/);
    await p.page.waitForTimeout(600);
    assert.doesNotMatch(p.page.url(), /[?&]cmp=/);
    assert.match(p.page.url(), /set:strategy=none/);
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('stage text fits its boxes at 1280 and 390 px', async () => {
  for (const [w, h] of [[1280, 720], [390, 844]]) {
    const p = await app.open(`?scene=${SCENE}&t=12`, { viewport: { width: w, height: h } });
    try {
      await waitForApp(p.page);
      const overflow = await p.page.evaluate(() => {
        const out = [];
        for (const node of document.querySelectorAll('[data-testid^=node-]:not([data-testid$=-badge])')) {
          const box = node.querySelector('.node-box').getBBox();
          for (const t of node.querySelectorAll('text.node-label, text.node-line, text.badge-text')) {
            const b = t.getBBox();
            if (b.x < box.x || b.x + b.width > box.x + box.width - 6) out.push(`${t.textContent} (${b.x + b.width - box.x - box.width})`);
          }
        }
        // Different columns never overlap (app servers of one column are drawn as a stack on purpose).
        const rect = (n) => document.querySelector(`[data-testid=node-${n}] .node-box`).getBBox();
        const names = ['clients', 'app1', 'cache', 'database'];
        for (let i = 0; i + 1 < names.length; i++) {
          const [a, b] = [rect(names[i]), rect(names[i + 1])];
          const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
          if (!apart) out.push(`${names[i]} overlaps ${names[i + 1]}`);
        }
        return out;
      });
      assert.deepEqual(overflow, [], `node text inside its box at ${w}px`);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
  }
});

test('servers raised mid-run appear on the stage with their messages', async () => {
  const p = await app.open(`?scene=${SCENE}`, { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    await playUntil(p.page, 2);
    for (const n of [1, 2, 3, 4]) assert.equal(await p.page.getByTestId(`node-app${n}`).count(), 1, `app${n} drawn`);
    assert.equal(await p.page.getByTestId('node-app6').count(), 0, 'four servers at first');
    await p.page.locator('details.more-params > summary').click();
    const field = p.page.getByTestId('param-servers-field');
    await field.fill('6');
    await field.press('Enter');
    await p.page.getByTestId('node-app6').waitFor({ state: 'visible', timeout: 5_000 });
    assert.equal(await p.page.getByTestId('node-app5').count(), 1, 'app5 drawn too');
    // The load balancer now sends requests to the new servers: their messages are drawn on their lanes.
    await p.page.getByTestId('play').click();
    await p.page.waitForFunction(
      () => /(^|,)app[56]:\d+/.test(document.querySelector('canvas.messages')?.dataset.traffic ?? ''),
      null,
      { timeout: 10_000, polling: 50 },
    );
    await p.page.getByTestId('play').click();
    await p.page.waitForTimeout(600); // the URL is written ~300 ms after the last change
    assert.match(p.page.url(), /set:servers=6/, 'the change is in the script');
    await p.screenshot('cache-stampede-six-servers-1280x720');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
