// Browser figures for `cargo xtask bench`, measured in headless Chromium (`CHROMIUM_PATH`, default Debian's
// /usr/bin/chromium) on the release build (dist/, served under a sub-path). Generic over scenes: the scene ids
// are the keys of the `?bench=1` JSON's `scenes` object, nothing here names a scene.
//   1. `?bench=1`, JSON in [data-testid=bench-result]:
//      {"scenes": {"<id>": {"events", "events_per_s", "trace_hash"}, …},
//       "seek": {"scene", "run_s", "default": {"seek_ms_max", "seek_ms_p50", "build_ms", "snapshots"}, "busy": {…}}}
//      → wasm sim throughput and trace hash per scene, worst seek (max of the default and the busy run)
//   2. navigation → first interactive frame of the first scene: `?scene=<id>` until [data-testid=stage] is
//      visible (performance.now() in the page = ms since navigation start; median of 3 cold loads)
//   3. per scene, frame work p50/p95: `?scene=<id>&bench_frames=1` (auto-play under the crowded load), 8 s,
//      then window.__faultlineFrames (wall ms per frame: the rAF callback and the DOM updates Leptos runs in
//      microtasks right after it) and the page's "N messages in flight"; then 4 s more under a DevTools trace
//      for the same frames' main-thread CPU time (the FireAnimationFrame event's thread duration, microtasks
//      included): wall time also counts the moments the OS gave the CPU to another thread (on a 2-core
//      machine, often the browser's own compositor or raster thread), so it varies from run to run where
//      CPU time does not. Both are printed; the budget row is wall time.
// Machine-readable lines: `RESULT key=value`, per-scene keys as `key.<scene-id>`. A section whose hook is
// missing prints "not available" and its figures are left out.
import { launchBrowser, openPage, serveDist } from '../e2e/helpers.mjs';

const server = await serveDist();
const browser = await launchBrowser();
const url = (query) => `${server.url}?${query}`;

/** Scene ids from the bench JSON, in its order (empty until section 1 succeeds). */
let sceneIds = [];

/** Nearest-rank percentile of a numeric array. */
function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Main-thread CPU ms of each animation frame over `ms` of a DevTools trace of `page`. */
async function frameCpuMs(page, ms) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((res) => cdp.once('Tracing.tracingComplete', res));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline', transferMode: 'ReportEvents' });
  await page.waitForTimeout(ms);
  await cdp.send('Tracing.end');
  await done;
  await cdp.detach();
  return events
    .filter((e) => e.name === 'FireAnimationFrame' && e.ph === 'X' && Number.isFinite(e.tdur))
    .map((e) => e.tdur / 1000);
}

async function section(title, body) {
  console.log(`\n-- ${title}`);
  try {
    await body();
  } catch (err) {
    console.log(`   not available: ${String(err?.message ?? err).split('\n')[0]}`);
  }
}

const isNumber = (v) => typeof v === 'number' && Number.isFinite(v);

await section('wasm simulation throughput and seek (?bench=1)', async () => {
  const p = await openPage(browser, url('bench=1'));
  try {
    const result = p.page.locator('[data-testid=bench-result]');
    await result.waitFor({ state: 'attached', timeout: 120_000 });
    await p.page.waitForFunction(
      () => document.querySelector('[data-testid=bench-result]')?.textContent.trim().length > 0,
      null,
      { timeout: 120_000 },
    );
    const text = (await result.textContent()).trim();
    console.log(`   bench-result: ${text}`);
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error('[data-testid=bench-result] is not JSON');
    }
    const scenes = json?.scenes;
    if (!scenes || typeof scenes !== 'object' || Array.isArray(scenes) || Object.keys(scenes).length === 0) {
      throw new Error('bench-result JSON has no `scenes` object keyed by scene id (older page format?)');
    }
    sceneIds = Object.keys(scenes);
    for (const id of sceneIds) {
      const s = scenes[id] ?? {};
      if (isNumber(s.events_per_s)) console.log(`RESULT wasm_events_per_sec.${id}=${s.events_per_s}`);
      else console.log(`   ${id}: no numeric events_per_s`);
      if (isNumber(s.events)) console.log(`RESULT wasm_events.${id}=${s.events}`);
      if (typeof s.trace_hash === 'string' && s.trace_hash) console.log(`RESULT wasm_trace_hash.${id}=${s.trace_hash}`);
    }
    const seek = json.seek;
    const loads = ['default', 'busy'].filter((k) => isNumber(seek?.[k]?.seek_ms_max));
    if (loads.length === 0) {
      console.log('   seek: no `seek.default.seek_ms_max` / `seek.busy.seek_ms_max`');
    } else {
      for (const k of loads) {
        const s = seek[k];
        console.log(
          `   seek, ${k} load (${seek.scene ?? '?'}, ${seek.run_s ?? '?'} s run): max ${s.seek_ms_max} ms, ` +
            `p50 ${s.seek_ms_p50 ?? 'n/a'} ms, build ${s.build_ms ?? 'n/a'} ms, ${s.snapshots ?? 'n/a'} snapshots`,
        );
      }
      console.log(`RESULT seek_ms_max=${Math.max(...loads.map((k) => seek[k].seek_ms_max))}`);
      if (typeof seek.scene === 'string') console.log(`RESULT seek_scene=${seek.scene}`);
      if (isNumber(seek.run_s)) console.log(`RESULT seek_run_s=${seek.run_s}`);
    }
  } finally {
    await p.close();
  }
});

await section('navigation → first interactive frame (first scene, [data-testid=stage] visible)', async () => {
  const first = sceneIds[0];
  if (!first) throw new Error('no scene ids (the ?bench=1 section failed)');
  console.log(`   ?scene=${first}`);
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const p = await openPage(browser); // fresh context: cold HTTP cache each run
    try {
      await p.page.goto(url(`scene=${encodeURIComponent(first)}`), { waitUntil: 'commit' });
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

if (sceneIds.length === 0) {
  await section('frame work p50/p95 per scene (?scene=<id>&bench_frames=1, 5 s)', async () => {
    throw new Error('no scene ids (the ?bench=1 section failed)');
  });
}
for (const id of sceneIds) {
  await section(`frame work p50/p95, ${id} (?scene=${id}&bench_frames=1, 8 s + 4 s traced)`, async () => {
    const p = await openPage(browser, url(`scene=${encodeURIComponent(id)}&bench_frames=1`));
    try {
      await p.page.waitForTimeout(8_000);
      const frames = await p.page.evaluate(() => window.__faultlineFrames ?? null);
      if (!Array.isArray(frames) || frames.length === 0) {
        throw new Error('window.__faultlineFrames is missing or empty');
      }
      const inFlight = await p.page.evaluate(
        () => (document.body.innerText.match(/(\d+) messages? in flight/) ?? [])[1] ?? 'n/a',
      );
      console.log(`   messages in flight at the end: ${inFlight}`);
      console.log(`RESULT frame_messages_in_flight.${id}=${inFlight}`);
      const values = frames.map(Number).filter(Number.isFinite);
      const p50 = percentile(values, 50);
      const p95 = percentile(values, 95);
      console.log(
        `   ${values.length} frames: p50 ${p50.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${Math.max(...values).toFixed(2)} ms`,
      );
      console.log(`RESULT frame_p50_ms.${id}=${p50.toFixed(3)}`);
      console.log(`RESULT frame_p95_ms.${id}=${p95.toFixed(3)}`);
      const cpu = await frameCpuMs(p.page, 4_000);
      if (cpu.length > 0) {
        console.log(`   main-thread CPU, ${cpu.length} frames: p50 ${percentile(cpu, 50).toFixed(2)} ms, p95 ${percentile(cpu, 95).toFixed(2)} ms`);
        console.log(`RESULT frame_cpu_p95_ms.${id}=${percentile(cpu, 95).toFixed(3)}`);
      } else {
        console.log('   main-thread CPU: no FireAnimationFrame events in the trace');
      }
    } finally {
      await p.close();
    }
  });
}

// The chaos timeline loaded: 50 markers on the track (25 crash/restart spans) while the crowded run plays.
await section('frame work p50/p95, circuit-breaker with 50 fault markers (bench_frames=1, 8 s)', async () => {
  const faults = Array.from({ length: 50 }, (_, i) => `${(i * 0.6 + 0.5).toFixed(1)}:${i % 2 ? 'restart' : 'crash'}:dependency`).join(',');
  const p = await openPage(browser, url(`scene=circuit-breaker&bench_frames=1&f=${encodeURIComponent(faults)}`));
  try {
    await p.page.waitForTimeout(8_000);
    const markers = await p.page.locator('[data-testid=marker]').count();
    const values = (await p.page.evaluate(() => window.__faultlineFrames ?? [])).map(Number).filter(Number.isFinite);
    if (values.length === 0) throw new Error('window.__faultlineFrames is missing or empty');
    const p95 = percentile(values, 95);
    console.log(`   ${markers} markers; ${values.length} frames: p50 ${percentile(values, 50).toFixed(2)} ms, p95 ${p95.toFixed(2)} ms`);
    console.log(`RESULT chaos_markers=${markers}`);
    console.log(`RESULT frame_p95_ms_chaos50=${p95.toFixed(3)}`);
  } finally {
    await p.close();
  }
});

await browser.close();
await server.close();
