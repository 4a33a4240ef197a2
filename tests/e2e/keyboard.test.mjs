// Keyboard and accessibility end to end: every shortcut (space, →, + / −, r, ?), shortcuts ignored while
// typing, controls reachable by Tab with a visible focus ring, and prefers-reduced-motion honoured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp, openPage } from './helpers.mjs';

const app = useApp();

test('shortcuts drive the transport, and typing in a field is not a shortcut', async () => {
  const p = await app.open('?scene=circuit-breaker');
  const { page } = p;
  const time = () => page.getByTestId('time').textContent();
  const pressed = () => page.getByTestId('play').getAttribute('aria-pressed');
  try {
    await page.getByTestId('stage').waitFor();
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Space');
    assert.equal(await pressed(), 'true', 'space plays');
    await page.waitForTimeout(300);
    await page.keyboard.press('Space');
    assert.equal(await pressed(), 'false', 'space pauses');

    const before = Number(await page.getByTestId('events').textContent());
    await page.keyboard.press('ArrowRight');
    await page.waitForTimeout(100);
    assert.ok(Number(await page.getByTestId('events').textContent()) > before, '→ steps to the next event');

    const speed0 = await page.getByTestId('speed').inputValue();
    await page.keyboard.press('+');
    const speed1 = await page.getByTestId('speed').inputValue();
    assert.ok(Number(speed1) > Number(speed0), `+ speeds up (${speed0} → ${speed1})`);
    await page.keyboard.press('-');
    assert.equal(await page.getByTestId('speed').inputValue(), speed0, '− slows down');

    await page.keyboard.press('r');
    assert.equal(await time(), 't = 0.00 s', 'r resets');

    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor({ state: 'visible' });
    await page.keyboard.press('?');
    await page.getByTestId('shortcuts').waitFor({ state: 'hidden' });

    // Typing "r" and a space into the seed field edits the field, nothing else.
    await page.keyboard.press('Space');
    await page.waitForTimeout(300);
    await page.keyboard.press('Space');
    const t = await time();
    await page.getByTestId('seed').focus();
    await page.keyboard.type(' r');
    assert.equal(await time(), t, 'no reset while typing');
    assert.equal(await pressed(), 'false', 'no play while typing');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('every control is reachable by Tab and shows a focus ring', async () => {
  const p = await app.open('?scene=circuit-breaker');
  const { page } = p;
  try {
    await page.getByTestId('stage').waitFor();
    const seen = new Set();
    for (let i = 0; i < 80; i++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const el = document.activeElement;
        if (!el || el === document.body) return null;
        const cs = getComputedStyle(el);
        // HTML controls get an outline; SVG nodes and links draw their ring as a thick focus-coloured stroke.
        const focusStroke = [...el.querySelectorAll('.node-box, .link-line')].some(
          (shape) => getComputedStyle(shape).stroke === 'rgb(11, 92, 173)' && parseFloat(getComputedStyle(shape).strokeWidth) >= 4,
        );
        const ring = (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0) || cs.boxShadow !== 'none' || focusStroke;
        return { id: el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.tagName, ring };
      });
      if (!info) continue;
      assert.ok(info.ring, `focus ring visible on ${info.id}`);
      seen.add(info.id);
    }
    for (const id of ['play', 'step', 'speed', 'reset', 'seed', 'scrubber', 'param-request_rate', 'param-request_rate-field']) {
      assert.ok(seen.has(id), `Tab reaches ${id} (reached: ${[...seen].join(', ')})`);
    }
    assert.ok([...seen].some((id) => /dependency/i.test(id)), 'Tab reaches the dependency node (fault by keyboard)');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('prefers-reduced-motion: no flying dots, state changes still shown', async () => {
  const p = await openPage(app.browser, null);
  try {
    await p.page.emulateMedia({ reducedMotion: 'reduce' });
    await p.page.goto(app.url('?scene=circuit-breaker&speed=5'));
    await p.page.getByTestId('stage').waitFor();
    assert.equal(await p.page.locator('canvas.messages').getAttribute('data-motion'), 'reduced');
    await p.page.getByTestId('play').click();
    await p.page.waitForFunction(() => document.querySelector('[data-testid=machine-state]')?.textContent.trim() === 'OPEN', null, { timeout: 20_000 });
    await p.screenshot('reduced-motion');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
