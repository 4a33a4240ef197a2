// Sizes of the built app: every file in dist/ raw, gzip (level 9) and brotli (quality 11), plus what a page load
// fetches — with per-page bundles, the shared files and one bundle, per page and the largest; the images under
// public/ that only link previews and installed icons use (og.png, icon-*.png) are listed but not counted.
// Used by `cargo xtask bench` and every release build.
// Usage: node tests/bench/sizes.mjs [dist-dir]   (machine-readable lines start with `RESULT `)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? 'dist';

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const rows = files(dist).map((path) => {
  const data = readFileSync(path);
  return {
    name: relative(dist, path),
    raw: data.length,
    gz: gzipSync(data, { level: 9 }).length,
    br: brotliCompressSync(data, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length },
    }).length,
  };
});

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const sum = (list) => list.reduce((a, r) => ({ raw: a.raw + r.raw, gz: a.gz + r.gz, br: a.br + r.br }), { raw: 0, gz: 0, br: 0 });
const line = (name, r) => console.log(`  ${name.padEnd(44)} ${kb(r.raw).padStart(11)} ${kb(r.gz).padStart(11)} ${kb(r.br).padStart(11)}`);

console.log(`  ${'file'.padEnd(44)} ${'raw'.padStart(11)} ${'gzip'.padStart(11)} ${'brotli'.padStart(11)}`);
for (const r of rows.sort((a, b) => b.raw - a.raw)) line(r.name, r);
const notLoaded = (r) => /^public\/.*\.png$/.test(r.name.replaceAll('\\', '/'));

// With per-page bundles (`cargo xtask dist` writes their map into index.html), a page load fetches the shared
// files (html, css, icons, manifest) and one bundle's .js and .wasm: the figure that counts is the largest page
// a reader can open. `all` runs every scene for the bench page only and is listed apart.
const html = rows.find((r) => r.name === 'index.html') ? readFileSync(join(dist, 'index.html'), 'utf8') : '';
const map = html.match(/<script type="application\/json" id="faultline-bundles">(.*?)<\/script>/s);
const code = (r) => r.name.endsWith('.wasm') || r.name.endsWith('.js');
let wasm;
let js;
let total;
if (map) {
  const bundles = JSON.parse(map[1]);
  const pages = [['home', bundles.home], ...Object.entries(bundles.scenes).map(([id, b]) => [`scene ${id}`, b]), ['all (bench page)', bundles.all]];
  const shared = sum(rows.filter((r) => !code(r) && !notLoaded(r)));
  const file = (p) => rows.find((r) => r.name === p.replace(/^\.\//, ''));
  console.log('  per page load (shared files + its bundle):');
  let largest = null;
  for (const [name, b] of pages) {
    const w = file(b.wasm);
    const j = file(b.js);
    const t = sum([shared, w, j]);
    line(`= page: ${name}`, t);
    console.log(`RESULT page_br_bytes.${name.split(' ')[name.startsWith('scene') ? 1 : 0]}=${t.br}`);
    if (!name.startsWith('all') && (largest === null || t.br > largest.t.br)) largest = { name, w, j, t };
  }
  ({ w: wasm, j: js, t: total } = largest);
  line(`= largest page load (${largest.name})`, total);
} else {
  wasm = sum(rows.filter((r) => r.name.endsWith('.wasm')));
  js = sum(rows.filter((r) => r.name.endsWith('.js')));
  total = sum(rows.filter((r) => !notLoaded(r)));
  line('= wasm', wasm);
  line('= js', js);
  line('= whole app (what a page load fetches)', total);
}

for (const [key, r] of [['wasm', wasm], ['js', js], ['total', total]]) {
  console.log(`RESULT ${key}_raw_bytes=${r.raw}`);
  console.log(`RESULT ${key}_gzip_bytes=${r.gz}`);
  console.log(`RESULT ${key}_br_bytes=${r.br}`);
}
