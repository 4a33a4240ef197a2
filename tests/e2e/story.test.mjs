// End-to-end tests of "the stage tells the story", in headless Chromium on the release build, through data
// hooks rather than pixels: the stampede's herd piles up as tokens in the database, the breaker's gate
// reads open while the dependency is down, Space plays after a mouse click on a preset and in an embed,
// "next notable" lands on the next narrated moment, the narration keeps its height while playing, stage
// text in a 720×520 embed renders at 12 CSS px or more, and axe-core finds no serious or critical
// accessibility violation on the pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, useApp } from './helpers.mjs';

const app = useApp();

const text = (page, id) => page.getByTestId(id).textContent();
const now = async (page) => Number((await text(page, 'time')).match(/t = ([\d.]+) s/)[1]);
const playing = async (page) => (await page.getByTestId('play').getAttribute('aria-pressed')) === 'true';

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
}

test('at the textbook stampede\'s first expiry the database holds the herd as tokens', async () => {
  const p = await app.open('?scene=cache-stampede', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    // The first expiry's narration says when the key expired; the herd is in the database just after.
    await p.page.getByTestId('next-notable').click();
    const line = await text(p.page, 'narration');
    const at = Number(line.match(/key #1 expired at ([\d.]+) s: (\d+) recomputes started/)[1]);
    const p2 = await app.open(`?scene=cache-stampede&t=${(at + 0.09).toFixed(3)}`, { viewport: { width: 1280, height: 720 } });
    try {
      await waitForApp(p2.page);
      const pile = p2.page.locator('[data-testid=node-database] .pile');
      const tokens = Number(await pile.getAttribute('data-tokens'));
      // Tokens are drawn as one path per tone: each token is one subpath (one `M`) of a `.token` path.
      const drawn = await p2.page.$$eval('[data-testid=node-database] .token', (els) =>
        els.reduce((n, el) => n + (el.getAttribute('d').match(/M/g) ?? []).length, 0));
      assert.ok(tokens >= 15, `${tokens} queries running in the database at ${at + 0.09} s`);
      assert.equal(drawn, tokens, 'one token drawn per query');
      assert.equal(Number(await pile.getAttribute('data-drawn')), tokens, 'the pile says so too');
      assert.equal(await pile.getAttribute('data-capacity'), '50');
      await p2.screenshot('story-stampede-herd-1280x720');
      p2.assertNoErrors();
    } finally {
      await p2.close();
    }
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('the breaker is a gate on the link: open while the dependency is down, closed again after', async () => {
  const p = await app.open('?scene=circuit-breaker&t=6', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    const gate = p.page.getByTestId('gate-caller-dependency');
    assert.equal(await gate.getAttribute('data-state'), 'open');
    assert.match(await gate.textContent(), /breaker\s*OPEN/);
    assert.match(await text(p.page, 'node-dependency-badge'), /DOWN/);
    const q = await app.open('?scene=circuit-breaker&t=20', { viewport: { width: 1280, height: 720 } });
    try {
      await waitForApp(q.page);
      assert.equal(await q.page.getByTestId('gate-caller-dependency').getAttribute('data-state'), 'closed');
      q.assertNoErrors();
    } finally {
      await q.close();
    }
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('Space plays after a mouse click on a preset and after closing the keys dialog', async () => {
  const p = await app.open('?scene=circuit-breaker', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    await p.page.getByTestId('preset-healthy').click();
    assert.equal(await p.page.getByTestId('preset-healthy').getAttribute('aria-pressed'), 'true', 'active preset marked');
    assert.equal(await p.page.getByTestId('preset-dependency-down').getAttribute('aria-pressed'), 'false');
    await p.page.keyboard.press('Space');
    assert.ok(await playing(p.page), 'Space plays after clicking a preset');
    await p.page.waitForTimeout(300);
    assert.ok((await now(p.page)) > 0, 'and the preset was not reloaded (time runs)');
    await p.page.keyboard.press('Space');
    assert.ok(!(await playing(p.page)), 'Space pauses');
    // The keys dialog: open with the mouse, close with Esc; Space then plays, the dialog stays shut.
    await p.page.getByTestId('keys-button').click();
    await p.page.getByTestId('shortcuts').waitFor();
    await p.page.keyboard.press('Escape');
    await p.page.getByTestId('shortcuts').waitFor({ state: 'detached' });
    await p.page.keyboard.press('Space');
    assert.ok(await playing(p.page), 'Space plays after the dialog closed');
    assert.equal(await p.page.getByTestId('shortcuts').count(), 0, 'the dialog did not reopen');
    // A control reached with Tab keeps Space for itself.
    await p.page.keyboard.press('Space');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('Space plays in an embed once the frame has focus', async () => {
  const p = await app.open('?scene=circuit-breaker&embed=1', { viewport: { width: 720, height: 520 } });
  try {
    await waitForApp(p.page);
    await p.page.locator('.latest-line').click(); // the reader clicks into the frame
    await p.page.keyboard.press('Space');
    assert.ok(await playing(p.page), 'Space plays in the embed');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('"next notable" lands on the next narrated moment, and those moments are ticks on the scrubber', async () => {
  const p = await app.open('?scene=circuit-breaker', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    await p.page.getByTestId('next-notable').click();
    assert.equal(await now(p.page), 3, 'the dependency goes down at 3 s');
    const first = p.page.locator('[data-testid=narration] > li').first();
    assert.match(await first.textContent(), /t=3\.00 s dependency DOWN/);
    await p.page.keyboard.press('ArrowRight');
    const t = await now(p.page);
    assert.ok(t > 3 && t < 4.5, `the breaker opens next (${t} s)`);
    assert.match(await first.textContent(), new RegExp(`t=${t.toFixed(2)} s breaker OPEN`));
    assert.ok((await p.page.getByTestId('tick').count()) >= 2, 'ticks for the moments seen');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('the narration keeps its height while playing a busy run', async () => {
  const p = await app.open('?scene=cache-stampede&preset=ttl-jitter-1000-keys', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    const box = p.page.locator('.narration-box');
    const heights = [(await box.boundingBox()).height];
    const chartTop = [(await p.page.getByTestId('chart-hit_ratio').boundingBox()).y];
    await p.page.getByTestId('speed').selectOption('5');
    await p.page.getByTestId('play').click();
    for (let i = 0; i < 8; i++) {
      await p.page.waitForTimeout(250);
      heights.push((await box.boundingBox()).height);
      chartTop.push((await p.page.getByTestId('chart-hit_ratio').boundingBox()).y);
    }
    await p.page.getByTestId('play').click();
    assert.ok((await p.page.locator('[data-testid=narration] > li').count()) > 0, 'it narrated');
    assert.equal(new Set(heights).size, 1, `constant height: ${heights}`);
    assert.equal(new Set(chartTop).size, 1, `nothing below it moves: ${chartTop}`);
    const burst = p.page.locator('.log-burst').first();
    assert.ok((await p.page.locator('.log-burst').count()) > 0, 'the flush\'s burst of expiries is one line');
    // Its entries are built when it is opened (a closed burst of a busy run would add one every frame).
    const n = Number(await burst.getAttribute('data-burst'));
    assert.equal(await burst.locator('.burst-lines > li:not([hidden])').count(), 0, 'closed: no entries built');
    await burst.locator('summary').click();
    await p.page.waitForFunction((el) => el.querySelectorAll('.burst-lines > li:not([hidden])').length > 0, await burst.elementHandle());
    const shown = await burst.locator('.burst-lines > li:not([hidden])').count();
    assert.equal(shown, Math.min(n, 100) + (n > 100 ? 1 : 0), `open: its ${n} entries (the first 100, then "… and N more")`);
    if (n > 100) assert.match(await burst.locator('.burst-lines > li.muted').textContent(), new RegExp(`… and ${n - 100} more`));
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('a page paused mid-play shows its moment whole: the same stage, counters, narration and history as its link', async () => {
  // While playing, frames refresh the page's parts by turns; pausing publishes the moment whole.
  const p = await app.open('?scene=cap&p=clients:10,op_rate:200', { viewport: { width: 1280, height: 800 } });
  const fresh = await app.open('');
  try {
    await waitForApp(p.page);
    await p.page.getByTestId('play').click();
    await p.page.waitForTimeout(1_500);
    await p.page.getByTestId('play').click();
    await p.page.waitForFunction(() => /[?&]t=/.test(location.search), null, { timeout: 5_000 });
    await p.page.waitForTimeout(800); // the address bar is written after a short quiet spell
    const shown = (page) =>
      page.evaluate(() => ['stage', 'counters', 'narration', 'history-counts', 'time']
        .map((id) => document.querySelector(`[data-testid=${id}]`)?.textContent ?? `(no ${id})`));
    const paused = await shown(p.page);
    await fresh.page.goto(p.page.url());
    await waitForApp(fresh.page);
    await fresh.page.waitForFunction(() => !document.querySelector('[data-testid=fast-forward]'), null, { timeout: 15_000 });
    assert.deepEqual(await shown(fresh.page), paused, `a fresh load of ${p.page.url()} shows the paused page`);
    p.assertNoErrors();
    fresh.assertNoErrors();
  } finally {
    await p.close();
    await fresh.close();
  }
});

test('stage text in a 720×520 embed renders at 12 CSS px or more', async () => {
  for (const scene of ['circuit-breaker', 'cache-stampede']) {
    const p = await app.open(`?scene=${scene}&embed=1&t=5`, { viewport: { width: 720, height: 520 } });
    try {
      await waitForApp(p.page);
      const small = await p.page.evaluate(() =>
        [...document.querySelectorAll('svg.stage text')]
          .filter((t) => t.textContent.trim() && t.getBoundingClientRect().width > 0)
          .map((t) => [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize), t.getBoundingClientRect().height])
          // Rendered glyph box: at least the height of 12 px text.
          .filter(([, size, h]) => size < 12 || h < 12),
      );
      assert.deepEqual(small, [], `${scene}: text under 12 px`);
      const [sw, cw] = await p.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(sw <= cw, `${scene}: no horizontal scrolling in the embed`);
      await p.screenshot(`embed-${scene}-720x520`);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
  }
});

test('axe-core finds no serious or critical violation on home, scene, embed and phone pages', async () => {
  for (const [query, w, h] of [
    ['', 1280, 720],
    ['?scene=circuit-breaker&t=6', 1280, 720],
    ['?scene=cache-stampede&t=5', 1280, 720],
    ['?scene=cache-stampede&embed=1&t=5', 720, 520],
    ['?scene=circuit-breaker&t=6', 390, 844],
  ]) {
    const p = await app.open(query, { viewport: { width: w, height: h } });
    try {
      if (query) await waitForApp(p.page);
      else await p.page.getByTestId('scene-card-circuit-breaker').waitFor();
      assert.deepEqual(await axeViolations(p.page), [], `axe on ${query || 'home'} at ${w}×${h}`);
    } finally {
      await p.close();
    }
  }
});
