// The link that unfurls and the tab that is recognisable: dist/ carries public/ (favicon, web app manifest,
// icons, the 1200×630 social preview), and index.html names them with relative URLs and Open Graph /
// Twitter card tags — checked on the app served from a sub-path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useApp } from './helpers.mjs';

const app = useApp();

test('favicon, manifest, icons and the link preview resolve from a sub-path', async () => {
  const p = await app.open('', { viewport: { width: 1280, height: 800 } });
  try {
    const head = await p.page.evaluate(() => ({
      icon: document.querySelector('link[rel=icon]')?.href,
      manifest: document.querySelector('link[rel=manifest]')?.href,
      og: Object.fromEntries([...document.querySelectorAll('meta[property^="og:"], meta[name^="twitter:"]')]
        .map((m) => [m.getAttribute('property') ?? m.getAttribute('name'), m.content])),
      description: document.querySelector('meta[name=description]')?.content,
    }));
    for (const k of ['og:title', 'og:description', 'og:image', 'twitter:card', 'twitter:image']) {
      assert.ok(head.og[k], `${k} present`);
    }
    assert.equal(head.og['twitter:card'], 'summary_large_image');
    assert.ok(head.description.length > 40);
    const get = (url) => p.page.request.get(new URL(url, p.page.url()).href);
    const icon = await get(head.icon);
    assert.equal(icon.status(), 200);
    assert.match(await icon.text(), /<svg/);
    const manifest = await (await get(head.manifest)).json();
    assert.equal(manifest.short_name, 'Faultline');
    for (const i of manifest.icons) {
      assert.equal((await get(new URL(i.src, head.manifest).href)).status(), 200, i.src);
    }
    const og = await (await get(head.og['og:image'])).body();
    assert.deepEqual([...og.subarray(1, 4)], [80, 78, 71], 'a PNG');
    assert.deepEqual([og.readUInt32BE(16), og.readUInt32BE(20)], [1200, 630]);
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
