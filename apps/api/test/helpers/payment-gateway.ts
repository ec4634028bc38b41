// The payment gateway simulator (apps/payment-gateway-sim) as a real child process on an ephemeral
// port, for the API's payment tests: its env for the API, its control API (behaviour rules, the
// ledger of charges and cancels, the calls it received), and its stop.
import { randomBytes } from 'node:crypto';
import { type RunningProcess, spawnProcess } from '@pbshop/testing';

const entry = new URL('../../../payment-gateway-sim/src/main.ts', import.meta.url).pathname;

export type GatewayOperation = 'confirm' | 'cancel' | 'lookup';

/** A behaviour rule of the simulator (see apps/payment-gateway-sim/src/simulator.ts). */
export interface GatewayRule {
  orderId?: string;
  operation?: GatewayOperation;
  times?: number;
  behaviour:
    | { kind: 'approve' }
    | { kind: 'decline'; code?: string; message?: string; status?: number }
    | { kind: 'error'; status?: number }
    | { kind: 'timeout'; ms?: number }
    | { kind: 'answer-late'; ms?: number }
    | { kind: 'answer-reset' };
}

export interface GatewayLedgerEntry {
  seq: number;
  type: 'CHARGE' | 'CANCEL';
  paymentKey: string;
  orderId: string;
  amount: number;
  idempotencyKey: string | null;
  at: string;
}

export interface GatewayCall {
  operation: GatewayOperation;
  orderId: string | null;
  idempotencyKey: string | null;
  at: string;
}

export interface GatewaySimulatorProcess {
  url: string;
  /** PAYMENT_GATEWAY_URL and PAYMENT_GATEWAY_SECRET_KEY for an API that pays through it */
  env: Record<string, string>;
  process: RunningProcess;
  rule(rule: GatewayRule): Promise<void>;
  clearRules(): Promise<void>;
  /** every charge and cancel, or those of one order (by its order number) */
  ledger(orderId?: string): Promise<GatewayLedgerEntry[]>;
  /** every call it received, or those of one order */
  calls(orderId?: string): Promise<GatewayCall[]>;
  stop(): Promise<void>;
}

async function control<T>(url: string, method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Starts the simulator process and waits for the port it logs. */
export async function startGatewaySimulator(): Promise<GatewaySimulatorProcess> {
  const secretKey = `test_sk_${randomBytes(8).toString('hex')}`;
  const running = spawnProcess(entry, {
    PAYMENT_GATEWAY_SIM_PORT: '0',
    PAYMENT_GATEWAY_SECRET_KEY: secretKey,
    LOG_LEVEL: 'info',
  });
  const line = await running
    .waitForLog((log) => typeof log.port === 'number')
    .catch(async (error: unknown) => {
      await running.stop('SIGKILL');
      throw error;
    });
  const url = `http://127.0.0.1:${line.port}`;
  return {
    url,
    env: { PAYMENT_GATEWAY_URL: url, PAYMENT_GATEWAY_SECRET_KEY: secretKey },
    process: running,
    async rule(rule) {
      await control(`${url}/__control/rules`, 'POST', rule);
    },
    async clearRules() {
      await control(`${url}/__control/rules`, 'DELETE');
    },
    async ledger(orderId) {
      const { entries } = await control<{ entries: GatewayLedgerEntry[] }>(`${url}/__control/ledger`, 'GET');
      return orderId === undefined ? entries : entries.filter((entry) => entry.orderId === orderId);
    },
    async calls(orderId) {
      const { calls } = await control<{ calls: GatewayCall[] }>(`${url}/__control/calls`, 'GET');
      return orderId === undefined ? calls : calls.filter((call) => call.orderId === orderId);
    },
    async stop() {
      await running.stop('SIGTERM');
    },
  };
}
