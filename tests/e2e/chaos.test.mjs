// End-to-end tests of the chaos timeline (the fault script as markers under the scrubber), in headless
// Chromium on the release build: add a fault from the palette, drag it, move it by keyboard, delete it, undo
// and redo; after every edit the URL's f= and the trace hash follow, and a fresh load of the URL gives the
// same trace hash. Spans (a crash and its restart) stretch from either end; the editor checks what is typed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, useApp } from './helpers.mjs';

const app = useApp();

const text = (page, id) => page.getByTestId(id).textContent();
const markers = (page) => page.getByTestId('marker');

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
}

/** The `f=` of the page's URL once it contains `want` (URL writes are debounced). */
async function faultsInUrl(page, want) {
  await page.waitForFunction(
    (w) => new URLSearchParams(location.search).get('f')?.includes(w) ?? w === '',
    want,
    { timeout: 5_000 },
  );
  return new URLSearchParams(new URL(page.url()).search).get('f') ?? '';
}

/** The URL, opened fresh, reaches the same trace hash as the page it came from. */
async function assertFreshLoadMatches(page, what) {
  await page.waitForTimeout(600); // the URL write is debounced
  const url = page.url();
  const hash = await text(page, 'trace-hash');
  const fresh = await app.open(url.slice(app.url().length), { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(fresh.page);
    await fresh.page.waitForFunction(() => !document.querySelector('[data-testid=fast-forward]'), null, { timeout: 15_000 });
    assert.equal(await text(fresh.page, 'trace-hash'), hash, `${what}: a fresh load of ${url} gives the same run`);
    fresh.assertNoErrors();
  } finally {
    await fresh.close();
  }
}

/** Drags marker `i` to `seconds` on the lane's axis (its 8 px insets match the scrubber's). */
async function dragMarker(page, i, seconds) {
  const lane = await page.locator('.chaos-lane').boundingBox();
  const max = Number(await page.getByTestId('scrubber').getAttribute('max'));
  const box = await markers(page).nth(i).boundingBox();
  const x = lane.x + (lane.width * seconds) / max;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move((box.x + x) / 2, box.y + box.height / 2, { steps: 4 });
  await page.mouse.move(x, box.y + box.height / 2, { steps: 4 });
  await page.mouse.up();
}

test('chaos timeline: add from the palette, drag, move by keyboard, delete, undo and redo; the URL and trace hash follow', async () => {
  const p = await app.open('?scene=circuit-breaker&t=5&f=', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    assert.equal(await markers(p.page).count(), 0);
    const h0 = await text(p.page, 'trace-hash');

    await p.page.getByTestId('chaos-add').selectOption({ label: 'Crash dependency' });
    await markers(p.page).first().waitFor();
    assert.equal(await markers(p.page).first().getAttribute('data-text'), '5:crash:dependency');
    assert.equal(await faultsInUrl(p.page, '5:crash:dependency'), '5:crash:dependency');
    assert.notEqual(await text(p.page, 'trace-hash'), h0, 'the crash changed the run');
    await assertFreshLoadMatches(p.page, 'after adding');

    await dragMarker(p.page, 0, 2);
    await p.page.waitForFunction(() => {
      const t = Number(document.querySelector('[data-testid=marker]')?.dataset.t);
      return Math.abs(t - 2) < 0.35;
    }, null, { timeout: 5_000 });
    const dragged = Number(await markers(p.page).first().getAttribute('data-t'));
    assert.equal(await faultsInUrl(p.page, `${dragged}:crash:dependency`), `${dragged}:crash:dependency`);
    await assertFreshLoadMatches(p.page, 'after dragging');

    // Keyboard: focus stays on the moved marker; → moves it 0.1 s, Shift+→ 1 s.
    await markers(p.page).first().focus();
    await p.page.keyboard.press('ArrowRight');
    await p.page.keyboard.press('Shift+ArrowRight');
    const expected = Math.round((dragged + 1.1) * 10) / 10;
    await p.page.waitForFunction((e) => Math.abs(Number(document.querySelector('[data-testid=marker]')?.dataset.t) - e) < 1e-6, expected);
    assert.equal(await faultsInUrl(p.page, `${expected}:crash`), `${expected}:crash:dependency`);

    // Delete removes it; Ctrl+Z brings it back; the redo button removes it again; undo once more.
    await markers(p.page).first().focus();
    await p.page.keyboard.press('Delete');
    await p.page.waitForFunction(() => document.querySelectorAll('[data-testid=marker]').length === 0);
    await faultsInUrl(p.page, '');
    assert.equal(await text(p.page, 'trace-hash'), h0, 'no fault: the run is the one without faults');
    await p.page.keyboard.press('Control+z');
    await markers(p.page).first().waitFor();
    assert.equal(await markers(p.page).first().getAttribute('data-t'), String(expected));
    await p.page.getByTestId('redo').click();
    await p.page.waitForFunction(() => document.querySelectorAll('[data-testid=marker]').length === 0);
    await p.page.getByTestId('undo').click();
    await markers(p.page).first().waitFor();
    await assertFreshLoadMatches(p.page, 'after undo');
    await p.screenshot('chaos-track-1280x720');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('a crash and its restart read as one band that either end stretches; the editor checks what is typed', async () => {
  const p = await app.open('?scene=circuit-breaker&preset=dependency-down&t=20', { viewport: { width: 1280, height: 720 } });
  try {
    await waitForApp(p.page);
    assert.equal(await markers(p.page).count(), 2);
    const band = p.page.locator('.chaos-span');
    assert.equal(await band.count(), 1, 'crash and restart paired');
    const w0 = (await band.boundingBox()).width;
    await dragMarker(p.page, 1, 10); // the restart, from 15 s to about 10 s
    await p.page.waitForFunction(() => Number(document.querySelectorAll('[data-testid=marker]')[1]?.dataset.t) < 11);
    const w1 = (await band.boundingBox()).width;
    assert.ok(w1 < w0 * 0.8, `band shrank from ${w0} to ${w1} px`);

    // Enter edits the text form; a bad node gets a visible notice and changes nothing.
    await markers(p.page).first().focus();
    await p.page.keyboard.press('Enter');
    const edit = p.page.getByTestId('chaos-edit');
    await edit.fill('4:crash:nowhere');
    await edit.press('Enter');
    await p.page.getByText(/unknown node 'nowhere'/).first().waitFor();
    await edit.fill('4:crash:dependency');
    await edit.press('Enter');
    await p.page.waitForFunction(() => document.querySelector('[data-testid=marker]')?.dataset.text === '4:crash:dependency');
    await assertFreshLoadMatches(p.page, 'after editing');

    const violations = await axeViolations(p.page);
    assert.deepEqual(violations, [], 'axe: no serious or critical violation with the chaos track in use');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
