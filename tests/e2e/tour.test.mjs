// End-to-end tests of guided tours, in headless Chromium on the release build: a tour step with a prediction
// scores a right and a wrong answer from the value the simulation measures (read from `data-measured`, the
// same value both times), `[` / `]` move between steps and the URL follows, a bad step number is clamped
// with a notice, the home page lists every scene's tour, and axe-core finds no serious or critical violation
// on tour pages. Waits poll data attributes, never fixed sleeps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, useApp } from './helpers.mjs';

const app = useApp();
const VIEW = { viewport: { width: 1280, height: 800 } };

async function waitForTour(page, step) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
  await page.locator(`[data-testid=tour-card][data-step="${step}"]`).waitFor({ timeout: 20_000 });
}

/** Answers the numeric prediction of the textbook stampede's step 1, plays, and returns the result's data. */
async function answerAndPlay(answer) {
  const p = await app.open('?tour=cache-stampede&step=1', VIEW);
  try {
    await waitForTour(p.page, 1);
    assert.equal(await p.page.getByTestId('tour-prediction').getAttribute('data-locked'), 'false');
    await p.page.getByTestId('tour-answer').fill(String(answer));
    await p.page.getByTestId('tour-play').click();
    // Locked once playing; the verdict appears once the window (4 s → 7 s) has been simulated.
    await p.page.locator('[data-testid=tour-prediction][data-locked=true]').waitFor({ timeout: 5_000 });
    assert.ok(await p.page.getByTestId('tour-answer').isDisabled(), 'the answer is locked after play');
    const result = p.page.getByTestId('tour-result');
    await result.waitFor({ timeout: 30_000 });
    const out = {
      verdict: await result.getAttribute('data-verdict'),
      measured: Number(await result.getAttribute('data-measured')),
      text: await result.textContent(),
    };
    await p.screenshot(`tour-stampede-step1-answer-${answer}`);
    p.assertNoErrors();
    return out;
  } finally {
    await p.close();
  }
}

test('a prediction is scored from the measured value: right and wrong, same measurement', async () => {
  const right = await answerAndPlay(18);
  const wrong = await answerAndPlay(1);
  assert.ok(right.measured >= 12 && right.measured <= 24, `measured ${right.measured} recomputes at the expiry`);
  assert.equal(wrong.measured, right.measured, 'the same run measures the same value');
  assert.ok(Math.abs(18 - right.measured) <= 6, `18 is within ±6 of ${right.measured}`);
  assert.equal(right.verdict, 'right', right.text);
  assert.equal(wrong.verdict, 'wrong', wrong.text);
  assert.match(right.text, new RegExp(`Measured: ${right.measured} recomputes`));
  assert.match(wrong.text, /Your answer 1 recomputes: wrong/);
});

test('a multiple-choice prediction: the option holding the measured value is right', async () => {
  // Sharding step 1: a fifth shard joins the ring at 5 s; about 1 in 5 keys move.
  const p = await app.open('?tour=sharding&step=1', VIEW);
  try {
    await waitForTour(p.page, 1);
    await p.page.getByTestId('tour-option-0').check();
    await p.page.getByTestId('tour-play').click();
    const result = p.page.getByTestId('tour-result');
    await result.waitFor({ timeout: 30_000 });
    const measured = Number(await result.getAttribute('data-measured'));
    assert.ok(measured > 1000 && measured < 3000, `${measured} keys moved`);
    assert.equal(await result.getAttribute('data-verdict'), 'right', await result.textContent());
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('[ and ] move between steps and the URL follows; a bad step number is clamped with a notice', async () => {
  const p = await app.open('?tour=saga&step=2', VIEW);
  try {
    await waitForTour(p.page, 2);
    const steps = Number(await p.page.getByTestId('tour-card').getAttribute('data-steps'));
    await p.page.keyboard.press(']');
    await waitForTour(p.page, 3);
    await p.page.waitForFunction(() => new URLSearchParams(location.search).get('step') === '3');
    assert.equal(new URL(p.page.url()).searchParams.get('tour'), 'saga');
    await p.page.keyboard.press('[');
    await waitForTour(p.page, 2);
    await p.page.keyboard.press('[');
    await waitForTour(p.page, 1);
    await p.page.waitForFunction(() => new URLSearchParams(location.search).get('step') === '1');
    assert.equal(await p.page.getByTestId('tour-back').count(), 0, 'no back on step 1');
    p.assertNoErrors();

    const bad = await app.open('?tour=saga&step=99', VIEW);
    try {
      await waitForTour(bad.page, steps);
      assert.match(await bad.page.getByTestId('notice').textContent(), /steps 1 to \d+, not 99/);
      bad.assertNoErrors();
    } finally {
      await bad.close();
    }
    const unknown = await app.open('?tour=nope&step=1', VIEW);
    try {
      assert.match(await unknown.page.getByTestId('notice').textContent(), /no tour 'nope'/);
      unknown.assertNoErrors();
    } finally {
      await unknown.close();
    }
  } finally {
    await p.close();
  }
});

test('the home page lists every scene\'s tour, and tour pages have no serious or critical violation', async () => {
  const home = await app.open('', VIEW);
  let hrefs;
  try {
    await home.page.locator('[data-testid^=home-tour-]').first().waitFor();
    hrefs = await home.page.locator('[data-testid^=home-tour-]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.length >= 5, `tours on the home page: ${hrefs}`);
    assert.deepEqual(await axeViolations(home.page), []);
  } finally {
    await home.close();
  }
  for (const href of hrefs) {
    const p = await app.open(href, VIEW);
    try {
      await waitForTour(p.page, 1);
      assert.deepEqual(await axeViolations(p.page), [], `${href} at rest`);
      p.assertNoErrors();
    } finally {
      await p.close();
    }
  }
  // A step after its verdict (the result box, the locked form) and with a choice selected.
  const p = await app.open('?tour=cap&step=1', VIEW);
  try {
    await waitForTour(p.page, 1);
    await p.page.getByTestId('tour-option-0').check();
    await p.page.getByTestId('tour-play').click();
    await p.page.getByTestId('tour-result').waitFor({ timeout: 30_000 });
    assert.equal(await p.page.getByTestId('tour-result').getAttribute('data-verdict'), 'right');
    assert.deepEqual(await axeViolations(p.page), [], 'cap step 1 after the verdict');
    await p.screenshot('tour-cap-step1-verdict');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
