// End-to-end test of a challenge in the page: home → a challenge link → the card with its goals and locked
// controls → played with the challenge as set it fails, with the measured number → started over with the
// known-good setting it passes → the solution link reproduces the pass; axe-core finds nothing serious on the
// challenge page; a run off the challenge (a preset loaded over it) is not judged and says why; an unknown
// challenge id leaves a working scene with a notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, useApp } from './helpers.mjs';

const app = useApp();
const SCENE = 'cache-stampede';
const CHALLENGE = 'survive-a-flush';

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
}

/** Waits for the card's `data-verdict` (its effect runs after the click that changed the run). */
async function waitForVerdict(page, word) {
  await page.waitForFunction(
    (word) => document.querySelector('[data-testid=challenge]')?.getAttribute('data-verdict') === word,
    word,
    { timeout: 10_000, polling: 50 },
  );
}

/** Plays at 20× until the card gives its final verdict (the page pauses at the challenge's end). */
async function playToVerdict(page) {
  await page.getByTestId('speed').selectOption('20');
  await page.getByTestId('play').click();
  await page.waitForFunction(
    () => /^(Passed|Failed)/.test(document.querySelector('[data-testid=challenge-verdict]')?.textContent.trim() ?? ''),
    null,
    { timeout: 60_000, polling: 100 },
  );
  const card = page.getByTestId('challenge');
  return {
    verdict: await card.getAttribute('data-verdict'),
    status: await page.getByTestId('challenge-goal-0').getAttribute('data-status'),
    measured: Number(await page.getByTestId('challenge-goal-0').getAttribute('data-measured')),
    text: (await page.getByTestId('challenge-verdict').textContent()).trim(),
  };
}

test('a challenge fails as set, passes with the known-good setting, and its solution link reproduces the pass', async () => {
  const home = await app.open('', { viewport: { width: 1280, height: 800 } });
  try {
    const link = home.page.getByTestId(`home-challenge-${SCENE}-${CHALLENGE}`);
    await link.waitFor({ timeout: 20_000 });
    await link.click();
    await waitForApp(home.page);
    const page = home.page;
    assert.match(page.url(), new RegExp(`challenge=${CHALLENGE}`));

    // The card: brief, one goal, still open; locked controls are disabled and say so, allowed ones are not.
    const card = page.getByTestId('challenge');
    assert.equal(await card.getAttribute('data-challenge'), CHALLENGE);
    assert.match(await card.textContent(), /flushes the cache/);
    assert.match(await page.getByTestId('challenge-goal-0').textContent(), /peak database concurrency so far: \d+ — goal ≤ 10/);
    assert.equal(await page.getByTestId('param-request_rate').isDisabled(), true);
    assert.match(await page.getByTestId('locked-request_rate').textContent(), /locked by the challenge/);
    assert.equal(await page.getByTestId('param-strategy').isDisabled(), false);
    assert.deepEqual(await axeViolations(page), [], 'challenge page at rest');

    // As set (no protection), the flush drives the database past 10 concurrent queries: fail, with the number.
    const failed = await playToVerdict(page);
    assert.equal(failed.verdict, 'fail', JSON.stringify(failed));
    assert.equal(failed.status, 'fail');
    assert.ok(failed.measured > 10, `measured ${failed.measured}`);
    assert.match(failed.text, /^Failed: 1 of 1 goals missed over the first 30 s/);
    assert.match(await page.getByTestId('challenge-goal-0').textContent(), new RegExp(`peak database concurrency: ${failed.measured} — goal ≤ 10`));
    assert.equal(await page.getByTestId('play').getAttribute('aria-pressed'), 'false', 'the page stops at the verdict');
    await home.screenshot('challenge-failed');

    // Start over and pick the known-good protection (a lock shared by all servers) before playing.
    await page.getByTestId('challenge-reset').click();
    await page.getByTestId('param-strategy').selectOption('global_lock');
    await waitForVerdict(page, 'open');
    const passed = await playToVerdict(page);
    assert.equal(passed.verdict, 'pass', JSON.stringify(passed));
    assert.ok(passed.measured <= 10, `measured ${passed.measured}`);
    assert.match(passed.text, /^Passed/);
    assert.deepEqual(await axeViolations(page), [], 'challenge page after a pass');
    await home.screenshot('challenge-passed');

    // The solution link carries the challenge, the reader's parameters and seed, and reproduces the pass.
    const solution = await page.getByTestId('challenge-solution-url').inputValue();
    assert.match(solution, new RegExp(`challenge=${CHALLENGE}`));
    assert.match(solution, /strategy:global_lock/);
    assert.match(solution, /seed=1/);
    const again = await app.open(solution.slice(solution.indexOf('?')));
    try {
      await waitForApp(again.page);
      await again.page.waitForFunction(
        () => document.querySelector('[data-testid=challenge]')?.getAttribute('data-verdict') === 'pass',
        null,
        { timeout: 30_000, polling: 100 },
      );
      assert.equal(
        Number(await again.page.getByTestId('challenge-goal-0').getAttribute('data-measured')),
        passed.measured,
      );
      again.assertNoErrors();
    } finally {
      await again.close();
    }
    home.assertNoErrors();
  } finally {
    await home.close();
  }
});

test('a run that changes what the challenge locks is not judged, and the card says why', async () => {
  const p = await app.open(`?scene=${SCENE}&challenge=${CHALLENGE}`);
  try {
    await waitForApp(p.page);
    await p.page.getByTestId('preset-textbook-stampede').click();
    await waitForVerdict(p.page, 'off');
    const off = await p.page.getByTestId('challenge-off').textContent();
    assert.match(off, /Hot keys is locked at 10 \(now 1\)/);
    assert.match(off, /fault 10:trigger:flush is missing/);
    assert.match(await p.page.getByTestId('challenge-verdict').textContent(), /^Off the challenge/);
    await p.page.getByTestId('challenge-reset').click();
    await waitForVerdict(p.page, 'open');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('an unknown challenge id leaves a working scene with a notice', async () => {
  const p = await app.open(`?scene=${SCENE}&challenge=no-such-thing`);
  try {
    await waitForApp(p.page);
    assert.match(await p.page.getByTestId('notice').textContent(), /unknown challenge 'no-such-thing'/);
    assert.equal(await p.page.getByTestId('challenge').count(), 0);
    assert.equal(await p.page.getByTestId('param-request_rate').isDisabled(), false);
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
