// Profiling aid: CPU profile (CDP) of a scene's frame bench page; prints self and inclusive time by function.
// FAULTLINE_DIST=/tmp/dist-prof node tests/bench/profile_scene.mjs cap [SECONDS]
import { launchBrowser, openPage, serveDist } from '../e2e/helpers.mjs';
const id = process.argv[2] ?? 'cap';
const secs = Number(process.argv[3] ?? 4);
const server = await serveDist();
const browser = await launchBrowser();
const p = await openPage(browser, `${server.url}?scene=${encodeURIComponent(id)}&bench_frames=1`);
await p.page.waitForTimeout(1500);
const cdp = await p.page.context().newCDPSession(p.page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
await cdp.send('Profiler.start');
await p.page.waitForTimeout(secs * 1000);
const { profile } = await cdp.send('Profiler.stop');
const frames = await p.page.evaluate(() => window.__faultlineFrames ?? []);
await p.close();
await browser.close();
await server.close();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const dts = profile.timeDeltas;
const selfT = new Map();
const inclT = new Map();
let total = 0;
profile.samples.forEach((sid, i) => {
  const dt = (dts[i + 1] ?? 0) / 1000;
  total += dt;
  const n = byId.get(sid);
  const name = n.callFrame.functionName || `(${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber})`;
  selfT.set(name, (selfT.get(name) ?? 0) + dt);
  const seen = new Set();
  for (let cur = sid; cur !== undefined; cur = parent.get(cur)) {
    const cf = byId.get(cur).callFrame;
    const nm = cf.functionName || `(anon ${cf.url.split('/').pop()}:${cf.lineNumber})`;
    if (seen.has(nm)) continue;
    seen.add(nm);
    inclT.set(nm, (inclT.get(nm) ?? 0) + dt);
  }
});
// Per sample: the nearest app (faultline::) frames above the leaf, and the leaf; aggregated.
const chains = new Map();
const own = (nm) => /faultline(_sim)?::/.test(nm);
profile.samples.forEach((sid, i) => {
  const dt = (dts[i + 1] ?? 0) / 1000;
  const names = [];
  for (let cur = sid; cur !== undefined; cur = parent.get(cur)) names.push(byId.get(cur).callFrame.functionName);
  const mine = names.filter(own).map((n) => n.replace(/::h[0-9a-f]{16}/, '').replace(/\{\{closure\}\}/g, 'C').replace(/^.*?(faultline)/, '$1')).slice(0, Number(process.env.DEPTH ?? 2));
  const leafKind = names[0]?.includes('set_innerHTML') ? 'innerHTML' : /tachys|reactive_graph/.test(names.slice(0,8).join(' ')) ? 'leptos' : (names[0] ?? '').slice(0, 40);
  const key = mine.reverse().join(' > ') + '  [' + leafKind + ']';
  chains.set(key, (chains.get(key) ?? 0) + dt);
});
const top = (m, k) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);
console.log(`total sampled ${total.toFixed(0)} ms over ${secs} s; frames recorded ${frames.length}`);
console.log('-- app chains');
for (const [n, t] of [...chains.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOPC ?? 40))) console.log(`${t.toFixed(1).padStart(8)} ms ${(100 * t / total).toFixed(1).padStart(5)}%  ${n.slice(0, 260)}`);
console.log('-- self');
for (const [n, t] of top(selfT, Number(process.env.TOPN ?? 40))) console.log(`${t.toFixed(1).padStart(8)} ms ${(100 * t / total).toFixed(1).padStart(5)}%  ${n.slice(0, 160)}`);
console.log('-- inclusive');
for (const [n, t] of top(inclT, Number(process.env.TOPN ?? 60))) console.log(`${t.toFixed(1).padStart(8)} ms ${(100 * t / total).toFixed(1).padStart(5)}%  ${n.slice(0, 160)}`);
// Subtrees: for nodes whose name matches FOCUS, inclusive time of descendant faultline:: names.
if (process.env.FOCUS) {
  const re = new RegExp(process.env.FOCUS);
  const selfOf = new Map();
  profile.samples.forEach((sid, i) => selfOf.set(sid, (selfOf.get(sid) ?? 0) + (dts[i + 1] ?? 0) / 1000));
  const incl = (id) => (selfOf.get(id) ?? 0) + (byId.get(id).children ?? []).reduce((a, c) => a + incl(c), 0);
  const agg = new Map();
  const walk = (id, seen) => {
    const nm = byId.get(id).callFrame.functionName.replace(/::h[0-9a-f]{16}/, '');
    if (/faultline/.test(nm) && !seen.has(nm)) {
      seen = new Set(seen).add(nm);
      agg.set(nm, (agg.get(nm) ?? 0) + incl(id));
      return; // first faultline frame below the focus only
    }
    for (const c of byId.get(id).children ?? []) walk(c, seen);
  };
  for (const n of profile.nodes) if (re.test(n.callFrame.functionName)) {
    // only outermost matches
    let outer = true;
    for (let cur = parent.get(n.id); cur !== undefined; cur = parent.get(cur)) if (re.test(byId.get(cur).callFrame.functionName)) { outer = false; break; }
    if (outer) for (const c of n.children ?? []) walk(c, new Set());
  }
  console.log(`-- first app frames under ${process.env.FOCUS}`);
  for (const [n, t] of [...agg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`${t.toFixed(1).padStart(8)} ms  ${n.slice(0, 200)}`);
}
