// Browser figures for `cargo xtask bench`, measured in headless Debian Chromium on the release build
// (dist/, served under a sub-path). Each figure is tolerated as missing while the app lacks the hook.
//   1. wasm sim throughput: `?bench=1`, JSON in [data-testid=bench-result] (its `events_per_sec` or `events_per_s`)
//   2. navigation → first interactive frame: `?scene=circuit-breaker` until [data-testid=stage] is visible
//      (performance.now() in the page = ms since navigation start; median of 3 cold loads)
//   3. frame work p50/p95: `?scene=circuit-breaker&bench_frames=1`, 5 s, then window.__faultlineFrames (ms per frame)
// Machine-readable lines: `RESULT key=value`.
import { launchBrowser, openPage, serveDist } from '../e2e/helpers.mjs';

const server = await serveDist();
const browser = await launchBrowser();
const url = (query) => `${server.url}?${query}`;

function findKey(value, key) {
  if (value && typeof value === 'object') {
    if (typeof value[key] === 'number') return value[key];
    for (const child of Object.values(value)) {
      const found = findKey(child, key);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** Nearest-rank percentile of a numeric array. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function section(title, body) {
  console.log(`\n-- ${title}`);
  try {
    await body();
  } catch (err) {
    console.log(`   not available: ${String(err?.message ?? err).split('\n')[0]}`);
  }
}

await section('wasm simulation throughput (?bench=1)', async () => {
  const p = await openPage(browser, url('bench=1'));
  try {
    const result = p.page.locator('[data-testid=bench-result]');
    await result.waitFor({ state: 'attached', timeout: 60_000 });
    await p.page.waitForFunction(
      () => document.querySelector('[data-testid=bench-result]')?.textContent.trim().length > 0,
      null,
      { timeout: 60_000 },
    );
    const text = (await result.textContent()).trim();
    console.log(`   bench-result: ${text}`);
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error('[data-testid=bench-result] is not JSON');
    }
    const eps = findKey(json, 'events_per_sec') ?? findKey(json, 'events_per_s');
    if (eps === undefined) throw new Error('bench-result JSON has no numeric `events_per_sec` / `events_per_s`');
    console.log(`RESULT wasm_events_per_sec=${eps}`);
    const seekMax = Math.max(findKey(json, 'seek_ms_max') ?? NaN, findKey(json, 'seek_1000rps_ms_max') ?? NaN);
    if (Number.isFinite(seekMax)) console.log(`RESULT seek_ms_max=${seekMax}`);
    const stampede = findKey(json, 'stampede_events_per_s');
    if (stampede !== undefined) console.log(`RESULT wasm_stampede_events_per_sec=${stampede}`);
  } finally {
    await p.close();
  }
});

await section('navigation → first interactive frame (?scene=circuit-breaker, [data-testid=stage] visible)', async () => {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const p = await openPage(browser); // fresh context: cold HTTP cache each run
    try {
      await p.page.goto(url('scene=circuit-breaker'), { waitUntil: 'commit' });
      const handle = await p.page.waitForFunction(
        () => {
          const el = document.querySelector('[data-testid=stage]');
          if (!el) return false;
          const box = el.getBoundingClientRect();
          const style = getComputedStyle(el);
          return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none'
            ? performance.now()
            : false;
        },
        null,
        { polling: 'raf', timeout: 30_000 },
      );
      runs.push(await handle.jsonValue());
    } finally {
      await p.close();
    }
  }
  const median = percentile(runs, 50);
  console.log(`   runs: ${runs.map((r) => `${r.toFixed(0)} ms`).join(', ')}; median ${median.toFixed(0)} ms`);
  console.log(`RESULT first_frame_ms=${median.toFixed(1)}`);
});

await section('frame work p50/p95 (?scene=circuit-breaker&bench_frames=1, 5 s)', async () => {
  const p = await openPage(browser, url('scene=circuit-breaker&bench_frames=1'));
  try {
    await p.page.waitForTimeout(5_000);
    const frames = await p.page.evaluate(() => window.__faultlineFrames ?? null);
    if (!Array.isArray(frames) || frames.length === 0) {
      throw new Error('window.__faultlineFrames is missing or empty');
    }
    const inFlight = await p.page.evaluate(() => (document.body.innerText.match(/(\d+) messages? in flight/) ?? [])[1] ?? 'n/a');
    console.log(`   messages in flight at the end: ${inFlight}`);
    console.log(`RESULT frame_messages_in_flight=${inFlight}`);
    const values = frames.map(Number).filter(Number.isFinite);
    const p50 = percentile(values, 50);
    const p95 = percentile(values, 95);
    console.log(`   ${values.length} frames: p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${Math.max(...values).toFixed(2)} ms`);
    console.log(`RESULT frame_p50_ms=${p50.toFixed(3)}`);
    console.log(`RESULT frame_p95_ms=${p95.toFixed(3)}`);
  } finally {
    await p.close();
  }
});

await section('frame work p50/p95, cache stampede (?scene=cache-stampede&bench_frames=1, 5 s)', async () => {
  const p = await openPage(browser, url('scene=cache-stampede&bench_frames=1'));
  try {
    await p.page.waitForTimeout(5_000);
    const frames = await p.page.evaluate(() => window.__faultlineFrames ?? null);
    if (!Array.isArray(frames) || frames.length === 0) throw new Error('window.__faultlineFrames is missing or empty');
    const values = frames.map(Number).filter(Number.isFinite);
    const p95 = percentile(values, 95);
    console.log(`   ${values.length} frames: p50 ${percentile(values, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`);
    console.log(`RESULT stampede_frame_p95_ms=${p95.toFixed(3)}`);
  } finally {
    await p.close();
  }
});

await browser.close();
await server.close();
