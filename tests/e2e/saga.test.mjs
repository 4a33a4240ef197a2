// End-to-end test of the saga scene (issue 9) in headless Chromium, on the release build: a failure preset's
// sequence panel shows the compensations in reverse order (data hooks on each arrow: data-kind, data-from,
// data-to, data-sent, data-t in µs) while the outcome chart counts them; then the payment service is taken
// down by clicking it on the stage, a flow's payment lane stalls (nothing leaves it) and resumes once it is
// back. Axe finds no serious violation on the page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { axeViolations, useApp } from './helpers.mjs';

const app = useApp();
const VIEW = { viewport: { width: 1280, height: 720 } };

/** Virtual time in µs, from the transport's readout ("t = 12.34 s"). */
async function nowUs(page) {
  const t = await page.getByTestId('time').textContent();
  return Math.round(parseFloat(t.replace(/[^\d.]/g, '')) * 1e6);
}

/** Plays at `speed` until the readout passes `us`, then pauses. */
async function playUntil(page, us, speed = '10') {
  await page.getByTestId('speed').selectOption(speed);
  await page.getByTestId('play').click();
  await page.waitForFunction(
    (us) => {
      const t = document.querySelector('[data-testid=time]')?.textContent ?? '';
      return parseFloat(t.replace(/[^\d.]/g, '')) * 1e6 >= us;
    },
    us,
    { timeout: 15_000, polling: 50 },
  );
  await page.getByTestId('play').click();
  assert.equal(await page.getByTestId('play').getAttribute('aria-pressed'), 'false');
}

/** The arrows of the flow the sequence panel shows, in drawing order. */
function arrows(page) {
  return page.$$eval('[data-testid=sequence-panel] .seq-arrow', (els) =>
    els.map((e) => ({
      kind: e.dataset.kind,
      from: e.dataset.from,
      to: e.dataset.to,
      sent: Number(e.dataset.sent),
      t: Number(e.dataset.t),
      label: e.textContent,
    })),
  );
}

test('a failed saga is compensated in reverse, and a service taken down stalls its lane until it is back', async () => {
  const p = await app.open('?scene=saga&preset=out-of-stock-after-charging', VIEW);
  try {
    const { page } = p;
    await page.getByTestId('stage').waitFor({ timeout: 20_000 });
    const panel = page.getByTestId('sequence-panel');
    await panel.waitFor();
    assert.equal(await page.getByTestId('sequence-follow').inputValue(), 'failed', 'follows the latest failed flow');

    // Play until the followed flow has undone its last step (the order), then pause.
    await page.getByTestId('speed').selectOption('5');
    await page.getByTestId('play').click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid=sequence-panel] .seq-arrow[data-kind=compensation][data-to=Order]'),
      null,
      { timeout: 15_000, polling: 50 },
    );
    await page.getByTestId('play').click();
    assert.match(await page.getByTestId('sequence-flow').textContent(), /compensated/);
    const a = await arrows(page);
    const one = (pred, what) => {
      const found = a.filter(pred);
      assert.equal(found.length, 1, `exactly one ${what}: ${JSON.stringify(a)}`);
      return found[0];
    };
    const createOrder = one((x) => x.kind === 'forward' && x.to === 'Order', 'step to the order service');
    const charge = one((x) => x.kind === 'forward' && x.to === 'Payment', 'step to payment');
    const failure = one((x) => x.kind === 'failure' && x.from === 'Inventory', 'failure from inventory');
    const refund = one((x) => x.kind === 'compensation' && x.to === 'Payment', 'compensation at payment');
    const cancel = one((x) => x.kind === 'compensation' && x.to === 'Order', 'compensation at the order service');
    assert.ok(createOrder.t < charge.t, 'forward: order, then payment');
    assert.ok(failure.t <= refund.sent && refund.t < cancel.sent, `undone in reverse: payment, then order ${JSON.stringify(a)}`);
    assert.equal(a.filter((x) => x.kind === 'compensation' && x.to === 'Inventory').length, 0, 'the failed step is not undone');
    // The counters: compensated sagas measured on the outcome chart, and the order invariant holds.
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid=chart-outcomes] [data-testid=series-compensated_rate]')?.dataset.max) > 0,
      null,
      { timeout: 5_000 },
    );
    assert.match(await page.getByTestId('counter-compensations_out_of_order').textContent(), /: 0$/);
    assert.deepEqual(await axeViolations(page), [], 'axe on the saga page');

    // Take the payment service down by clicking it on the stage.
    const payment = page.getByTestId('node-payment');
    assert.match(await payment.getAttribute('aria-label'), /take down/i, 'the node offers the take-down action');
    await payment.click();
    await page.waitForFunction(() => / DOWN /.test(document.querySelector('[data-testid=node-payment]')?.getAttribute('aria-label')));
    const down = await nowUs(page);
    await playUntil(page, down + 2_500_000);

    // Pin a flow caught by the outage: its charge reached payment after the crash, and nothing left payment since.
    const ids = await page.$$eval('[data-testid=sequence-follow] option', (os) =>
      os.filter((o) => /in flight/.test(o.textContent)).map((o) => o.value).reverse(),
    );
    let pinned = null;
    for (const id of ids) {
      await page.getByTestId('sequence-follow').selectOption(id);
      await page.waitForFunction((id) => document.querySelector(`[data-testid=sequence-panel] [data-flow="${id}"]`), id);
      const b = await arrows(page);
      if (b.some((x) => x.to === 'Payment' && x.t >= down)) {
        assert.deepEqual(b.filter((x) => x.from === 'Payment' && x.sent >= down), [], `nothing leaves payment while it is down (flow ${id})`);
        pinned = id;
        break;
      }
    }
    assert.ok(pinned, `a flow stalled at payment among ${ids}`);

    // Bring it back: the pinned flow's payment lane answers again.
    await payment.click();
    await page.waitForFunction(() => / UP /.test(document.querySelector('[data-testid=node-payment]')?.getAttribute('aria-label')));
    const up = await nowUs(page);
    await playUntil(page, up + 1_500_000);
    assert.equal(await page.getByTestId('sequence-follow').inputValue(), pinned, 'still pinned');
    const c = await arrows(page);
    assert.ok(c.some((x) => x.from === 'Payment' && x.sent >= up), `payment answers after it is back: ${JSON.stringify(c)}`);
    assert.ok(await panel.locator('.seq-mark').count() >= 1, 'the outage is marked on the lane');
    await p.screenshot('saga-payment-back-1280x720');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});

test('a pinned flow that leaves the bounded list falls back to the latest, and the panel says so', async () => {
  const p = await app.open('?scene=saga&t=2', VIEW);
  try {
    const { page } = p;
    await page.getByTestId('stage').waitFor({ timeout: 20_000 });
    const follow = page.getByTestId('sequence-follow');
    await follow.selectOption('1');
    await page.waitForFunction(() => document.querySelector('[data-testid=sequence-panel] [data-flow="1"]'));
    await page.getByTestId('speed').selectOption('20');
    await page.getByTestId('play').click();
    await page.waitForFunction(() => document.querySelector('.seq-note')?.textContent.length > 0, null, { timeout: 15_000 });
    await page.getByTestId('play').click();
    assert.match(await page.locator('.seq-note').textContent(), /^Saga #1 .* is no longer kept: following the latest instead\.$/);
    assert.equal(await follow.inputValue(), 'latest');
    p.assertNoErrors();
  } finally {
    await p.close();
  }
});
