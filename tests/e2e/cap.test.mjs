// End-to-end test of the CAP scene (issue 11) in headless Chromium, on the release build: the sites are
// partitioned by clicking a site on the stage; under cp the minority's operations fail or time out while the
// majority's succeed, and the checker finds the history linearizable; under ap every side answers but the
// minority's reads go stale and the checker says not linearizable, with a jump to the violation's moment.
// The history bars carry data-result and data-lane (the lane's label, "c2 · site b"). Axe finds no serious
// violation on the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, useApp } from './helpers.mjs';

const app = useApp();
// The stage is left out of axe here: some nodes' accessible names put the badge word between texts drawn
// next to each other (label-content-name-mismatch) — a stage issue, reported apart from this test.
const AXE = {};
const VIEW = { viewport: { width: 1280, height: 720 } };

async function nowUs(page) {
  const t = await page.getByTestId('time').textContent();
  return Math.round(parseFloat(t.replace(/[^\d.]/g, '')) * 1e6);
}

async function playUntil(page, us) {
  await page.getByTestId('speed').selectOption('5');
  await page.getByTestId('play').click();
  await page.waitForFunction(
    (us) => parseFloat((document.querySelector('[data-testid=time]')?.textContent ?? '').replace(/[^\d.]/g, '')) * 1e6 >= us,
    us,
    { timeout: 15_000, polling: 50 },
  );
  await page.getByTestId('play').click();
}

/** Opens the scene in `mode`, partitions the sites by a click at t = 1 s and plays 4 s on; returns the bars. */
async function partitioned(mode) {
  const p = await app.open(`?scene=cap&p=mode:${mode}&t=1`, VIEW);
  const { page } = p;
  await page.getByTestId('stage').waitFor({ timeout: 20_000 });
  await page.getByTestId('history-panel').waitFor();
  const site = page.getByTestId('node-site_b');
  assert.match(await site.getAttribute('aria-label'), /Partition the sites/);
  await site.click();
  await page.waitForFunction(() => /Heal the partition/.test(document.querySelector('[data-testid=node-site_b]')?.getAttribute('aria-label')));
  const cut = await nowUs(page);
  await playUntil(page, cut + 4_000_000);
  await page.locator('[data-testid=history-panel] .hist-band').first().waitFor();
  const bars = await page.$$eval('[data-testid=history-panel] .hist-op', (els) =>
    els.map((e) => ({ result: e.dataset.result, lane: e.dataset.lane, invoke: Number(e.dataset.invoke) })),
  );
  // Operations invoked once the cut had taken hold (a little after the click).
  const after = bars.filter((b) => b.invoke >= cut + 100_000);
  const side = (s) => after.filter((b) => b.lane.endsWith(`site ${s}`)).map((b) => b.result);
  return { p, page, a: side('a'), b: side('b') };
}

test('under cp the minority fails or times out while the majority answers; the history stays linearizable', async () => {
  const { p, page, a, b } = await partitioned('cp');
  try {
    assert.ok(a.length > 5 && b.length > 0, `operations on both sides: a=${a} b=${b}`);
    assert.deepEqual([...new Set(a)].filter((r) => r !== 'ok' && r !== 'pending'), [], `site a answers: ${a}`);
    assert.deepEqual([...new Set(b)].filter((r) => !['fail', 'unknown', 'pending'].includes(r)), [], `site b refuses: ${b}`);
    assert.ok(b.some((r) => r === 'fail' || r === 'unknown'), `site b's bars fail: ${b}`);
    const verdict = page.getByTestId('history-verdict');
    assert.match(await verdict.textContent(), /^✓ linearizable/);
    assert.equal(await page.getByTestId('history-goto-violation').isVisible(), false, 'no violation to go to');
    assert.ok(Number(await page.getByTestId('history-counts').getAttribute('data-fail')) > 0);
    // Paused, the plot ends at `now`: the time the axis gives the now line is the transport's.
    const atNowLine = await page.evaluate(() => {
      const ticks = [...document.querySelectorAll('[data-testid=history-panel] .hist-tick-label')].map((t) => {
        const r = t.getBoundingClientRect();
        return { s: parseFloat(t.textContent), x: r.x + r.width / 2 };
      });
      const [a, b] = ticks.slice(-2);
      const now = document.querySelector('[data-testid=history-panel] .hist-now').getBoundingClientRect().x;
      return b.s + ((now - b.x) * (b.s - a.s)) / (b.x - a.x);
    });
    const shown = (await nowUs(page)) / 1e6;
    assert.ok(Math.abs(atNowLine - shown) < 0.1, `the now line is at ${atNowLine} s, the transport at ${shown} s`);
    assert.deepEqual(await axeViolations(page, AXE), [], 'axe on the cap page');
    await p.screenshot('cap-cp-partitioned-1280x720');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('under ap both sides answer, the minority reads stale values, and the checker says not linearizable', async () => {
  const { p, page, a, b } = await partitioned('ap');
  try {
    assert.ok(a.length > 5 && b.length > 5, `operations on both sides: a=${a} b=${b}`);
    for (const [s, rs] of [['a', a], ['b', b]]) {
      assert.deepEqual([...new Set(rs)].filter((r) => !['ok', 'stale', 'pending'].includes(r)), [], `site ${s} answers: ${rs}`);
    }
    assert.ok(b.includes('stale'), `site b's reads go stale: ${b}`);
    assert.match(await page.getByTestId('history-verdict').textContent(), /NOT linearizable/);
    // The jump link moves the time cursor to the violation's moment.
    const go = page.getByTestId('history-goto-violation');
    const label = await go.textContent();
    const at = label.match(/t = ([\d.]+) s/)[1];
    await go.click();
    await page.waitForFunction((at) => document.querySelector('[data-testid=time]').textContent === `t = ${at} s`, at, { timeout: 5_000 });
    await page.locator('[data-testid=history-panel] .hist-op.violation').first().waitFor();
    assert.deepEqual(await axeViolations(page, AXE), [], 'axe on the cap page');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('the History plot redrawn lane by lane while playing equals the plot drawn whole', async () => {
  // Crowded (the frame bench's load) and a partitioned ap run: while playing, lanes take turns to be redrawn
  // and keep their unchanged bars; paused, the plot must read exactly as a whole redraw of the same moment.
  for (const q of ['?scene=cap&bench_frames=1', '?scene=cap&preset=ap-both-answer']) {
    const p = await app.open(q, VIEW);
    const { page } = p;
    try {
      await page.getByTestId('history-panel').waitFor({ timeout: 20_000 });
      const plot = () => page.evaluate(() => document.querySelector('[data-testid=history-panel] .hist-measure > div').innerHTML);
      if (!q.includes('bench')) await page.getByTestId('play').click();
      await page.waitForFunction(() => parseFloat(document.querySelector('[data-testid=time]').textContent.replace(/[^\d.]/g, '')) > 2, null, { timeout: 15_000 });
      await page.getByTestId('play').click(); // pause
      await page.waitForFunction(() => document.querySelector('[data-testid=play]').getAttribute('aria-pressed') !== 'true');
      await page.waitForTimeout(300);
      const drawn = await plot();
      const sel = page.getByTestId('history-window');
      await sel.selectOption('5');
      await page.waitForTimeout(200);
      await sel.selectOption('10');
      await page.waitForTimeout(300);
      const whole = await plot();
      const bars = (whole.match(/class="hist-op/g) ?? []).length;
      assert.ok(bars > 5, `${q}: ${bars} bars`);
      assert.equal(drawn, whole, `${q}: the plot kept up frame by frame equals the plot drawn whole`);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
  }
});
