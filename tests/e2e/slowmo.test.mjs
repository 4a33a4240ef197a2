// End-to-end tests of slow motion at notable moments ("director" playback), read from the pacing the driver
// records per frame (`window.__faultlinePlayback`: {t, rate, speed}) rather than from wall-clock timing:
// playback eases down before the textbook stampede's second expiry (found by the lookahead), holds at 0.1×
// of the chosen speed around it with an indicator naming it, and comes back to the chosen speed after; the
// run is the same (trace hash at the same `t` equals a run opened there with slow motion off). With reduced
// motion, playback stops at the moment instead, its narration shown. Seed 1 (the default) throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, useApp } from './helpers.mjs';

const app = useApp();
const VIEW = { viewport: { width: 1280, height: 720 } };
// The textbook stampede (the default preset): key #1's expiry cycles are narrated at 0.81 s, 6.02 s, 11.23 s.
const SCENE = '?scene=cache-stampede&seed=1';

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
}

/** The notable moments' times (s) from the scrubber's ticks ("6.02 s: key #1 expired …"). */
async function tickTimes(page) {
  const titles = await page.getByTestId('tick').evaluateAll((ts) => ts.map((t) => t.getAttribute('title')));
  return titles.map((t) => Number(t.match(/^([\d.]+) s/)[1]));
}

const urlT = (page) => Number(new URL(page.url()).searchParams.get('t') ?? '0');

test('slow motion eases down before a notable moment, holds at 0.1× around it and comes back after; same run', async () => {
  const p = await app.open(`${SCENE}&t=3&speed=2&slow=1`, VIEW);
  try {
    await waitForApp(p.page);
    assert.equal(await p.page.getByTestId('slow-toggle').getAttribute('aria-pressed'), 'true');
    await p.page.getByTestId('play').click();
    // Played on past the expiry at ~6.02 s and back to 2×: a frame at 2× after a frame at 0.2×.
    await p.page.waitForFunction(
      () => {
        const pb = window.__faultlinePlayback ?? [];
        const slow = pb.findIndex((f) => f.rate <= f.speed * 0.1 + 1e-9);
        return slow >= 0 && pb.slice(slow).some((f) => f.rate === f.speed && f.t > 6.5);
      },
      null,
      { timeout: 60_000, polling: 200 },
    ).then(() => {}, async (e) => {
      throw new Error(`${e.message}; last frames: ${JSON.stringify(await p.page.evaluate(() => (window.__faultlinePlayback ?? []).slice(-5)))}`);
    });
    await p.page.getByTestId('play').click();
    const frames = await p.page.evaluate(() => window.__faultlinePlayback.filter((f) => f.speed === 2));
    const moment = (await tickTimes(p.page)).find((t) => t > 5 && t < 7);
    assert.ok(moment, 'the second expiry is a notable moment on the scrubber');
    const slowest = frames.filter((f) => f.rate <= 0.2 + 1e-9);
    assert.ok(slowest.length > 10, `${slowest.length} frames at 0.2× (0.1 of 2×), seed=1`);
    const [first, last] = [slowest[0].t, slowest.at(-1).t];
    assert.ok(first < moment - 0.2, `slowest from ${first} s, before the moment at ${moment} s (lookahead), seed=1`);
    assert.ok(last > moment + 0.5, `slowest until ${last} s, after the moment at ${moment} s, seed=1`);
    // Eased, not switched: rates strictly between 0.2× and 2× on the way down and back up.
    const trace = frames.map((f) => `${f.t.toFixed(2)}:${f.rate.toFixed(2)}`).join(' ');
    assert.ok(frames.some((f) => f.rate > 0.3 && f.rate < 1.8 && f.t < first), `eases down, seed=1; frames ${trace}`);
    assert.ok(frames.some((f) => f.rate > 0.3 && f.rate < 1.8 && f.t > last), `eases back up, seed=1; frames ${trace}`);
    assert.ok(frames.some((f) => f.rate === 2 && f.t < first - 0.5), 'plays at 2× before');
    assert.ok(frames.some((f) => f.rate === 2 && f.t > last + 0.5), 'plays at 2× after');
    // Time stays exact: the trace hash where playback stopped equals a run opened there without slow motion.
    await p.page.waitForFunction((t) => Number(new URL(location.href).searchParams.get('t')) >= t, moment + 1, { timeout: 5000 });
    await p.page.waitForTimeout(400); // the URL is written within ~300 ms of the last change
    const t = urlT(p.page);
    const hash = await p.page.getByTestId('trace-hash').textContent();
    const q = await app.open(`${SCENE}&t=${t}&slow=0`, VIEW);
    try {
      await waitForApp(q.page);
      assert.equal(await q.page.getByTestId('slow-toggle').getAttribute('aria-pressed'), 'false');
      assert.equal(await q.page.getByTestId('trace-hash').textContent(), hash, `trace hash at t=${t}, seed=1`);
      q.assertNoErrors();
    } finally {
      await q.close();
    }
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('the indicator names the moment while slowed, and the toggle and `s` turn slow motion off', async () => {
  const p = await app.open(`${SCENE}&t=5.5&speed=1&slow=1`, VIEW);
  try {
    await waitForApp(p.page);
    await p.page.getByTestId('play').click();
    const ind = p.page.getByTestId('slowmo');
    await ind.waitFor({ timeout: 20_000 });
    await p.page.waitForFunction(
      () => /^0\.1×/.test(document.querySelector('[data-testid=slowmo]')?.textContent ?? ''),
      null,
      { timeout: 20_000, polling: 100 },
    );
    assert.match(await ind.textContent(), /^0\.1× — key #1 expired at 5\.916 s$/);
    assert.match(await p.page.getByTestId('slowmo-status').textContent(), /Slow motion: key #1 expired at 5\.916 s/);
    await p.page.keyboard.press('s');
    assert.equal(await p.page.getByTestId('slow-toggle').getAttribute('aria-pressed'), 'false');
    await ind.waitFor({ state: 'detached', timeout: 5000 });
    await p.page.waitForFunction(() => (window.__faultlinePlayback ?? []).at(-1)?.rate === 1, null, { timeout: 5000 });
    // Off is the default outside presenter mode: the link no longer says `slow=1`.
    await p.page.waitForFunction(() => !new URL(location.href).searchParams.has('slow'), null, { timeout: 5000 });
    await p.page.getByTestId('slow-toggle').click();
    assert.equal(await p.page.getByTestId('slow-toggle').getAttribute('aria-pressed'), 'true');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('with reduced motion, slow motion stops at the notable moment with its narration line, play goes on', async () => {
  const p = await openPage(app.browser, undefined, VIEW); // blank, so the media emulation is on before the app loads
  try {
    await p.page.emulateMedia({ reducedMotion: 'reduce' });
    await p.page.goto(app.url(`${SCENE}&t=3&slow=1`), { waitUntil: 'load' });
    await waitForApp(p.page);
    await p.page.getByTestId('play').click();
    await p.page.waitForFunction(
      () => document.querySelector('[data-testid=play]').getAttribute('aria-pressed') === 'false',
      null,
      { timeout: 30_000, polling: 100 },
    );
    const moment = (await tickTimes(p.page)).find((t) => t > 5 && t < 7);
    assert.match(await p.page.getByTestId('time').textContent(), new RegExp(`t = ${moment.toFixed(2)} s`));
    assert.match(await p.page.getByTestId('slowmo').textContent(), /key #1 expired at 5\.916 s — press play to go on/);
    const newest = await p.page.locator('[data-testid=narration] > li').first().textContent();
    assert.match(newest, /key #1 expired at 5\.916 s: \d+ recomputes started/);
    // No easing with reduced motion: every frame played at the chosen speed.
    const rates = await p.page.evaluate(() => [...new Set((window.__faultlinePlayback ?? []).map((f) => f.rate))]);
    assert.deepEqual(rates, [1]);
    await p.page.getByTestId('play').click();
    await p.page.waitForFunction((m) => {
      const t = Number(document.querySelector('[data-testid=time]').textContent.match(/t = ([\d.]+) s/)[1]);
      return t > m + 0.5;
    }, moment, { timeout: 20_000 });
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
