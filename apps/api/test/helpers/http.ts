import { expect } from 'vitest';
import type { App } from '../../src/app.ts';

export type Method = 'GET' | 'PATCH' | 'DELETE' | 'POST' | 'PUT';

export interface CallOptions {
  headers?: object;
  /** a JSON body */
  body?: unknown;
  /** a raw body, sent as it is (malformed JSON, wrong content types) */
  payload?: string;
}

/** `call(method, url, options)` → `{ status, body }` against the app a test file built in beforeAll. */
export function caller(currentApp: () => App) {
  return async (method: Method, url: string, options: CallOptions = {}) => {
    const response = await currentApp().inject({
      method,
      url,
      headers: options.headers as Record<string, string>,
      ...(options.payload !== undefined
        ? { payload: options.payload }
        : options.body === undefined
          ? {}
          : { payload: options.body as object }),
    });
    return { status: response.statusCode, body: response.json() };
  };
}

export function expectError(
  result: { status: number; body: { error?: { code: string } } },
  status: number,
  code: string,
) {
  expect({ status: result.status, code: result.body.error?.code }).toEqual({ status, code });
}

/** A well-formed id that names nothing (below the seed's id blocks, above what a test creates). */
export const missingId = 999_999_999;
