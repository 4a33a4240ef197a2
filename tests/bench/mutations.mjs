// Profiling aid: which parts of the page are rebuilt while a scene plays (bench_frames=1): one second of
// MutationObserver records, grouped by the nearest ancestor with a data-testid / id / class.
import { launchBrowser, openPage, serveDist } from '../e2e/helpers.mjs';
const id = process.argv[2] ?? 'cap';
const server = await serveDist();
const browser = await launchBrowser();
const p = await openPage(browser, `${server.url}?scene=${encodeURIComponent(id)}&bench_frames=1`);
await p.page.waitForTimeout(2000);
const out = await p.page.evaluate(async () => {
  const where = (n) => {
    const path = [];
    for (let e = n.nodeType === 1 ? n : n.parentElement; e && path.length < 3; e = e.parentElement) {
      const t = e.getAttribute('data-testid') ?? (e.id ? '#' + e.id : null) ?? (e.classList.length ? e.tagName.toLowerCase() + '.' + e.classList[0] : null);
      if (t) path.push(t);
    }
    return path.join(' < ');
  };
  const counts = {};
  const add = (k, n = 1) => (counts[k] = (counts[k] ?? 0) + n);
  const obs = new MutationObserver((recs) => {
    for (const r of recs) {
      if (r.type === 'childList') add(`childList +${r.addedNodes.length}/-${r.removedNodes.length} @ ${where(r.target)}`, r.addedNodes.length + r.removedNodes.length);
      else if (r.type === 'attributes') add(`attr ${r.attributeName} @ ${where(r.target)}`);
      else add(`text @ ${where(r.target)}`);
    }
  });
  obs.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  const f0 = (window.__faultlineFrames ?? []).length;
  await new Promise((r) => setTimeout(r, 1000));
  obs.disconnect();
  return { frames: (window.__faultlineFrames ?? []).length - f0, counts };
});
console.log(`frames in the second: ${out.frames}`);
const g = {}; for (const [k, v] of Object.entries(out.counts)) { const kk = process.env.RAW ? k : k.replace(/^attr \S+/, "attr").replace(/node-[a-z0-9_]+/, "node-*"); g[kk] = (g[kk] ?? 0) + v; }
for (const [k, v] of Object.entries(g).sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(String(v).padStart(7), k);
await p.close();
await browser.close();
await server.close();
