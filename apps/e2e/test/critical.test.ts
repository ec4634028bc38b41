// The ops runbook (docs/runbook.md §23) end to end against the platform as
// separate processes (helpers/stack.ts): each step induces the incident the runbook names, reads
// the endpoint the runbook tells an operator to read, applies the runbook's remedy and checks the
// answer an operator is told to expect. Steps run in order on one stack; names are unique per run.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort, makeTestClip, pollUntil, waitFor } from '@pbshop/testing';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Caller, caller, expectData, login, signUpMember } from './helpers/client.ts';
import { type Stack, startStack } from './helpers/stack.ts';

let stack: Stack;
let call: Caller;
let admin: string;
/** a word in every product name of this run, so searches find this run's products only */
const runTag = `e2e${randomBytes(3).toString('hex')}`;
let categoryId: number;
let sellerId: number;

const asAdmin = (method: string, path: string, body?: unknown) => call(method, path, { token: admin, body });

/** A product with one offer of `stock` units at `price`; its id. */
async function stockedProduct(name: string, price: number, stock: number): Promise<number> {
  const product = await expectData(
    asAdmin('POST', '/api/v1/products', { categoryId, name: `${name} ${runTag}` }),
    201,
  );
  await expectData(
    asAdmin('POST', `/api/v1/products/${product.id}/prices`, {
      sellerId,
      price,
      stock,
      url: `https://shop.example.com/${runTag}/${product.id}`,
    }),
    201,
  );
  return product.id;
}

const searchFor = (q: string) => call('GET', `/api/v1/search?q=${encodeURIComponent(q)}&limit=100`);
const hitIds = (body: { data: { id: number }[] }) => body.data.map((hit) => hit.id);
const gatewayControl = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${stack.gateway}/__control/${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
  return (await response.json()) as ReturnType<typeof JSON.parse>;
};

const outboxSummary = () => expectData(asAdmin('GET', '/api/v1/search/admin/index/outbox/summary'));
const opsSummary = () => expectData(asAdmin('GET', '/api/v1/admin/ops-dashboard/summary'));
/** PostgreSQL of this run, directly (not through the API's proxy): to play data-integrity damage */
let database: ReturnType<typeof postgres>;

interface RollbackSignal {
  key: string;
  firing: boolean;
  evidence: string;
}

async function rollbackSignal(key: string): Promise<RollbackSignal> {
  const summary = await opsSummary();
  return summary.rollbackSignals.find((entry: RollbackSignal) => entry.key === key);
}

/** Reads the summary until the signal's `firing` is `firing`; the last reading. */
async function signalUntil(key: string, firing: boolean, timeoutMs = 20_000): Promise<RollbackSignal> {
  const last = await pollUntil(
    () => rollbackSignal(key),
    (entry) => entry.firing === firing,
    { timeoutMs, intervalMs: 250 },
  );
  expect(last.firing, `${key}: ${last.evidence}`).toBe(firing);
  return last;
}

/** `n of total` from an error-rate signal's evidence. */
function requestCounts(signal: RollbackSignal): { failed: number; total: number } {
  const [, failed, total] = /(\d+) of (\d+) requests/.exec(signal.evidence) ?? [];
  return { failed: Number(failed), total: Number(total) };
}

async function healthWorkers() {
  return (await call('GET', '/health')).body.data.workers as { unconsumedQueues: string[] };
}

beforeAll(async () => {
  stack = await startStack();
  call = caller(() => stack.api);
  await stack.processes.get('api')!.waitForLog((line) => line.msg === 'first admin created from ADMIN_EMAIL');
  admin = await login(call, stack.admin.email, stack.admin.password);
  database = postgres(stack.ctx.database.url, { max: 1, onnotice: () => {} });
  categoryId = (await expectData(asAdmin('POST', '/api/v1/categories', { name: `E2E ${runTag}` }), 201)).id;
  sellerId = (
    await expectData(
      asAdmin('POST', '/api/v1/sellers', {
        name: `E2E shop ${runTag}`,
        url: `https://${runTag}.example.com`,
      }),
      201,
    )
  ).id;
});

afterAll(async () => {
  await database?.end();
  await stack?.close();
});

describe('§1 basic checks', () => {
  it('GET /health: every dependency up and every queue consumed by a live worker', async () => {
    const health = await expectData(call('GET', '/health'));
    expect(health.status).toBe('up');
    for (const name of ['database', 'redis', 'opensearch', 'storage', 'ffmpeg']) {
      expect(health.checks[name], name).toMatchObject({ status: 'up' });
    }
    expect(health.workers.unconsumedQueues).toEqual([]);
    expect(health.workers.instances.map((worker: { service: string }) => worker.service).sort()).toEqual([
      'api',
      'worker-crawler',
      'worker-search',
      'worker-transcode',
    ]);
  });

  it('GET /errors/codes, the index status, the outbox summary, crawler monitoring, the breakers, no rollback signal', async () => {
    const codes = await expectData(call('GET', '/api/v1/errors/codes'));
    expect(codes.items).toContainEqual(expect.objectContaining({ code: 'VALIDATION_ERROR', status: 400 }));
    expect(codes.total).toBe(codes.items.length);
    const index = await expectData(asAdmin('GET', '/api/v1/search/admin/index/status'));
    expect(index).toMatchObject({ exists: true, analyzer: 'nori', missingDocuments: 0, error: null });
    expect(index.mappingVersion).toBe(index.latestMappingVersion);
    expect(await outboxSummary()).toMatchObject({ processing: 0, failed: 0 });
    const monitoring = await expectData(asAdmin('GET', '/api/v1/crawler/admin/monitoring'));
    expect(monitoring).toMatchObject({ failedRuns: 0, jobs: [] });
    const breakers = await expectData(asAdmin('GET', '/api/v1/resilience/circuit-breakers'));
    for (const breaker of breakers.items) expect(breaker.status, breaker.name).toBe('CLOSED');
    const summary = await opsSummary();
    expect(summary).toMatchObject({ overallStatus: 'up', errors: {}, alerts: [] });
    expect(summary.rollbackSignals).toHaveLength(7);
    for (const entry of summary.rollbackSignals) expect(entry.firing, entry.evidence).toBe(false);
  });
});

describe('a purchase from cart to refund', () => {
  it('cart → order → payment (charged once at the gateway) → refund (cancelled there, stock back)', async () => {
    const productId = await stockedProduct('무선 이어폰', 89_000, 10);
    const buyer = await signUpMember(call, stack.processes.get('api')!, 'buyer');
    const address = await expectData(
      call('POST', '/api/v1/addresses', {
        token: buyer,
        body: {
          recipientName: '홍길동',
          phone: '010-1234-5678',
          zipCode: '06236',
          address: '서울 강남구 테헤란로 1',
        },
      }),
      201,
    );
    await expectData(
      call('POST', '/api/v1/cart', { token: buyer, body: { productId, sellerId, quantity: 2 } }),
      201,
    );
    const cart = await expectData(call('GET', '/api/v1/cart', { token: buyer }));
    expect(cart).toMatchObject([{ quantity: 2, available: true, stock: 10 }]);
    const order = await expectData(
      call('POST', '/api/v1/orders', {
        token: buyer,
        body: {
          addressId: address.id,
          fromCart: true,
          cartItemIds: cart.map((item: { id: number }) => item.id),
          items: [],
        },
      }),
      201,
    );
    expect(order).toMatchObject({ status: 'ORDER_PLACED', totalAmount: 178_000 });
    expect(await expectData(call('GET', '/api/v1/cart', { token: buyer }))).toEqual([]);
    const payment = await expectData(
      call('POST', '/api/v1/payments', {
        token: buyer,
        headers: { 'idempotency-key': `pay-${runTag}` },
        body: { orderId: order.id, method: 'CARD', amount: order.finalAmount },
      }),
      201,
    );
    expect(payment).toMatchObject({
      status: 'COMPLETED',
      orderStatus: 'PAYMENT_CONFIRMED',
      amount: order.finalAmount,
    });
    expect((await expectData(call('GET', `/api/v1/orders/${order.id}`, { token: buyer }))).status).toBe(
      'PAYMENT_CONFIRMED',
    );
    const refunded = await expectData(
      call('POST', `/api/v1/payments/${payment.id}/refund`, { token: buyer, body: { reason: '단순 변심' } }),
    );
    expect(refunded).toMatchObject({
      status: 'REFUNDED',
      orderStatus: 'CANCELLED',
      refundReason: '단순 변심',
    });
    const { entries } = await gatewayControl('GET', 'ledger');
    expect(
      entries
        .filter((entry: { orderId: string }) => entry.orderId === order.orderNumber)
        .map((entry: { type: string }) => entry.type),
    ).toEqual(['CHARGE', 'CANCEL']);
    // the two units are back in stock
    await expectData(
      call('POST', '/api/v1/cart', { token: buyer, body: { productId, sellerId, quantity: 1 } }),
      201,
    );
    expect(await expectData(call('GET', '/api/v1/cart', { token: buyer }))).toMatchObject([{ stock: 10 }]);
  });
});

describe('§4.2 search down → degraded → recovered, §5.1 outbox failure → requeue → searchable', () => {
  it('with OpenSearch unreachable: /health degraded, search answered from PostgreSQL, the index status says why', async () => {
    const before = await stockedProduct('게이밍 모니터', 329_000, 5);
    await waitFor(
      'the product to be searchable',
      async () => {
        const { body } = await searchFor(runTag);
        return body.meta.degraded === false && hitIds(body).includes(before);
      },
      20_000,
      200,
    );

    await stack.searchProxy.stop();
    const health = await call('GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.data.status).toBe('degraded');
    expect(health.body.data.checks.opensearch.status).toBe('down');
    // a query not asked before (answers are remembered for a while)
    const fallback = await searchFor(`게이밍 ${runTag}`);
    expect(fallback.status).toBe(200);
    expect(fallback.body.meta.degraded).toBe(true);
    expect(hitIds(fallback.body)).toContain(before);
    const status = await expectData(asAdmin('GET', '/api/v1/search/admin/index/status'));
    expect(status).toMatchObject({ exists: false, error: expect.stringMatching(/OpenSearch unavailable/) });

    // a change made meanwhile: its outbox row backs off and ends FAILED (SEARCH_OUTBOX_MAX_ATTEMPTS=2)
    const during = await stockedProduct('울트라와이드 모니터', 459_000, 5);
    const failed = await waitFor(
      'the outage rows to end FAILED',
      async () => {
        const summary = await outboxSummary();
        return summary.failed > 0 && summary.pending === 0 && summary.processing === 0 && summary;
      },
      45_000,
      200,
    );
    expect(failed.failed).toBeGreaterThanOrEqual(1);

    await stack.searchProxy.start();
    await waitFor(
      '/health up again',
      async () => (await call('GET', '/health')).body.data.status === 'up',
      20_000,
      200,
    );
    const requeued = await expectData(asAdmin('POST', '/api/v1/search/admin/index/outbox/requeue-failed'));
    expect(requeued.requeuedCount).toBe(failed.failed);
    // the worker's breaker may stay open a few seconds: the rows wait for it
    await waitFor(
      'every outbox row synced',
      async () => {
        const summary = await outboxSummary();
        return summary.failed === 0 && summary.pending === 0 && summary.processing === 0;
      },
      30_000,
      200,
    );
    const found = await waitFor(
      'the product changed during the outage to be searchable',
      async () => {
        const { body } = await searchFor(runTag);
        return body.meta.degraded === false && hitIds(body).includes(during) && body;
      },
      20_000,
      200,
    );
    expect(hitIds(found)).toContain(before);
    // its waits add up to 135 s: about 30 s on a quiet machine, past the default 60 s on a busy one
  }, 150_000);

  it('one product reindexed, then the whole index: the status shows every product indexed', async () => {
    const one = await call(
      'POST',
      `/api/v1/search/admin/index/products/${(await searchFor(runTag)).body.data[0].id}/reindex`,
      { token: admin },
    );
    expect(one.status).toBe(202);
    const full = await call('POST', '/api/v1/search/admin/index/reindex', { token: admin });
    expect(full.status).toBe(202);
    const finished = await pollUntil(
      () => expectData(asAdmin('GET', '/api/v1/search/admin/index/status')),
      (status) => status.reindex?.status !== 'QUEUED' && status.reindex?.status !== 'RUNNING',
      { timeoutMs: 40_000, intervalMs: 250 },
    );
    expect(finished.reindex?.status, JSON.stringify(finished)).toBe('COMPLETED');
    // the copied documents are counted once the new index has refreshed
    const done = await pollUntil(
      () => expectData(asAdmin('GET', '/api/v1/search/admin/index/status')),
      (status) => status.missingDocuments === 0,
      { timeoutMs: 10_000, intervalMs: 250 },
    );
    expect(done).toMatchObject({ exists: true, missingDocuments: 0, error: null });
    expect(done.documentCount).toBe(done.productCount);
  });
});

describe('§4.4 a circuit breaker stays OPEN → reset; §6 payment failures raise their rollback signal', () => {
  it('repeated gateway 5xx open the payment breaker (503, listed OPEN); after the cause is fixed a reset closes it and payments go through', async () => {
    const productId = await stockedProduct('노트북 거치대', 25_000, 20);
    const buyer = await signUpMember(call, stack.processes.get('api')!, 'breaker');
    const address = await expectData(
      call('POST', '/api/v1/addresses', {
        token: buyer,
        body: {
          recipientName: '김철수',
          phone: '010-2345-6789',
          zipCode: '06236',
          address: '서울 강남구 테헤란로 2',
        },
      }),
      201,
    );
    const placeOrder = () =>
      expectData(
        call('POST', '/api/v1/orders', {
          token: buyer,
          body: { addressId: address.id, items: [{ productId, sellerId, quantity: 1 }] },
        }),
        201,
      );
    const pay = (order: { id: number; finalAmount: number }) =>
      call('POST', '/api/v1/payments', {
        token: buyer,
        body: { orderId: order.id, method: 'CARD', amount: order.finalAmount },
      });

    await gatewayControl('POST', 'rules', {
      operation: 'confirm',
      behaviour: { kind: 'error', status: 500 },
    });
    for (let attempt = 0; attempt < 5; attempt++) {
      const failed = await pay(await placeOrder());
      expect(failed.status, JSON.stringify(failed.body)).toBe(503);
      expect(failed.body.error.code).toBe('PAYMENT_GATEWAY_UNAVAILABLE');
    }
    const waiting = await placeOrder();
    const refused = await pay(waiting);
    expect(refused.status).toBe(503);
    expect(refused.body.error.details).toEqual({ reason: 'the payment circuit breaker is open' });

    const open = await waitFor(
      'GET /resilience/circuit-breakers to list payment OPEN',
      async () => {
        const { items } = await expectData(asAdmin('GET', '/api/v1/resilience/circuit-breakers'));
        const payment = items.find((breaker: { name: string }) => breaker.name === 'payment');
        return payment?.status === 'OPEN' && payment;
      },
      10_000,
      200,
    );
    expect(open.holders).toContainEqual(expect.objectContaining({ service: 'api', status: 'OPEN' }));

    // §6: the payments the gateway failed are FAILED (or PENDING unsettled) in every minute of the window
    const paymentSignal = await signalUntil('payment_order_failures', true);
    expect(paymentSignal.evidence).toMatch(/fires when every minute has at least 1/);

    // the cause fixed (the gateway answers again), the operator resets the breaker
    await gatewayControl('DELETE', 'rules');
    const reset = await expectData(asAdmin('POST', '/api/v1/resilience/circuit-breakers/payment/reset'));
    expect(reset.message).toMatch(/reset/);
    const closed = await expectData(asAdmin('GET', '/api/v1/resilience/circuit-breakers/payment'));
    expect(closed.status).toBe('CLOSED');
    const paid = await pay(waiting);
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    expect(paid.body.data).toMatchObject({ status: 'COMPLETED', orderStatus: 'PAYMENT_CONFIRMED' });
  });
});

describe('§5.2 crawler load failures: classified → rerun → the job turned off after repeated failures', () => {
  let shopSeller: number;
  let brokenSeller: number;

  beforeAll(async () => {
    // the seller-site simulator sells the catalogue's first products: start it once they exist
    await stockedProduct('기계식 키보드', 139_000, 3);
    await stack.start('seller-sites');
    const seller = (name: string) =>
      expectData(
        asAdmin('POST', '/api/v1/sellers', {
          name: `${name} ${runTag}`,
          url: `https://${name.toLowerCase()}-${runTag}.example.com`,
        }),
        201,
      );
    shopSeller = (await seller('Crawled')).id;
    brokenSeller = (await seller('Broken')).id;
  });

  const runOf = async (runId: number) => {
    const run = await pollUntil(
      () => expectData(asAdmin('GET', `/api/v1/crawler/admin/runs/${runId}`)),
      (current) =>
        current.status !== 'QUEUED' && current.status !== 'RUNNING' && current.status !== 'PROCESSING',
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    return run;
  };
  const runJob = async (jobId: number) =>
    runOf((await expectData(asAdmin('POST', `/api/v1/crawler/admin/jobs/${jobId}/run`), 202)).id);

  it('a job over the simulated shop collects its pages; a seller trigger collects again', async () => {
    const pages = [1, 2].map((productId) => ({
      url: `${stack.sellerSites}/products/${productId}`,
      productId,
    }));
    const job = await expectData(
      asAdmin('POST', '/api/v1/crawler/admin/jobs', {
        sellerId: shopSeller,
        name: `simulated shop ${runTag}`,
        detectAnomaly: false,
        targets: pages,
      }),
      201,
    );
    const run = await runJob(job.id);
    expect(run, JSON.stringify(run)).toMatchObject({ status: 'SUCCESS', itemsFailed: 0, itemsProcessed: 2 });
    const triggered = await expectData(
      asAdmin('POST', '/api/v1/crawler/admin/triggers', { sellerId: shopSeller }),
      202,
    );
    const again = await runOf(triggered.id);
    expect(again, JSON.stringify(again)).toMatchObject({ status: 'SUCCESS', itemsFailed: 0 });
  });

  it('failed runs listed with their causes (HTTP_4XX, NETWORK), a rerun, the job turned off with the reason, fixed and back on', async () => {
    const closedPort = await freePort();
    const job = await expectData(
      asAdmin('POST', '/api/v1/crawler/admin/jobs', {
        sellerId: brokenSeller,
        name: `broken shop ${runTag}`,
        detectAnomaly: false,
        targets: [
          { url: `${stack.sellerSites}/products/999999`, productId: 1 },
          { url: `http://127.0.0.1:${closedPort}/products/1`, productId: 1 },
        ],
      }),
      201,
    );
    const first = await runJob(job.id);
    expect(first.status).toBe('FAILED');
    expect(first.itemErrors.map((error: { errorClass: string }) => error.errorClass).sort()).toEqual([
      'HTTP_4XX',
      'NETWORK',
    ]);
    const failedRuns = await expectData(
      asAdmin('GET', `/api/v1/crawler/admin/runs?status=FAILED&page=1&limit=20&sellerId=${brokenSeller}`),
    );
    expect(failedRuns.items).toEqual([expect.objectContaining({ id: first.id, status: 'FAILED' })]);
    const monitoring = await expectData(asAdmin('GET', '/api/v1/crawler/admin/monitoring'));
    expect(monitoring.last24h.failuresByErrorClass).toMatchObject({
      HTTP_4XX: expect.any(Number),
      NETWORK: expect.any(Number),
    });

    const rerun = await runJob(job.id);
    expect(rerun.status).toBe('FAILED');
    const disabled = await expectData(asAdmin('GET', `/api/v1/crawler/admin/jobs/${job.id}`));
    expect(disabled).toMatchObject({ isActive: false, consecutiveFailures: 2, status: 'DISABLED' });
    expect(disabled.disabledReason).toMatch(/2 failed runs in a row/);

    // the cause fixed (the job's pages corrected), the operator turns it back on and it collects
    const fixed = await expectData(
      asAdmin('PATCH', `/api/v1/crawler/admin/jobs/${job.id}`, {
        isActive: true,
        targets: [{ url: `${stack.sellerSites}/products/1`, productId: 1 }],
      }),
    );
    expect(fixed).toMatchObject({ isActive: true, consecutiveFailures: 0, disabledReason: null });
    const recovered = await runJob(job.id);
    expect(recovered, JSON.stringify(recovered)).toMatchObject({ status: 'SUCCESS', itemsFailed: 0 });
  });
});

describe('§5.3 transcode failure → retry (owner, queue admin); §4.3 failed jobs → retry one → bulk retry → delete', () => {
  const badFfmpeg = '/nonexistent/bin/ffmpeg';
  let owner: string;
  const shortformIds: number[] = [];
  const jobId = (shortformId: number) => `shortform-${shortformId}`;
  const transcodeStatus = (id: number) =>
    expectData(call('GET', `/api/v1/shortforms/${id}/transcode-status`));
  const transcoded = async (id: number, status: 'COMPLETED' | 'FAILED') => {
    const last = await pollUntil(
      () => transcodeStatus(id),
      (state) => state.transcodeStatus === status,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(last.transcodeStatus, JSON.stringify(last)).toBe(status);
    return last;
  };
  const failedJobs = async () =>
    (await expectData(asAdmin('GET', '/api/v1/admin/queues/video-transcode/failed?limit=100'))).items as {
      id: string;
      failedReason: string;
    }[];

  beforeAll(async () => {
    owner = await signUpMember(call, stack.processes.get('api')!, 'creator');
  });

  it('with worker-transcode down the queue shows unconsumed; a worker with a missing FFMPEG_BIN fails each job with the reason, and failed jobs fire their rollback signal', async () => {
    await stack.stop('worker-transcode');
    await waitFor('/health to name video-transcode unconsumed', async () =>
      (await healthWorkers()).unconsumedQueues.includes('video-transcode'),
    );
    const clipPath = join(stack.ctx.storageDir, 'e2e-clip.mp4');
    await makeTestClip(clipPath, 2, '360x640');
    const clip = await readFile(clipPath);
    for (let n = 1; n <= 4; n++) {
      const form = new FormData();
      form.append('title', `E2E clip ${n} ${runTag}`);
      form.append('video', new Blob([clip], { type: 'video/mp4' }), 'clip.mp4');
      const uploaded = await expectData(call('POST', '/api/v1/shortforms', { token: owner, form }), 201);
      expect(uploaded.transcodeStatus).toBe('PENDING');
      shortformIds.push(uploaded.id);
    }
    // a baseline of failed jobs older than the signal's lookback, to compare with
    await signalUntil('failed_jobs_rising', false);
    await waitFor('a failed-jobs count older than the lookback', async () =>
      /not rising/.test((await rollbackSignal('failed_jobs_rising')).evidence),
    );

    await stack.start('worker-transcode', { FFMPEG_BIN: badFfmpeg });
    const rising = await signalUntil('failed_jobs_rising', true, 60_000);
    expect(rising.evidence).toMatch(/failed jobs rose from \d+ to \d+/);
    for (const id of shortformIds) {
      expect(await transcoded(id, 'FAILED')).toMatchObject({
        transcodeError: `FFMPEG_BIN not found: ${badFfmpeg} (ENOENT)`,
        progress: 0,
      });
    }
    const failed = await pollUntil(failedJobs, (jobs) => jobs.length === 4, { timeoutMs: 10_000 });
    expect(failed.map((job) => job.id).sort()).toEqual(shortformIds.map(jobId).sort());
    for (const job of failed) expect(job.failedReason).toBe(`FFMPEG_BIN not found: ${badFfmpeg} (ENOENT)`);
  });

  it('FFmpeg back: the owner retries one, the operator retries one, deletes one and retries the rest in bulk; the signal clears', async () => {
    const [byOwner, retriedOne, deleted, inBulk] = shortformIds as [number, number, number, number];
    await stack.start('worker-transcode');

    const ownerRetry = await expectData(
      call('POST', `/api/v1/shortforms/${byOwner}/transcode/retry`, { token: owner, body: {} }),
    );
    expect(ownerRetry).toMatchObject({ success: true, queued: true });
    expect(await transcoded(byOwner, 'COMPLETED')).toMatchObject({ transcodeError: null, progress: 100 });

    await expectData(asAdmin('POST', `/api/v1/admin/queues/video-transcode/jobs/${jobId(retriedOne)}/retry`));
    expect((await transcoded(retriedOne, 'COMPLETED')).hlsUrl).toEqual(expect.any(String));

    await expectData(asAdmin('DELETE', `/api/v1/admin/queues/video-transcode/jobs/${jobId(deleted)}`));
    expect((await failedJobs()).map((job) => job.id)).toEqual([jobId(inBulk)]);

    const bulk = await expectData(
      asAdmin('POST', '/api/v1/admin/queues/video-transcode/failed/retry?limit=50'),
    );
    expect(bulk.jobIds).toEqual([jobId(inBulk)]);
    await transcoded(inBulk, 'COMPLETED');
    expect(await failedJobs()).toEqual([]);
    // the deleted job's short-form stays FAILED until its owner retries it
    expect((await transcodeStatus(deleted)).transcodeStatus).toBe('FAILED');
    await signalUntil('failed_jobs_rising', false);
  });
});

describe('§6 rollback signals raised and cleared', () => {
  it('search and price-comparison error rates: PostgreSQL and OpenSearch unreachable → 5xx → firing; back up, successes clear them', async () => {
    const productId = await stockedProduct('포터블 SSD', 119_000, 7);
    const search = `SSD ${runTag}`;
    const before = requestCounts(await rollbackSignal('search_error_rate'));
    const pricesBefore = requestCounts(await rollbackSignal('price_comparison_error_rate'));
    await Promise.all([stack.databaseProxy.stop(), stack.searchProxy.stop()]);
    try {
      // enough failures to make more than half of each signal's requests 5xx (threshold 0.5), with a margin
      for (let n = 0; n < Math.max(4, before.total - 2 * before.failed + 1) + 5; n++) {
        const answer = await call('GET', `/api/v1/search?q=${encodeURIComponent(`${search} ${n}`)}`);
        expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      }
      for (let n = 0; n < Math.max(4, pricesBefore.total - 2 * pricesBefore.failed + 1) + 5; n++) {
        expect((await call('GET', `/api/v1/products/${productId}/prices`)).status).toBe(503);
      }
    } finally {
      await Promise.all([stack.databaseProxy.start(), stack.searchProxy.start()]);
    }
    // the API's pools reconnect by themselves: reads and the ops summary are served again
    await waitFor(
      'the API to serve database reads again',
      async () =>
        (await call('GET', '/health')).body.data.status === 'up' &&
        (await call('GET', `/api/v1/products/${productId}/prices`)).status === 200 &&
        (await asAdmin('GET', '/api/v1/admin/ops-dashboard/summary')).status === 200,
      20_000,
      200,
    );
    const searchFiring = await signalUntil('search_error_rate', true);
    await signalUntil('price_comparison_error_rate', true);
    expect(searchFiring.evidence).toMatch(/most on GET \/api\/v1\/search/);

    // recovered: successes dominate again
    const now = requestCounts(searchFiring);
    for (let n = 0; n <= now.failed * 2 - now.total; n++) {
      expect((await searchFor(`${search} again ${n}`)).status).toBe(200);
    }
    const prices = requestCounts(await rollbackSignal('price_comparison_error_rate'));
    for (let n = 0; n <= prices.failed * 2 - prices.total; n++) {
      expect((await call('GET', `/api/v1/products/${productId}/prices`)).status).toBe(200);
    }
    await signalUntil('search_error_rate', false);
    await signalUntil('price_comparison_error_rate', false);
  });

  it('data integrity: a wrong lowest price and an unguarded stock column fire; repaired, they clear', async () => {
    const productId = await stockedProduct('무선 마우스', 39_000, 9);
    await database`update products set lowest_price = 1 where id = ${productId}`;
    const lowest = await signalUntil('integrity_lowest_price', true);
    expect(lowest.evidence).toContain(`product ${productId}: lowest_price 1`);
    await database`update products set lowest_price = 39000 where id = ${productId}`;
    await signalUntil('integrity_lowest_price', false);

    await database`alter table offers drop constraint offers_stock_check`;
    await database`alter table offers add constraint offers_stock_check check (stock >= 0) not valid`;
    try {
      const stock = await signalUntil('integrity_negative_stock', true);
      expect(stock.evidence).toContain('offers_stock_check');
    } finally {
      await database`alter table offers validate constraint offers_stock_check`;
    }
    await signalUntil('integrity_negative_stock', false);
  });

  it('outbox rows stuck while worker-search is down fire; the worker back, they drain and it clears', async () => {
    await stack.stop('worker-search');
    await waitFor('/health to name search-index-sync unconsumed', async () =>
      (await healthWorkers()).unconsumedQueues.includes('search-index-sync'),
    );
    const productId = await stockedProduct('USB 허브', 29_000, 4);
    const stuck = await signalUntil('integrity_outbox_stuck', true);
    expect(stuck.evidence).toMatch(/outbox rows PENDING/);
    await stack.start('worker-search');
    await signalUntil('integrity_outbox_stuck', false);
    await waitFor(
      'the product to be searchable',
      async () => {
        const { body } = await searchFor(`USB ${runTag}`);
        return body.meta.degraded === false && hitIds(body).includes(productId);
      },
      20_000,
      200,
    );
  });

  it('payment failures leave the window: every signal is clear at the end of the walk', async () => {
    // the window is one minute here (OPS_ROLLBACK_PAYMENT_WINDOW_MINUTES=1)
    await signalUntil('payment_order_failures', false, 90_000);
    const summary = await opsSummary();
    for (const entry of summary.rollbackSignals) expect(entry.firing, entry.evidence).toBe(false);
    expect((await call('GET', '/health')).body.data).toMatchObject({
      status: 'up',
      workers: { unconsumedQueues: [] },
    });
  }, 120_000);
});
