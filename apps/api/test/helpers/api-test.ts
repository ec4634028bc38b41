// The set-up of an API test file, in one call at its top: its own test context (database, Redis
// prefix, index prefix), the app on real dependencies, the members it asks for, and the afterAll
// that closes the app and cleans the context up.
import { createTestContext, type TestContext } from '@pbshop/testing';
import { afterAll, beforeAll } from 'vitest';
import type { App } from '../../src/app.ts';
import type { ApiDeps } from '../../src/deps.ts';
import { caller } from './http.ts';
import { buildTestApp, createMember, type Member, type MemberOptions } from './users.ts';

type Env = Record<string, string>;

export interface ApiTestOptions<Members extends Record<string, MemberOptions>> {
  /**
   * Runs in beforeAll once the context exists, before the app is built: starts what the app or the
   * test needs up first (a proxy, a worker).
   */
  beforeApp?: (ctx: TestContext) => unknown;
  /** the app's env overrides (rate limits are raised unless these set them); a function is read after beforeApp */
  env?: Env | ((ctx: TestContext) => Env);
  /** Runs in afterAll once the app is closed, before the context is cleaned up: stops what beforeApp started. */
  afterApp?: () => unknown;
  /** members created in beforeAll, one after another in this order, each under its name */
  members?: Members;
}

export type ApiTest<Members extends Record<string, MemberOptions> = Record<never, MemberOptions>> = {
  ctx: TestContext;
  app: App;
  deps: ApiDeps;
  /** `call(method, url, options)` → `{ status, body }` against the app */
  call: ReturnType<typeof caller>;
  /** one more member with a valid access token (e-mail verified unless told) */
  member(options?: MemberOptions): Promise<Member>;
} & { [Name in keyof Members]: Member };

const reserved = new Set(['ctx', 'app', 'deps', 'call', 'member']);

/**
 * Registers the file's beforeAll and afterAll and returns the object they fill: its fields are
 * there once beforeAll has run (in the tests, and in hooks the file registers after this call,
 * which vitest runs after this beforeAll and before this afterAll).
 */
export function setupApiTest<Members extends Record<string, MemberOptions> = Record<never, MemberOptions>>(
  options: ApiTestOptions<Members> = {},
): ApiTest<Members> {
  const members: [string, MemberOptions][] = Object.entries(options.members ?? {});
  const clash = members.find(([name]) => reserved.has(name));
  if (clash) throw new Error(`setupApiTest: a member cannot be named "${clash[0]}"`);
  const api = {
    call: caller(() => api.app),
    member: (memberOptions: MemberOptions = {}) => createMember(api.deps, api.app, memberOptions),
  } as ApiTest<Members>;
  const named = api as Record<string, unknown>;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    api.ctx = await createTestContext();
    await options.beforeApp?.(api.ctx);
    const env = typeof options.env === 'function' ? options.env(api.ctx) : options.env;
    ({ app: api.app, deps: api.deps, close } = await buildTestApp(api.ctx, env));
    for (const [name, memberOptions] of members) named[name] = await api.member(memberOptions);
  });

  afterAll(async () => {
    await close?.();
    await options.afterApp?.();
    await api.ctx?.cleanup();
  });

  return api;
}
