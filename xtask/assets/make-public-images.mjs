// Regenerates public/icon-192.png, public/icon-512.png (from public/favicon.svg) and public/og.png, the
// 1200×630 social preview: the title, one line on what Faultline is, and a real stage from the release build
// (the circuit breaker open while its dependency is down). Run after `cargo xtask dist`:
//   node xtask/assets/make-public-images.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, openPage, serveDist, REPO_ROOT } from '../../tests/e2e/helpers.mjs';

const pub = join(REPO_ROOT, 'public');
const server = await serveDist();
const browser = await launchBrowser();
try {
  const svg = readFileSync(join(pub, 'favicon.svg'), 'utf8');
  for (const size of [192, 512]) {
    const p = await openPage(browser, undefined, { viewport: { width: size, height: size } });
    await p.page.setContent(`<style>html,body{margin:0;background:transparent}</style>${svg.replace('<svg ', `<svg width="${size}" height="${size}" `)}`);
    writeFileSync(join(pub, `icon-${size}.png`), await p.page.screenshot({ omitBackground: true }));
    await p.close();
  }
  const app = await openPage(browser, `${server.url}?scene=circuit-breaker&preset=dependency-down&t=8`, { viewport: { width: 1100, height: 700 } });
  await app.page.getByTestId('stage').waitFor();
  await app.page.waitForTimeout(800);
  const stage = (await app.page.locator('.stage-col').first().screenshot()).toString('base64');
  await app.close();
  const og = await openPage(browser, undefined, { viewport: { width: 1200, height: 630 } });
  await og.page.setContent(`<!DOCTYPE html><html><body style="margin:0;width:1200px;height:630px;background:#f7f7f5;
    font-family:system-ui,'DejaVu Sans',sans-serif;color:#1b1f24;display:flex;flex-direction:column;overflow:hidden">
    <div style="display:flex;align-items:center;gap:22px;padding:38px 56px 10px">
      ${svg.replace('<svg ', '<svg width="76" height="76" ')}
      <div><div style="font-size:60px;font-weight:800;letter-spacing:-1px">Faultline</div>
      <div style="font-size:27px;color:#3d4450">Break a backend on purpose. Watch it fail, recover, and why.</div></div>
    </div>
    <div style="font-size:21px;color:#5d6570;padding:0 56px 14px">Circuit breakers · cache stampedes · sagas · sharding · CAP — simulated, deterministic, shareable</div>
    <div style="margin:0 56px;background:#fff;border:1px solid #dde0e4;border-radius:16px;padding:10px;flex:1;overflow:hidden">
      <img src="data:image/png;base64,${stage}" style="width:100%;display:block"></div>
    <div style="height:26px"></div></body></html>`);
  writeFileSync(join(pub, 'og.png'), await og.page.screenshot());
  await og.close();
  console.log('wrote public/icon-192.png, public/icon-512.png, public/og.png');
} finally {
  await browser.close();
  await server.close();
}
