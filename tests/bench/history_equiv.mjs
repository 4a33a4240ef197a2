// Profiling aid: the History plot updated bar by bar equals the plot drawn whole. Plays a crowded CAP run (and
// the default one), pauses, reads the plot's markup, forces a full redraw (window 5 s and back), compares.
import assert from 'node:assert/strict';
import { launchBrowser, openPage, serveDist } from '../e2e/helpers.mjs';
const server = await serveDist();
const browser = await launchBrowser();
for (const q of ['scene=cap&bench_frames=1', 'scene=cap&preset=ap-both-answer&autoplay=1']) {
  const p = await openPage(browser, `${server.url}?${q}`);
  const plot = () => p.page.evaluate(() => document.querySelector('[data-testid=history-panel] .hist-measure > div').innerHTML);
  if (!q.includes('bench')) await p.page.getByTestId('play').click();
  let samples = [];
  for (let i = 0; i < 6; i++) { await p.page.waitForTimeout(700); samples.push((await plot()).length); }
  await p.page.getByTestId('play').click(); // pause
  await p.page.waitForTimeout(500);
  const a = await plot();
  const sel = p.page.getByTestId('history-window');
  await sel.selectOption('5'); await p.page.waitForTimeout(300);
  await sel.selectOption('10'); await p.page.waitForTimeout(300);
  const b = await plot();
  const bars = (a.match(/class="hist-op/g) ?? []).length;
  console.log(`${q}: sizes while playing ${samples.join(',')}; paused ${a.length} chars, ${bars} bars; equal after full redraw: ${a === b}`);
  if (a !== b) { let i = 0; while (a[i] === b[i]) i++; console.log('first difference at', i, '\n', a.slice(i - 200, i + 200), '\n---\n', b.slice(i - 200, i + 200)); }
  assert.equal(a, b);
  p.assertNoErrors?.();
  await p.close();
}
await browser.close();
await server.close();
