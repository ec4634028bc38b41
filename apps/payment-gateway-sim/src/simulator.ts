// A Toss-style payment gateway, in memory, for development and tests: confirm, cancel and look up
// payments over JSON with HTTP Basic auth and Idempotency-Key, plus a control API that tells it how
// to behave (approve, decline, time out, fail with 5xx, answer late after charging) and shows every
// charge and cancel it made. It is a system we do not own, so the API talks to it over HTTP only.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@pbshop/config';
import { z } from 'zod';

export const operations = ['confirm', 'cancel', 'lookup'] as const;
export type Operation = (typeof operations)[number];

/**
 * What the gateway does with a call a rule matches:
 * - `approve`: what it does without rules;
 * - `decline`: a card refusal, 4xx `{ code, message }` (REJECT_CARD_PAYMENT, 403 by default);
 * - `error`: a 5xx with nothing done;
 * - `timeout`: holds the call `ms` (forever without) before taking it; a call whose client hung
 *   up meanwhile is dropped, never processed;
 * - `answer-late` ("answers twice"): processes the call and records it at once, then holds the
 *   answer `ms` (forever without): the client times out, and its retry with the same key gets
 *   the recorded answer;
 * - `answer-reset`: processes and records the call, then resets the connection.
 */
export const behaviourSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('approve') }),
  z.object({
    kind: z.literal('decline'),
    code: z.string().min(1).max(64).default('REJECT_CARD_PAYMENT'),
    message: z.string().min(1).max(200).default('카드사에서 결제를 거절했습니다.'),
    status: z.number().int().min(400).max(499).default(403),
  }),
  z.object({ kind: z.literal('error'), status: z.number().int().min(500).max(599).default(500) }),
  z.object({ kind: z.literal('timeout'), ms: z.number().int().min(0).max(600_000).optional() }),
  z.object({ kind: z.literal('answer-late'), ms: z.number().int().min(0).max(600_000).optional() }),
  z.object({ kind: z.literal('answer-reset') }),
]);
export type Behaviour = z.infer<typeof behaviourSchema>;

/** A behaviour for the calls it matches: by order and operation (any when absent), `times` calls or all. */
export const ruleSchema = z.object({
  orderId: z.string().min(1).max(64).optional(),
  operation: z.enum(operations).optional(),
  times: z.number().int().min(1).max(1_000_000).optional(),
  behaviour: behaviourSchema,
});
export type RuleInput = z.input<typeof ruleSchema>;

export interface Rule {
  id: number;
  orderId?: string;
  operation?: Operation;
  /** calls it still applies to; null: every call */
  remaining: number | null;
  behaviour: Behaviour;
}

export interface LedgerEntry {
  seq: number;
  type: 'CHARGE' | 'CANCEL';
  paymentKey: string;
  orderId: string;
  amount: number;
  idempotencyKey: string | null;
  at: string;
}

export interface ReceivedCall {
  operation: Operation;
  orderId: string | null;
  idempotencyKey: string | null;
  at: string;
}

interface CancelRecord {
  cancelAmount: number;
  cancelReason: string;
  canceledAt: string;
  transactionKey: string;
}

export interface GatewayPayment {
  mId: string;
  version: string;
  paymentKey: string;
  orderId: string;
  status: 'DONE' | 'CANCELED';
  method: string;
  totalAmount: number;
  balanceAmount: number;
  requestedAt: string;
  approvedAt: string;
  cancels: CancelRecord[] | null;
}

interface Answer {
  status: number;
  body: unknown;
}

/** Toss's payment API version the answers follow. */
const API_VERSION = '2022-11-16';
const MAX_BODY_BYTES = 64 * 1024;

const confirmBody = z.object({
  paymentKey: z.string().min(1).max(200),
  orderId: z.string().regex(/^[A-Za-z0-9_-]{6,64}$/),
  amount: z.number().int().positive().max(1_000_000_000),
});
const cancelBody = z.object({
  cancelReason: z.string().min(1).max(200),
  cancelAmount: z.number().int().positive().optional(),
});
const idempotencyKeyPattern = /^[\x21-\x7e]{1,300}$/;

export interface GatewaySimulatorOptions {
  /** the merchant secret key clients authenticate with (HTTP Basic `secretKey:`) */
  secretKey: string;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export interface GatewaySimulator {
  server: Server;
  /** Listens on `port` (0: any free one) and resolves with the port. */
  listen(port?: number, host?: string): Promise<number>;
  /** Stops listening and drops every held call. */
  close(): Promise<void>;
  ledger(): LedgerEntry[];
  addRule(rule: RuleInput): Rule;
}

class HttpFailure extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function readBody(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpFailure(413, 'INVALID_REQUEST', 'body too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new HttpFailure(400, 'INVALID_REQUEST', 'the body is not valid JSON'));
      }
    });
    request.on('error', reject);
  });
}

function parsed<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new HttpFailure(400, 'INVALID_REQUEST', z.prettifyError(result.error).slice(0, 300));
  }
  return result.data;
}

function send(response: ServerResponse, answer: Answer) {
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify(answer.body));
}

const failure = (status: number, code: string, message: string): Answer => ({
  status,
  body: { code, message },
});

/** Sorted keys: the same JSON value compares equal whatever its key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function createGatewaySimulator(options: GatewaySimulatorOptions): GatewaySimulator {
  const expectedAuthorization = `Basic ${Buffer.from(`${options.secretKey}:`).toString('base64')}`;
  const paymentsByOrder = new Map<string, GatewayPayment>();
  const paymentsByKey = new Map<string, GatewayPayment>();
  /** answers by operation and Idempotency-Key, with the body they answered (calls run one at a time) */
  const idempotent = new Map<string, { body: string; answer: Answer }>();
  const entries: LedgerEntry[] = [];
  const calls: ReceivedCall[] = [];
  let rules: Rule[] = [];
  let nextRuleId = 1;
  /** timers of held calls, cleared on close */
  const holds = new Set<NodeJS.Timeout>();

  function addRule(input: RuleInput): Rule {
    const rule = ruleSchema.parse(input);
    const stored: Rule = {
      id: nextRuleId++,
      ...(rule.orderId === undefined ? {} : { orderId: rule.orderId }),
      ...(rule.operation === undefined ? {} : { operation: rule.operation }),
      remaining: rule.times ?? null,
      behaviour: rule.behaviour,
    };
    rules.push(stored);
    return stored;
  }

  /** The first rule for this call, used up by one. */
  function behaviourFor(operation: Operation, orderId: string | null): Behaviour {
    const rule = rules.find(
      (candidate) =>
        (candidate.operation === undefined || candidate.operation === operation) &&
        (candidate.orderId === undefined || candidate.orderId === orderId),
    );
    if (!rule) return { kind: 'approve' };
    if (rule.remaining !== null) {
      rule.remaining -= 1;
      if (rule.remaining <= 0) rules = rules.filter((candidate) => candidate !== rule);
    }
    return rule.behaviour;
  }

  function record(type: LedgerEntry['type'], payment: GatewayPayment, amount: number, key: string | null) {
    entries.push({
      seq: entries.length + 1,
      type,
      paymentKey: payment.paymentKey,
      orderId: payment.orderId,
      amount,
      idempotencyKey: key,
      at: new Date().toISOString(),
    });
  }

  function confirm(body: z.output<typeof confirmBody>, key: string | null): Answer {
    const existing = paymentsByOrder.get(body.orderId);
    if (existing) return failure(400, 'ALREADY_PROCESSED_PAYMENT', '이미 처리된 결제 입니다.');
    if (paymentsByKey.has(body.paymentKey)) {
      return failure(400, 'DUPLICATED_PAYMENT_KEY', '이미 사용된 paymentKey 입니다.');
    }
    const now = new Date().toISOString();
    const payment: GatewayPayment = {
      mId: 'pbshop_sim',
      version: API_VERSION,
      paymentKey: body.paymentKey,
      orderId: body.orderId,
      status: 'DONE',
      method: '카드',
      totalAmount: body.amount,
      balanceAmount: body.amount,
      requestedAt: now,
      approvedAt: now,
      cancels: null,
    };
    paymentsByOrder.set(body.orderId, payment);
    paymentsByKey.set(body.paymentKey, payment);
    record('CHARGE', payment, body.amount, key);
    return { status: 200, body: payment };
  }

  function cancel(paymentKey: string, body: z.output<typeof cancelBody>, key: string | null): Answer {
    const payment = paymentsByKey.get(paymentKey);
    if (!payment) return failure(404, 'NOT_FOUND_PAYMENT', '존재하지 않는 결제 정보 입니다.');
    if (payment.status === 'CANCELED') {
      return failure(400, 'ALREADY_CANCELED_PAYMENT', '이미 취소된 결제 입니다.');
    }
    const amount = body.cancelAmount ?? payment.balanceAmount;
    if (amount !== payment.balanceAmount) {
      return failure(400, 'NOT_CANCELABLE_AMOUNT', '부분 취소는 지원하지 않습니다.');
    }
    payment.status = 'CANCELED';
    payment.balanceAmount = 0;
    payment.cancels = [
      {
        cancelAmount: amount,
        cancelReason: body.cancelReason,
        canceledAt: new Date().toISOString(),
        transactionKey: randomUUID(),
      },
    ];
    record('CANCEL', payment, amount, key);
    return { status: 200, body: payment };
  }

  /** Holds for `ms` (forever without); false when the client hung up meanwhile. */
  function hold(
    request: IncomingMessage,
    response: ServerResponse,
    ms: number | undefined,
  ): Promise<boolean> {
    return new Promise((resolve) => {
      const gone = () => {
        cleanup();
        resolve(false);
      };
      const timer =
        ms === undefined
          ? undefined
          : setTimeout(() => {
              cleanup();
              resolve(!response.destroyed && !request.socket.destroyed);
            }, ms);
      if (timer) holds.add(timer);
      const cleanup = () => {
        if (timer) {
          clearTimeout(timer);
          holds.delete(timer);
        }
        response.off('close', gone);
      };
      response.once('close', gone);
    });
  }

  /**
   * One gateway call: the rule's behaviour, then the operation under its Idempotency-Key (a key
   * seen before replays its answer; a 5xx is not kept, so its retry runs again).
   */
  async function gatewayCall(
    request: IncomingMessage,
    response: ServerResponse,
    operation: 'confirm' | 'cancel',
    orderId: string | null,
    body: unknown,
    run: (key: string | null) => Answer,
  ): Promise<void> {
    const header = request.headers['idempotency-key'];
    const key = typeof header === 'string' ? header : null;
    if (header !== undefined && (key === null || !idempotencyKeyPattern.test(key))) {
      return send(response, failure(400, 'INVALID_REQUEST', 'Idempotency-Key is malformed'));
    }
    calls.push({ operation, orderId, idempotencyKey: key, at: new Date().toISOString() });
    const behaviour = behaviourFor(operation, orderId);
    if (behaviour.kind === 'timeout' && !(await hold(request, response, behaviour.ms))) return;
    if (behaviour.kind === 'error') {
      return send(response, failure(behaviour.status, 'FAILED_INTERNAL_SYSTEM_PROCESSING', '일시적인 오류'));
    }

    const slot = key === null ? undefined : `${operation}:${key}`;
    const bodyText = canonical(body);
    const seen = slot === undefined ? undefined : idempotent.get(slot);
    if (seen) {
      if (seen.body !== bodyText) {
        return send(response, failure(422, 'IDEMPOTENCY_KEY_MISMATCH', '같은 멱등키에 다른 요청입니다.'));
      }
      return send(response, seen.answer);
    }

    const answer: Answer =
      behaviour.kind === 'decline' ? failure(behaviour.status, behaviour.code, behaviour.message) : run(key);
    if (slot !== undefined) idempotent.set(slot, { body: bodyText, answer });
    if (behaviour.kind === 'answer-reset') {
      response.socket?.destroy();
      return;
    }
    if (behaviour.kind === 'answer-late' && !(await hold(request, response, behaviour.ms))) return;
    send(response, answer);
  }

  async function lookup(request: IncomingMessage, response: ServerResponse, orderId: string) {
    calls.push({ operation: 'lookup', orderId, idempotencyKey: null, at: new Date().toISOString() });
    const behaviour = behaviourFor('lookup', orderId);
    if (behaviour.kind === 'timeout' && !(await hold(request, response, behaviour.ms))) return;
    if (behaviour.kind === 'error') {
      return send(response, failure(behaviour.status, 'FAILED_INTERNAL_SYSTEM_PROCESSING', '일시적인 오류'));
    }
    const payment = paymentsByOrder.get(orderId);
    send(
      response,
      payment
        ? { status: 200, body: payment }
        : failure(404, 'NOT_FOUND_PAYMENT', '존재하지 않는 결제 정보 입니다.'),
    );
  }

  async function control(request: IncomingMessage, response: ServerResponse, path: string) {
    if (path === '/__control/ledger' && request.method === 'GET') {
      return send(response, { status: 200, body: { entries } });
    }
    if (path === '/__control/calls' && request.method === 'GET') {
      return send(response, { status: 200, body: { calls } });
    }
    if (path === '/__control/rules' && request.method === 'GET') {
      return send(response, { status: 200, body: { rules } });
    }
    if (path === '/__control/rules' && request.method === 'POST') {
      const body = await readBody(request);
      const inputs = parsed(z.union([ruleSchema, z.object({ rules: z.array(ruleSchema).max(100) })]), body);
      const added = ('rules' in inputs ? inputs.rules : [inputs]).map((rule) => addRule(rule));
      return send(response, { status: 201, body: { rules: added } });
    }
    if (path === '/__control/rules' && request.method === 'DELETE') {
      rules = [];
      return send(response, { status: 200, body: { rules } });
    }
    if (path === '/__control/reset' && request.method === 'POST') {
      rules = [];
      paymentsByOrder.clear();
      paymentsByKey.clear();
      idempotent.clear();
      entries.length = 0;
      calls.length = 0;
      return send(response, { status: 200, body: { reset: true } });
    }
    send(response, failure(404, 'NOT_FOUND', 'no such control endpoint'));
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const path = new URL(request.url ?? '/', 'http://gateway').pathname;
    if (path.startsWith('/__control/')) return control(request, response, path);
    if (request.headers.authorization !== expectedAuthorization) {
      return send(
        response,
        failure(401, 'UNAUTHORIZED_KEY', '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.'),
      );
    }
    if (path === '/v1/payments/confirm' && request.method === 'POST') {
      const body = parsed(confirmBody, await readBody(request));
      return gatewayCall(request, response, 'confirm', body.orderId, body, (key) => confirm(body, key));
    }
    const cancelMatch = /^\/v1\/payments\/([^/]{1,200})\/cancel$/.exec(path);
    if (cancelMatch && request.method === 'POST') {
      const paymentKey = decodeURIComponent(cancelMatch[1]!);
      const body = parsed(cancelBody, await readBody(request));
      const orderId = paymentsByKey.get(paymentKey)?.orderId ?? null;
      return gatewayCall(request, response, 'cancel', orderId, { paymentKey, ...body }, (key) =>
        cancel(paymentKey, body, key),
      );
    }
    const lookupMatch = /^\/v1\/payments\/orders\/([^/]{1,64})$/.exec(path);
    if (lookupMatch && request.method === 'GET') {
      return lookup(request, response, decodeURIComponent(lookupMatch[1]!));
    }
    send(response, failure(404, 'NOT_FOUND', 'no such endpoint'));
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (error instanceof HttpFailure)
        return send(response, failure(error.status, error.code, error.message));
      options.logger?.warn({ err: error }, 'simulated gateway call failed');
      send(response, failure(500, 'FAILED_INTERNAL_SYSTEM_PROCESSING', 'simulator error'));
    });
  });

  return {
    server,
    listen(port = 0, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      for (const timer of holds) clearTimeout(timer);
      holds.clear();
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
    ledger: () => entries,
    addRule,
  };
}
