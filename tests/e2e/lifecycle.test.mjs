// Page lifecycle end to end: an embed stops animating when scrolled out of view and resumes when back; a
// panic shows the error panel, whose "Reset scene" brings the scene back; the warm-up after the first paint
// plays a scratch copy and leaves the reader's run as it was, autoplay waits for it, a press of play ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openPage } from './helpers.mjs';

/** Drags the scrubber to `seconds` the way a reader's drag does: set the range input, fire `input`. */
const scrub = (page, seconds) =>
  page.getByTestId('scrubber').evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, seconds);

const app = useApp();

const seconds = (text) => Number((text.match(/([\d.]+)\s*s/) ?? [])[1]);

test('an embed pauses while scrolled off-screen and resumes when back', async () => {
  const p = await openPage(app.browser, null, { viewport: { width: 900, height: 600 } });
  try {
    const src = app.url('?scene=circuit-breaker&embed=1');
    await p.page.setContent(
      `<p style="height:40px">A blog post.</p><iframe id="f" src="${src}" width="800" height="460"></iframe><div style="height:4000px"></div>`,
    );
    const frame = p.page.frameLocator('#f');
    await frame.getByTestId('stage').waitFor();
    await frame.getByTestId('play').click();
    const time = () => frame.getByTestId('time').innerText().then(seconds);
    await p.page.waitForTimeout(800);
    const playing = await time();
    assert.ok(playing > 0, `embed plays (t=${playing})`);

    await p.page.evaluate(() => window.scrollTo(0, 3000));
    await p.page.waitForTimeout(400); // the observer reports, the driver stops
    const hidden1 = await time();
    await p.page.waitForTimeout(1200);
    const hidden2 = await time();
    assert.equal(hidden2, hidden1, `no animation off-screen (t went ${hidden1} → ${hidden2})`);

    await p.page.evaluate(() => window.scrollTo(0, 0));
    await p.page.waitForTimeout(1000);
    const back = await time();
    assert.ok(back > hidden2, `animation resumes on-screen (t went ${hidden2} → ${back})`);
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

/** The page's finished warm-ups (`session/warm.rs`), waited for. */
const warmups = async (page) => {
  await page.waitForFunction(() => (window.__faultlineWarm ?? []).length > 0, null, { timeout: 10_000 });
  return page.evaluate(() => window.__faultlineWarm);
};

test('the warm-up plays a scratch copy: the reader\'s run is the same as without it', async () => {
  // A: the warm-up runs to its end. B: play is pressed as soon as the button exists, before the stage is
  // painted, so the warm-up (which starts after the paint) sees it and ends at once. Seeking both to the
  // same moment must give the same trace digest.
  const a = await app.open('?scene=cap');
  const b = await openPage(app.browser, null);
  try {
    await a.page.getByTestId('stage').waitFor();
    const [wa] = await warmups(a.page);
    assert.ok(wa.steps > 10, `the scratch run stepped (${wa.steps} steps)`);
    assert.equal(wa.interrupted, 0, 'nothing interrupted it');
    // Its budget is 250 ms of wall time in slices of at most 9 ms a frame; the last may end a step past it.
    assert.ok(wa.ms <= 300, `it kept to its budget (${wa.ms.toFixed(0)} ms)`);
    assert.equal(seconds(await a.page.getByTestId('time').innerText()), 0, 'the reader\'s clock did not move');

    await b.page.addInitScript(() => {
      const o = new MutationObserver(() => {
        const btn = document.querySelector('[data-testid=play]');
        if (btn) {
          o.disconnect();
          btn.click();
        }
      });
      document.addEventListener('DOMContentLoaded', () => o.observe(document.body, { childList: true, subtree: true }));
    });
    await b.page.goto(app.url('?scene=cap'));
    const [wb] = await warmups(b.page);
    assert.equal(wb.interrupted, 1, `play ended the warm-up (${wb.steps} steps, ${wb.ms.toFixed(0)} ms)`);
    await b.page.waitForFunction(() => (window.__faultlinePlayback ?? []).length > 10, null, { timeout: 10_000 });
    await b.page.getByTestId('play').click(); // pause

    const digestAt = async (page, s) => {
      await scrub(page, s);
      await page.waitForFunction((s) => document.querySelector('[data-testid=time]').innerText.startsWith(`t = ${s}`), s.toFixed(2));
      return page.getByTestId('trace-hash').innerText();
    };
    assert.equal(await digestAt(a.page, 2), await digestAt(b.page, 2), 'same trace digest at 2 s, warmed or not');
    a.assertNoErrors();
    b.assertNoErrors();
  } finally {
    await a.close();
    await b.close();
  }
});

test('an autoplaying embed starts playing when its warm-up ends', async () => {
  const p = await app.open('?scene=circuit-breaker&embed=1&autoplay=1');
  try {
    const [w] = await warmups(p.page);
    assert.equal(w.interrupted, 0, 'autoplay lets the warm-up finish');
    await p.page.waitForFunction(() => (window.__faultlinePlayback ?? []).length > 10, null, { timeout: 10_000 });
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('a panic shows the error panel and "Reset scene" recovers', async () => {
  const p = await app.open('?scene=circuit-breaker&panic_test=1');
  try {
    const panel = p.page.getByTestId('error-panel');
    await panel.waitFor({ timeout: 10_000 });
    assert.match(await panel.innerText(), /Something broke in this scene/);
    assert.match(await panel.innerText(), /deliberate panic/);
    await p.screenshot('error-panel');
    // The panic is reported on the console by design; nothing else may be.
    assert.deepEqual(p.pageErrors.filter((e) => !/unreachable|panic/i.test(e)), []);
    await p.page.getByTestId('error-reset').click();
    await p.page.waitForURL(/\?scene=circuit-breaker$/);
    await p.page.getByTestId('stage').waitFor();
    assert.equal(await p.page.getByTestId('error-panel').count(), 0);
  } finally {
    await p.close();
  }
});

test('the scrubber rewinds to an earlier moment exactly, and play goes on from there', async () => {
  const p = await app.open('?scene=circuit-breaker'); // default preset: dependency down at 3 s, back at 15 s
  const state = () => p.page.getByTestId('machine-state').textContent();
  const hash = () => p.page.getByTestId('trace-hash').textContent();
  const scrubTo = (s) => scrub(p.page, s);
  try {
    await p.page.getByTestId('stage').waitFor();
    await p.page.getByTestId('speed').selectOption('5');
    await p.page.getByTestId('play').click();
    await p.page.waitForFunction(() => document.querySelector('[data-testid=machine-state]')?.textContent.trim() === 'OPEN', null, { timeout: 20_000 });
    await p.page.getByTestId('play').click(); // pause
    await scrubTo(2.5);
    assert.equal(await p.page.getByTestId('time').textContent(), 't = 2.50 s');
    assert.equal((await state()).trim(), 'CLOSED', 'before the fault the breaker was closed');
    assert.match(await p.page.getByTestId('node-dependency-badge').textContent(), /UP/);
    const rewound = await hash();

    // The same moment opened fresh from a link has the same trace hash.
    const fresh = await app.open('?scene=circuit-breaker&t=2.5');
    await fresh.page.getByTestId('stage').waitFor();
    assert.equal(await fresh.page.getByTestId('trace-hash').textContent(), rewound, 'rewind = fresh run to the same moment');
    fresh.assertNoErrors();
    await fresh.close();

    // Play on from there: the fault at 3 s happens again.
    await p.page.getByTestId('play').click();
    await p.page.waitForFunction(() => document.querySelector('[data-testid=node-dependency-badge]')?.textContent.includes('DOWN'), null, { timeout: 10_000 });
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('resizing across the phone breakpoint re-lays the stage out and keeps the run', async () => {
  const p = await app.open('?scene=circuit-breaker', { viewport: { width: 1280, height: 720 } });
  const { page } = p;
  const vertical = () => page.locator('.stage-wrap').evaluate((el) => el.classList.contains('vertical'));
  try {
    await page.getByTestId('stage').waitFor();
    await page.getByTestId('play').click();
    await page.waitForTimeout(600);
    await page.getByTestId('play').click();
    const hash = await page.getByTestId('trace-hash').textContent();
    const time = await page.getByTestId('time').textContent();
    assert.equal(await vertical(), false, 'a row at 1280 px');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForFunction(() => document.querySelector('.stage-wrap')?.classList.contains('vertical'));
    assert.equal(await page.getByTestId('trace-hash').textContent(), hash, 'the run is untouched');
    assert.equal(await page.getByTestId('time').textContent(), time);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling after the resize (${overflow} px)`);
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.waitForFunction(() => !document.querySelector('.stage-wrap')?.classList.contains('vertical'));
    // Still interactive after two re-layouts: play moves time, and clicking the dependency takes it down.
    await page.getByTestId('node-dependency').click();
    await page.waitForFunction(() => document.querySelector('[data-testid=node-dependency-badge]')?.textContent.includes('DOWN'));
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('a link to the far end of a busy run fast-forwards without freezing the page', async () => {
  // 5,000 req/s for 300 s is ~10 million events: seconds of simulation, done a frame's budget at a time.
  const p = await app.open('?scene=circuit-breaker&p=request_rate:5000,pool_size:1000&f=&t=300');
  const { page } = p;
  try {
    await page.getByTestId('stage').waitFor({ timeout: 5_000 });
    await page.getByTestId('fast-forward').waitFor({ state: 'visible', timeout: 5_000 });
    // The main thread keeps answering while it works.
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
      assert.ok(Date.now() - t0 < 500, `page answered in ${Date.now() - t0} ms during fast-forward`);
      await page.waitForTimeout(200);
    }
    await page.getByTestId('fast-forward').waitFor({ state: 'detached', timeout: 60_000 });
    assert.equal(await page.getByTestId('time').textContent(), 't = 300.00 s');

    // Inside the explored run, scrubbing back and forth jumps through snapshots: no fast-forward needed.
    const scrubTo = (v) => scrub(page, v);
    await scrubTo(5);
    assert.equal(await page.getByTestId('time').textContent(), 't = 5.00 s');
    const t0 = Date.now();
    await scrubTo(299);
    assert.equal(await page.getByTestId('time').textContent(), 't = 299.00 s');
    assert.ok(Date.now() - t0 < 1000, `scrubbing forward took ${Date.now() - t0} ms`);
    assert.equal(await page.getByTestId('fast-forward').count(), 0);

    // Turning a comparison on there builds run B over the same 300 s: bounded per frame as well.
    await page.getByTestId('compare').selectOption({ index: 1 });
    for (let i = 0; i < 3; i++) {
      const t0 = Date.now();
      await page.evaluate(() => new Promise((r) => setTimeout(r, 0)));
      assert.ok(Date.now() - t0 < 500, `page answered in ${Date.now() - t0} ms while B catches up`);
      await page.waitForTimeout(200);
    }
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="series-b-rate_succeeded"]')?.getAttribute('data-max')) > 0,
      null,
      { timeout: 60_000 },
    );
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
