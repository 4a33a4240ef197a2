// End-to-end tests of export and import, in headless Chromium on the release build: the run JSON equals what
// the headless runner (`faultline run`) prints for the same inputs (trace hash, metrics, counters, events);
// the series CSV, the stage SVG/PNG and the charts' SVGs parse; the link to this moment is confirmed; a run
// JSON opened from a file (or dropped) opens that run at its moment, and a file that is not a run says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { REPO_ROOT, useApp } from './helpers.mjs';

const app = useApp();
const text = (page, id) => page.getByTestId(id).textContent();

async function waitForApp(page) {
  await page.getByTestId('stage').waitFor({ state: 'visible', timeout: 20_000 });
  await page.waitForFunction(() => !document.querySelector('[data-testid=fast-forward]'), null, { timeout: 15_000 });
}

/** Clicks an export item and returns the downloads it started (name, bytes). */
async function exportItem(page, id, count = 1) {
  if (!(await page.getByTestId('export-menu').evaluate((d) => d.open))) {
    await page.getByTestId('export-menu').locator('summary').click();
  }
  const files = [];
  const done = new Promise((resolve) => {
    const on = async (d) => {
      files.push({ name: d.suggestedFilename(), bytes: readFileSync(await d.path()) });
      if (files.length === count) {
        page.off('download', on);
        resolve();
      }
    };
    page.on('download', on);
  });
  await page.getByTestId(id).click();
  await Promise.race([done, page.waitForTimeout(30_000)]);
  assert.equal(files.length, count, `${id}: ${count} download(s)`);
  return files;
}

/** `faultline run` on the inputs a run JSON names. */
function runnerReport(run) {
  const args = ['run', '-q', '-p', 'faultline-sim', '--bin', 'faultline', '--', 'run', run.scene,
    '--seed', String(run.seed), '--duration', String(run.duration_s)];
  for (const [k, v] of Object.entries(run.params)) args.push('--set', `${k}=${v}`);
  for (const f of run.faults.split(',').filter(Boolean)) args.push('--fault', f);
  return JSON.parse(execFileSync('cargo', args, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }));
}

test('the exported run JSON is what faultline run prints for the same inputs', async () => {
  const p = await app.open('?scene=circuit-breaker&preset=dependency-down&t=8.5', { viewport: { width: 1280, height: 800 } });
  try {
    await waitForApp(p.page);
    const [file] = await exportItem(p.page, 'export-json');
    assert.equal(file.name, 'faultline-circuit-breaker-seed1-t8.5.json');
    const run = JSON.parse(file.bytes.toString('utf8'));
    assert.equal(run.scene, 'circuit-breaker');
    assert.equal(run.duration_s, 8.5);
    assert.equal(run.trace_hash, await text(p.page, 'trace-hash'));
    const native = runnerReport(run);
    assert.equal(native.trace_hash, run.trace_hash, 'same trace hash');
    assert.deepEqual(native.metrics, run.metrics, 'same metrics');
    assert.deepEqual(native.counters, run.counters, 'same counters');
    assert.deepEqual(native.events, run.events, 'same events');
    assert.match(await text(p.page, 'export-status'), /Saved faultline-circuit-breaker-seed1-t8\.5\.json/);
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('CSV, stage SVG and PNG, and the charts as SVG parse; the link to this moment is confirmed', async () => {
  const p = await app.open('?scene=cache-stampede&t=6', { viewport: { width: 1280, height: 800 } });
  try {
    await waitForApp(p.page);
    const [csv] = await exportItem(p.page, 'export-csv');
    assert.match(csv.name, /^faultline-cache-stampede-seed1-t6\.csv$/);
    const rows = csv.bytes.toString('utf8').trim().split('\n').map((l) => l.split(','));
    assert.equal(rows[0][0], 't_s');
    assert.ok(rows.length >= 6, `${rows.length} rows`);
    for (const r of rows.slice(1)) {
      assert.equal(r.length, rows[0].length);
      assert.ok(r.every((c) => c === '' || Number.isFinite(Number(c))), r.join(','));
    }

    const parse = (svg) => p.page.evaluate((s) => {
      const doc = new DOMParser().parseFromString(s, 'image/svg+xml');
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        root: doc.documentElement.nodeName,
        texts: [...doc.querySelectorAll('text')].map((t) => t.textContent),
        width: Number(doc.documentElement.getAttribute('width')),
      };
    }, svg);
    const [svg] = await exportItem(p.page, 'export-svg');
    const stage = await parse(svg.bytes.toString('utf8'));
    assert.equal(stage.error, null);
    assert.equal(stage.root, 'svg');
    assert.ok(stage.width > 300, `stage ${stage.width} px wide`);
    assert.ok(stage.texts.some((t) => /Database/.test(t)), 'the stage labels are in the file');

    const [png] = await exportItem(p.page, 'export-png');
    assert.deepEqual([...png.bytes.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
    const width = png.bytes.readUInt32BE(16);
    const height = png.bytes.readUInt32BE(20);
    assert.ok(width >= 600 && height >= 200, `PNG ${width}×${height}`);

    const nCharts = await p.page.locator('figure.chart').count();
    const charts = await exportItem(p.page, 'export-charts', nCharts);
    for (const c of charts) {
      const parsed = await parse(c.bytes.toString('utf8'));
      assert.equal(parsed.error, null, c.name);
      assert.ok(parsed.texts.length > 3, `${c.name}: caption, axes and legend as text`);
    }
    assert.ok(charts.some((c) => /theory/.test(c.bytes.toString('utf8'))), 'theory lines labelled');

    await p.page.getByTestId('copy-link').click();
    await p.page.waitForFunction(() => /copied|Copy this link/.test(document.querySelector('[data-testid=export-status]')?.textContent ?? ''));
    assert.match(await text(p.page, 'export-status'), /t = 6\.00 s copied|Copy this link: .*t=6/);
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('a run JSON opened from a file opens that run at its moment; a file that is not a run says so', async () => {
  const p = await app.open('?scene=saga&seed=4&t=7', { viewport: { width: 1280, height: 800 } });
  try {
    await waitForApp(p.page);
    const hash = await text(p.page, 'trace-hash');
    const [file] = await exportItem(p.page, 'export-json');
    const q = await app.open('', { viewport: { width: 1280, height: 800 } });
    try {
      // From the home page: drop the run JSON (the page-wide drop target).
      await q.page.locator('body').waitFor();
      await q.page.evaluate(async (json) => {
        const dt = new DataTransfer();
        dt.items.add(new File([json], 'run.json', { type: 'application/json' }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      }, file.bytes.toString('utf8'));
      await waitForApp(q.page);
      assert.match(q.page.url(), /scene=saga/);
      assert.equal(await text(q.page, 'trace-hash'), hash, 'the same run at the same moment');
      assert.match(await text(q.page, 'time'), /t = 7\.00 s/);

      // From the file picker: something that is not a run.
      if (!(await q.page.getByTestId('export-menu').evaluate((d) => d.open))) {
        await q.page.getByTestId('export-menu').locator('summary').click();
      }
      await q.page.getByTestId('import-file').setInputFiles({ name: 'notes.json', mimeType: 'application/json', buffer: Buffer.from('{"todo": []}') });
      await q.page.getByText(/notes\.json: this file is not a Faultline run/).first().waitFor();
      assert.match(q.page.url(), /scene=saga/, 'the page stays where it was');
      q.assertNoErrors();
    } finally {
      await q.close();
    }
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
