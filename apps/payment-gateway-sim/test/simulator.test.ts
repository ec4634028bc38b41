// The payment gateway simulator: Toss-style confirm / cancel / lookup with Idempotency-Key, the
// behaviours the control API sets, and the process (port printed at start, SIGTERM stops it).
import { spawnProcess } from '@pbshop/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGatewaySimulator, type GatewaySimulator, type LedgerEntry } from '../src/simulator.ts';

const secretKey = 'test_sk_simulator_tests';
const authorization = `Basic ${Buffer.from(`${secretKey}:`).toString('base64')}`;
let simulator: GatewaySimulator;
let base: string;

beforeAll(async () => {
  simulator = createGatewaySimulator({ secretKey });
  base = `http://127.0.0.1:${await simulator.listen(0)}`;
});

afterEach(async () => {
  await fetch(`${base}/__control/rules`, { method: 'DELETE' });
});

afterAll(async () => {
  await simulator.close();
});

let orderSequence = 0;
const newOrder = () => `ORD-SIM-${Date.now()}-${++orderSequence}`;

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const confirm = (orderId: string, key: string, amount = 10_000, signal?: AbortSignal) =>
  call(
    'POST',
    '/v1/payments/confirm',
    { paymentKey: `pk-${orderId}`, orderId, amount },
    { 'idempotency-key': key },
    signal,
  );

async function ledgerOf(orderId: string): Promise<LedgerEntry[]> {
  const response = await fetch(`${base}/__control/ledger`);
  const { entries } = (await response.json()) as { entries: LedgerEntry[] };
  return entries.filter((entry) => entry.orderId === orderId);
}

async function rule(body: unknown) {
  const response = await fetch(`${base}/__control/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(response.status).toBe(201);
}

describe('payment gateway simulator', () => {
  it('refuses a wrong secret key with 401 UNAUTHORIZED_KEY', async () => {
    const response = await fetch(`${base}/v1/payments/orders/ORD-NONE-1`, {
      headers: { authorization: `Basic ${Buffer.from('wrong:').toString('base64')}` },
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'UNAUTHORIZED_KEY' });
  });

  it('confirms once per Idempotency-Key: a replay charges nothing, another key is ALREADY_PROCESSED_PAYMENT', async () => {
    const orderId = newOrder();
    const first = await confirm(orderId, `${orderId}-confirm`);
    expect(first).toMatchObject({ status: 200, body: { orderId, status: 'DONE', totalAmount: 10_000 } });
    const replay = await confirm(orderId, `${orderId}-confirm`);
    expect(replay).toEqual(first);
    const other = await confirm(orderId, `${orderId}-other`);
    expect(other).toMatchObject({ status: 400, body: { code: 'ALREADY_PROCESSED_PAYMENT' } });
    const changed = await confirm(orderId, `${orderId}-confirm`, 20_000);
    expect(changed.status).toBe(422);
    expect(await ledgerOf(orderId)).toHaveLength(1);
    const lookup = await call('GET', `/v1/payments/orders/${orderId}`);
    expect(lookup).toMatchObject({ status: 200, body: { paymentKey: `pk-${orderId}`, status: 'DONE' } });
  });

  it('20 concurrent confirms with one key: one charge, one answer', async () => {
    const orderId = newOrder();
    const answers = await Promise.all(Array.from({ length: 20 }, () => confirm(orderId, `${orderId}-k`)));
    expect(new Set(answers.map((answer) => JSON.stringify(answer))).size).toBe(1);
    expect(await ledgerOf(orderId)).toHaveLength(1);
  });

  it('an unknown order is 404 NOT_FOUND_PAYMENT', async () => {
    expect(await call('GET', `/v1/payments/orders/${newOrder()}`)).toMatchObject({
      status: 404,
      body: { code: 'NOT_FOUND_PAYMENT' },
    });
  });

  it('declines by rule (kept for its key), and 5xx by rule (not kept: the retry runs)', async () => {
    const declined = newOrder();
    await rule({ orderId: declined, behaviour: { kind: 'decline' } });
    const answer = await confirm(declined, `${declined}-1`);
    expect(answer).toMatchObject({ status: 403, body: { code: 'REJECT_CARD_PAYMENT' } });
    await fetch(`${base}/__control/rules`, { method: 'DELETE' });
    expect(await confirm(declined, `${declined}-1`)).toEqual(answer);
    expect(await ledgerOf(declined)).toHaveLength(0);

    const broken = newOrder();
    await rule({ orderId: broken, times: 2, behaviour: { kind: 'error', status: 503 } });
    expect((await confirm(broken, `${broken}-1`)).status).toBe(503);
    expect((await confirm(broken, `${broken}-1`)).status).toBe(503);
    expect((await confirm(broken, `${broken}-1`)).status).toBe(200);
    expect(await ledgerOf(broken)).toHaveLength(1);
  });

  it('timeout: a call whose client gave up is never processed', async () => {
    const orderId = newOrder();
    await rule({ orderId, times: 1, behaviour: { kind: 'timeout', ms: 1000 } });
    await expect(confirm(orderId, `${orderId}-1`, 10_000, AbortSignal.timeout(50))).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(await ledgerOf(orderId)).toHaveLength(0);
    expect((await call('GET', `/v1/payments/orders/${orderId}`)).status).toBe(404);
  });

  it('answer-late: the charge is recorded at once, the retry with the key gets it', async () => {
    const orderId = newOrder();
    await rule({ orderId, times: 1, behaviour: { kind: 'answer-late' } });
    await expect(confirm(orderId, `${orderId}-1`, 10_000, AbortSignal.timeout(200))).rejects.toThrow();
    expect(await ledgerOf(orderId)).toHaveLength(1);
    expect(await confirm(orderId, `${orderId}-1`)).toMatchObject({ status: 200, body: { status: 'DONE' } });
    expect(await ledgerOf(orderId)).toHaveLength(1);
  });

  it('answer-reset: the charge is recorded and the connection reset', async () => {
    const orderId = newOrder();
    await rule({ orderId, times: 1, behaviour: { kind: 'answer-reset' } });
    await expect(confirm(orderId, `${orderId}-1`)).rejects.toThrow();
    expect(await ledgerOf(orderId)).toHaveLength(1);
  });

  it('cancels once: the same key replays CANCELED, another key is ALREADY_CANCELED_PAYMENT', async () => {
    const orderId = newOrder();
    await confirm(orderId, `${orderId}-confirm`, 5000);
    const cancel = (key: string) =>
      call(
        'POST',
        `/v1/payments/pk-${orderId}/cancel`,
        { cancelReason: 'changed my mind' },
        { 'idempotency-key': key },
      );
    const answers = await Promise.all([cancel('c-1'), cancel('c-1')]);
    for (const answer of answers) {
      expect(answer).toMatchObject({ status: 200, body: { status: 'CANCELED', balanceAmount: 0 } });
    }
    expect((await cancel('c-2')).body).toMatchObject({ code: 'ALREADY_CANCELED_PAYMENT' });
    expect((await ledgerOf(orderId)).map((entry) => entry.type)).toEqual(['CHARGE', 'CANCEL']);
    expect((await call('POST', '/v1/payments/pk-unknown/cancel', { cancelReason: 'x' })).status).toBe(404);
  });

  it('refuses malformed bodies with 400 INVALID_REQUEST', async () => {
    for (const body of [
      {},
      { paymentKey: 'p', orderId: 'short', amount: 1 },
      { paymentKey: 'p', orderId: 'ORDER-123', amount: -5 },
    ]) {
      expect((await call('POST', '/v1/payments/confirm', body)).body).toMatchObject({
        code: 'INVALID_REQUEST',
      });
    }
    const raw = await fetch(`${base}/v1/payments/confirm`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(raw.status).toBe(400);
  });

  it('runs as a process: prints its port, stops on SIGTERM', async () => {
    const running = spawnProcess(new URL('../src/main.ts', import.meta.url).pathname, {
      PAYMENT_GATEWAY_SIM_PORT: '0',
      PAYMENT_GATEWAY_SECRET_KEY: secretKey,
      LOG_LEVEL: 'info',
    });
    try {
      const line = await running.waitForLog((log) => typeof log.port === 'number');
      const response = await fetch(`http://127.0.0.1:${line.port}/__control/ledger`);
      expect(await response.json()).toEqual({ entries: [] });
      const { code } = await running.stop('SIGTERM');
      expect(code).toBe(0);
    } finally {
      await running.stop('SIGKILL');
    }
  });
});
