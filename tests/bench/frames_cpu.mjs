// Profiling aid: per-frame main-thread CPU time (trace events' thread duration `tdur`, robust to other processes
// on a busy machine) next to wall time, for the frame bench page (?scene=<id>&bench_frames=1).
// A frame = the FireAnimationFrame event plus the microtasks run right after it (Leptos' effects).
// node tests/bench/frames_cpu.mjs RUNS scene...   (FAULTLINE_DIST=dir to pick a build)
import { launchBrowser, serveDist } from '../e2e/helpers.mjs';
const runs = Number(process.argv[2] ?? 1);
const ids = process.argv.slice(3);
const server = await serveDist();
const browser = await launchBrowser();
const pct = (v, p) => { const s = [...v].sort((a, b) => a - b); return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN; };
for (let r = 0; r < runs; r++) for (const id of ids) {
  const page = await browser.newPage();
  await page.goto(`${server.url}?scene=${encodeURIComponent(id)}&bench_frames=1`);
  await page.waitForTimeout(1000);
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((res) => cdp.once('Tracing.tracingComplete', res));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline', transferMode: 'ReportEvents' });
  await page.waitForTimeout(4000);
  const recorded = await page.evaluate(() => (window.__faultlineFrames ?? []).slice(-200));
  await cdp.send('Tracing.end');
  await done;
  await page.close();
  // The renderer main thread: the one with FireAnimationFrame events.
  const fire = events.filter((e) => e.name === 'FireAnimationFrame' && e.ph === 'X');
  const tid = fire[0]?.tid;
  const main = events.filter((e) => e.tid === tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts);
  const cpu = [], wall = [], rafCpu = [], micro = [];
  for (let i = 0; i < main.length; i++) {
    const e = main[i];
    if (e.name !== 'FireAnimationFrame') continue;
    let tdur = e.tdur ?? 0, end = e.ts + e.dur, w = e.dur; rafCpu.push(tdur / 1000);
    // microtasks that ran right after it, outside it
    for (let j = i + 1; j < main.length && main[j].ts < end + 2000; j++) {
      if (main[j].name === 'RunMicrotasks' && main[j].ts >= end) { tdur += main[j].tdur ?? 0; w += main[j].dur; end = main[j].ts + main[j].dur; }
    }
    cpu.push(tdur / 1000); wall.push(w / 1000); micro.push(tdur / 1000 - rafCpu[rafCpu.length - 1]);
  }
  // Events nested inside the frames, by name: thread time (inclusive), per frame.
  const nested = {};
  for (const e of main) {
    if (e.name !== 'FireAnimationFrame') continue;
    const end = e.ts + e.dur;
    for (const x of main) if (x !== e && x.ts >= e.ts && x.ts + x.dur <= end) nested[x.name] = (nested[x.name] ?? 0) + (x.tdur ?? 0) / 1000;
  }
  console.log('   nested per frame: ' + Object.entries(nested).sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k} ${(v / fire.length).toFixed(2)}`).join(', '));
  const style = main.filter((e) => ['UpdateLayoutTree', 'Layout', 'Paint', 'PrePaint', 'Layerize', 'UpdateLayer', 'ParseHTML'].includes(e.name)).reduce((a, e) => a + (e.tdur ?? 0), 0) / 1000;
  console.log(`${id} run${r}: ${cpu.length} frames  cpu p50 ${pct(cpu, 50).toFixed(2)} p95 ${pct(cpu, 95).toFixed(2)} mean ${(cpu.reduce((a, b) => a + b, 0) / cpu.length).toFixed(2)} | rAF cpu p50 ${pct(rafCpu, 50).toFixed(2)} p95 ${pct(rafCpu, 95).toFixed(2)} | microtasks cpu p50 ${pct(micro, 50).toFixed(2)} p95 ${pct(micro, 95).toFixed(2)} | wall p50 ${pct(wall, 50).toFixed(2)} p95 ${pct(wall, 95).toFixed(2)} | page-recorded p50 ${pct(recorded, 50).toFixed(2)} p95 ${pct(recorded, 95).toFixed(2)} | style+layout+paint ${(style / Math.max(1, cpu.length)).toFixed(2)} ms/frame`);
}
await browser.close();
await server.close();
