// End-to-end test of the circuit-breaker scene in headless Chromium, on the release build served under a
// sub-path: home → scene → play → inject a fault → the breaker opens (state machine, narration, charts)
// → the URL reproduces the same run at the same moment; malformed links degrade to a notice; embeds show
// only the stage. Screenshots land in test-results/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp } from './helpers.mjs';

const app = useApp();
const SCENE = 'circuit-breaker';

/** Values of every parameter control, by name (numeric fields and selects). */
async function paramValues(page) {
  return page.evaluate(() => {
    const out = {};
    for (const el of document.querySelectorAll('[data-testid^="param-"]')) {
      const id = el.getAttribute('data-testid');
      if (id.endsWith('-field')) out[id.slice(6, -6)] = el.value;
      else if (el.tagName === 'SELECT') out[id.slice(6)] = el.value;
    }
    return out;
  });
}

const text = (page, id) => page.getByTestId(id).textContent();

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
}

test('breaker opens under a fault and a shared link reproduces the run', async () => {
  const home = await app.open('', { viewport: { width: 1280, height: 720 } });
  try {
    const card = home.page.getByTestId(`scene-card-${SCENE}`);
    await card.waitFor({ timeout: 20_000 });
    await home.screenshot('home-1280x720');
    await card.getByRole('link', { name: 'Circuit breaker', exact: true }).click();
    await waitForApp(home.page);
    assert.match(home.page.url(), /\?scene=circuit-breaker/);
    assert.equal(await text(home.page, 'machine-state'), 'CLOSED');

    const pathBefore = await home.page.locator('[data-testid=chart-outcomes] path.series').first().getAttribute('d');
    await home.page.getByTestId('speed').selectOption('5');
    await home.page.getByTestId('play').click();
    assert.equal(await home.page.getByTestId('play').getAttribute('aria-pressed'), 'true');
    await home.page.waitForTimeout(300);
    // Raise the dependency's error rate mid-run through the numeric field.
    const field = home.page.getByTestId('param-failure_rate-field');
    await field.fill('1');
    await field.press('Enter');
    await home.page.waitForFunction(
      () => document.querySelector('[data-testid=machine-state]')?.textContent.trim() === 'OPEN',
      null,
      { timeout: 20_000, polling: 100 },
    );
    await home.page.getByTestId('play').click();
    assert.equal(await home.page.getByTestId('play').getAttribute('aria-pressed'), 'false');
    assert.match(await text(home.page, 'narration'), /breaker OPEN/);
    assert.equal(await field.inputValue(), '1.00');
    // Charts redraw at most 5×/s: give them a beat.
    await home.page.waitForTimeout(400);
    const pathAfter = await home.page.locator('[data-testid=chart-outcomes] path.series').first().getAttribute('d');
    assert.notEqual(pathAfter, pathBefore, 'the outcomes chart changed');
    assert.match(await text(home.page, 'node-dependency-badge'), /UP|DOWN/);
    assert.match(await text(home.page, 'counter-calls_while_open'), /: 0$/);
    await home.page.waitForTimeout(600); // the URL is written ~300 ms after the last change
    await home.screenshot('breaker-open-1280x720');

    const url = home.page.url();
    const hash = await text(home.page, 'trace-hash');
    const time = await text(home.page, 'time');
    const events = await text(home.page, 'events');
    const params = await paramValues(home.page);
    assert.match(hash, /^[0-9a-f]{16}$/);
    assert.match(url, /[?&]t=\d/);
    assert.match(url, /set:failure_rate=1/);

    const again = await app.open(url.slice(app.url().length), { viewport: { width: 1280, height: 720 } });
    try {
      await waitForApp(again.page);
      assert.equal(await text(again.page, 'time'), time, 'same time readout');
      assert.equal(await text(again.page, 'trace-hash'), hash, `same trace hash (reproduce with ${url})`);
      assert.equal(await text(again.page, 'events'), events, 'same number of events');
      assert.deepEqual(await paramValues(again.page), params, 'same parameter values');
      assert.equal(await text(again.page, 'machine-state'), 'OPEN');
      assert.equal(await again.page.getByTestId('play').getAttribute('aria-pressed'), 'false');
      again.assertNoErrors();
    } finally {
      await again.close();
    }
    home.assertNoErrors();
  } finally {
    await home.close();
  }
});

test('a malformed link shows a notice and the scene still works', async () => {
  const p = await app.open(`?scene=${SCENE}&p=failure_rate:abc,bogus:1&seed=xyz&t=-5&f=garbage`);
  try {
    await waitForApp(p.page);
    const notice = p.page.getByTestId('notice');
    await notice.waitFor({ state: 'visible' });
    const n = await notice.textContent();
    for (const word of ['failure_rate', 'bogus', 'xyz', 'garbage']) assert.ok(n.includes(word), `notice mentions ${word}: ${n}`);
    assert.equal(await p.page.getByTestId('param-failure_rate-field').inputValue(), '0.02');
    assert.equal(await text(p.page, 'time'), 't = 0.00 s');
    await p.page.getByTestId('play').click();
    await p.page.waitForFunction(() => document.querySelector('[data-testid=time]').textContent !== 't = 0.00 s');
    await p.page.getByTestId('notice-dismiss').click();
    await notice.waitFor({ state: 'detached' });
    // A typed value out of range is clamped, and the notice says so.
    const field = p.page.getByTestId('param-failure_rate-field');
    await field.fill('5');
    await field.press('Enter');
    await notice.waitFor({ state: 'visible' });
    assert.match(await notice.textContent(), /out of range/);
    assert.equal(await field.inputValue(), '1.00');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('an embed shows the stage, transport, key chart, latest line and presets; show= chooses', async () => {
  const p = await app.open(`?scene=${SCENE}&embed=1`, { viewport: { width: 800, height: 500 } });
  try {
    await p.page.getByTestId('embed-root').waitFor();
    await waitForApp(p.page);
    assert.equal(await p.page.locator('header').count(), 0, 'no header');
    assert.equal(await p.page.getByTestId('explain').count(), 0, 'no explain panel');
    assert.ok(await p.page.getByTestId('play').isVisible());
    assert.ok(await p.page.getByTestId('chart-outcomes').isVisible(), 'the key chart');
    assert.ok(await p.page.getByTestId('latest-line').isVisible(), 'the latest narration line');
    assert.ok(await p.page.getByTestId('preset-dependency-down').isVisible(), 'preset chips');
    assert.equal(await p.page.getByTestId('param-failure_rate').count(), 0, 'no sliders unless asked');
    await p.screenshot('embed-800x500');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
  const q = await app.open(`?scene=${SCENE}&embed=1&show=params`, { viewport: { width: 800, height: 500 } });
  try {
    await waitForApp(q.page);
    assert.ok(await q.page.getByTestId('param-failure_rate').isVisible(), 'sliders when show=params');
    assert.equal(await q.page.getByTestId('chart-outcomes').count(), 0, 'and nothing else asked');
    q.assertNoErrors();
  } finally {
    await q.close();
  }
});

test('the scene fits a phone and a projector', async () => {
  for (const [w, h] of [[1280, 720], [390, 844]]) {
    const p = await app.open(`?scene=${SCENE}`, { viewport: { width: w, height: h } });
    try {
      await waitForApp(p.page);
      const box = await p.page.getByTestId('stage').boundingBox();
      assert.ok(box.width > 0 && box.y + box.height <= h, `stage visible without scrolling at ${w}×${h}`);
      const play = await p.page.getByTestId('play').boundingBox();
      assert.ok(play.y + play.height <= h, `transport visible without scrolling at ${w}×${h}`);
      const [sw, cw] = await p.page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
      assert.ok(sw <= cw, `no horizontal scrolling at ${w}px (${sw} > ${cw})`);
      await p.page.getByTestId('node-dependency').click(); // take it down by clicking
      assert.match(await text(p.page, 'node-dependency-badge'), /DOWN/);
      const link = p.page.getByTestId('link-caller-dependency');
      await link.click(); // cut it
      assert.match(await link.getAttribute('class'), /\bcut\b/);
      assert.match(p.page.url() + (await text(p.page, 'narration')), /cut/);
      await p.screenshot(`circuit-breaker-${w}x${h}`);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
  }
});
