// Queue admin (ops contract §2.B.6, runbook §4.3) on real Redis with real BullMQ workers whose
// processors fail jobs marked to fail (helpers/queues.ts): listing, retries, deletion, pause and
// resume, the admin audit log every action is written to, and the queue UI (bull-board) with its
// bearer-or-cookie access.
import { queueNames } from '@pbshop/queues';
import { waitFor } from '@pbshop/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_UI_COOKIE, QUEUE_UI_PATH } from '../src/modules/ops/queues/ui-session.ts';
import { setupApiTest } from './helpers/api-test.ts';
import { expectError, type Method } from './helpers/http.ts';
import {
  addJob,
  clearFailed,
  jobState,
  MARKED_FAILURE,
  settledJob,
  startMarkedWorkers,
  type TestWorkers,
  untilState,
} from './helpers/queues.ts';
import type { Member } from './helpers/users.ts';

// the workers' "job failed" warnings are the point here, not news
const api = setupApiTest({ env: { LOG_LEVEL: 'error' }, members: { admin: { role: 'ADMIN' }, user: {} } });
const base = '/api/v1/admin/queues';

let workers: TestWorkers;

beforeAll(() => {
  workers = startMarkedWorkers(api.deps);
});

afterAll(async () => {
  workers?.releaseHeld();
  await workers?.close();
});

const asAdmin = (method: Method, url: string) => api.call(method, url, { headers: api.admin.authHeader });

interface AuditRow {
  actorId: number;
  action: string;
  target: string;
  requestId: string;
  result: string;
  errorCode: string | null;
  details: { request?: Record<string, unknown>; outcome?: Record<string, unknown> };
}

/** The audit row of one request, read through GET /admin/audit-log (filtered by action). */
async function auditOf(action: string, requestId: string): Promise<AuditRow> {
  const { status, body } = await asAdmin('GET', `/api/v1/admin/audit-log?action=${action}&limit=100`);
  expect(status).toBe(200);
  const row = (body.data as AuditRow[]).find((entry) => entry.requestId === requestId);
  if (!row) throw new Error(`no ${action} audit row for request ${requestId}: ${JSON.stringify(body.data)}`);
  return row;
}

describe('queue admin API', () => {
  it('lists the five supported queues', async () => {
    const { status, body } = await asAdmin('GET', `${base}/supported`);
    expect(status).toBe(200);
    expect(body.data).toEqual({ items: [...queueNames] });
  });

  it('refuses an unknown queue with 400 VALIDATION_ERROR naming the supported queues', async () => {
    for (const [method, url] of [
      ['GET', `${base}/emails/failed`],
      ['POST', `${base}/emails/failed/retry`],
      ['POST', `${base}/emails/jobs/1/retry`],
      ['DELETE', `${base}/emails/jobs/1`],
      ['POST', `${base}/emails/pause`],
      ['POST', `${base}/emails/resume`],
    ] as const) {
      const response = await asAdmin(method, url);
      expectError(response, 400, 'VALIDATION_ERROR');
      expect(JSON.stringify(response.body.error.details), `${method} ${url}`).toContain(
        queueNames.join(', '),
      );
    }
  });

  it('answers 404 NOT_FOUND for a job that does not exist, and audits the failed attempt', async () => {
    const retry = await asAdmin('POST', `${base}/activity-log/jobs/no-such-job/retry`);
    expectError(retry, 404, 'NOT_FOUND');
    const removal = await asAdmin('DELETE', `${base}/activity-log/jobs/424242`);
    expectError(removal, 404, 'NOT_FOUND');
    expect(await auditOf('queue.job.retry', retry.body.requestId)).toMatchObject({
      actorId: api.admin.user.id,
      target: 'activity-log/no-such-job',
      result: 'FAILED',
      errorCode: 'NOT_FOUND',
    });
    expect(await auditOf('queue.job.delete', removal.body.requestId)).toMatchObject({
      result: 'FAILED',
      errorCode: 'NOT_FOUND',
    });
  });

  it('counts the jobs of every queue by state, with the worker connections and live worker processes', async () => {
    await clearFailed(api.deps);
    await Promise.all(queueNames.map((queue) => settledJob(api.deps, queue, 'fail')));
    const { status, body } = await asAdmin('GET', `${base}/stats`);
    expect(status).toBe(200);
    expect(body.data.total).toBe(queueNames.length);
    expect(body.data.items.map((item: { queueName: string }) => item.queueName)).toEqual([...queueNames]);
    for (const item of body.data.items) {
      expect(item.paused).toBe(false);
      expect(item.counts).toMatchObject({ failed: 1, active: 0 });
      expect(Object.keys(item.counts).sort()).toEqual([
        'active',
        'completed',
        'delayed',
        'failed',
        'paused',
        'prioritized',
        'waiting',
        'waiting-children',
      ]);
      expect(item.workers).toBeGreaterThanOrEqual(1);
      expect(item.processes.map((process: { service: string }) => process.service)).toContain(
        'queue-admin-test',
      );
    }
  });

  it('lists the failed jobs of a queue newest first, paged, each with its reason and stack traces', async () => {
    await clearFailed(api.deps);
    // one after another, so their failure times differ
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push(await settledJob(api.deps, 'crawler-collect', 'fail'));

    const first = await asAdmin('GET', `${base}/crawler-collect/failed?page=1&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.data.items.map((job: { id: string }) => job.id)).toEqual([ids[2], ids[1]]);
    expect(first.body.data.meta).toEqual({
      totalItems: 3,
      itemCount: 2,
      itemsPerPage: 2,
      totalPages: 2,
      currentPage: 1,
    });
    expect(first.body.meta).toEqual({ page: 1, limit: 2, totalCount: 3, totalPages: 2 });
    const job = first.body.data.items[0];
    expect(job).toMatchObject({ id: ids[2], name: 'crawler-collect', attemptsMade: 1 });
    expect(job.data.requestId).toMatch(/^fail-/);
    expect(job.failedReason).toContain(MARKED_FAILURE);
    expect(job.stacktrace.length).toBeGreaterThanOrEqual(1);
    expect(job.stacktrace.length).toBeLessThanOrEqual(3);
    expect(job.stacktrace[0]).toContain(MARKED_FAILURE);
    expect(typeof job.timestamp).toBe('number');
    expect(job.finishedOn).toBeGreaterThanOrEqual(job.processedOn);

    const second = await asAdmin('GET', `${base}/crawler-collect/failed?page=2&limit=2`);
    expect(second.body.data.items.map((item: { id: string }) => item.id)).toEqual([ids[0]]);
    expect(second.body.data.meta).toMatchObject({ itemCount: 1, currentPage: 2 });

    const oldestFirst = await asAdmin('GET', `${base}/crawler-collect/failed?newestFirst=false`);
    expect(oldestFirst.body.data.items.map((item: { id: string }) => item.id)).toEqual(ids);

    for (const query of ['limit=0', 'limit=101', 'page=0', 'newestFirst=yes']) {
      expectError(await asAdmin('GET', `${base}/crawler-collect/failed?${query}`), 400, 'VALIDATION_ERROR');
    }
  });

  it('retries one failed job, which runs again; the retry is audited with who and how it ended', async () => {
    const jobId = await settledJob(api.deps, 'activity-log', 'flaky');
    const { status, body } = await asAdmin('POST', `${base}/activity-log/jobs/${jobId}/retry`);
    expect(status).toBe(200);
    expect(body.data).toEqual({ queueName: 'activity-log', jobId, retried: true });
    await untilState(api.deps, 'activity-log', jobId, 'completed');
    expect(await auditOf('queue.job.retry', body.requestId)).toMatchObject({
      actorId: api.admin.user.id,
      target: `activity-log/${jobId}`,
      result: 'SUCCEEDED',
      errorCode: null,
    });
  });

  it('refuses to retry a job that is not failed (completed, active) with 400 INVALID_STATUS_TRANSITION', async () => {
    const completed = await settledJob(api.deps, 'video-transcode', 'ok');
    const refused = await asAdmin('POST', `${base}/video-transcode/jobs/${completed}/retry`);
    expectError(refused, 400, 'INVALID_STATUS_TRANSITION');
    expect(refused.body.error.details).toMatchObject({ state: 'completed' });
    expect(await auditOf('queue.job.retry', refused.body.requestId)).toMatchObject({
      actorId: api.admin.user.id,
      result: 'FAILED',
      errorCode: 'INVALID_STATUS_TRANSITION',
    });

    const running = await addJob(api.deps, 'video-transcode', 'hold');
    await untilState(api.deps, 'video-transcode', running, 'active');
    const whileRunning = await asAdmin('POST', `${base}/video-transcode/jobs/${running}/retry`);
    expectError(whileRunning, 400, 'INVALID_STATUS_TRANSITION');
    expect(whileRunning.body.error.details).toMatchObject({ state: 'active' });
    workers.releaseHeld();
    await untilState(api.deps, 'video-transcode', running, 'completed');
  });

  it('retries failed jobs in bulk, at most `limit` (1..200, default 50), the oldest failure first', async () => {
    await clearFailed(api.deps);
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) ids.push(await settledJob(api.deps, 'video-transcode', 'flaky'));

    const { status, body } = await asAdmin('POST', `${base}/video-transcode/failed/retry?limit=2`);
    expect(status).toBe(200);
    expect(body.data).toEqual({
      queueName: 'video-transcode',
      requested: 2,
      requeuedCount: 2,
      jobIds: [ids[0], ids[1]],
    });
    await untilState(api.deps, 'video-transcode', ids[0]!, 'completed');
    await untilState(api.deps, 'video-transcode', ids[1]!, 'completed');
    expect(await jobState(api.deps, 'video-transcode', ids[2]!)).toBe('failed');
    expect(await auditOf('queue.failed.retry', body.requestId)).toMatchObject({
      actorId: api.admin.user.id,
      target: 'video-transcode',
      result: 'SUCCEEDED',
      details: { request: { limit: 2 }, outcome: { requeuedCount: 2, jobIds: [ids[0], ids[1]] } },
    });

    for (const limit of ['0', '201', 'many']) {
      expectError(
        await asAdmin('POST', `${base}/video-transcode/failed/retry?limit=${limit}`),
        400,
        'VALIDATION_ERROR',
      );
    }
    // the runbook's call, with the default limit
    const rest = await asAdmin('POST', `${base}/video-transcode/failed/retry`);
    expect(rest.body.data).toMatchObject({ requested: 50, requeuedCount: 1, jobIds: [ids[2]] });
  });

  it('deletes a job: it is gone and a second delete is 404; a running job cannot be deleted', async () => {
    const jobId = await settledJob(api.deps, 'search-index-sync', 'fail');
    const { status, body } = await asAdmin('DELETE', `${base}/search-index-sync/jobs/${jobId}`);
    expect(status).toBe(200);
    expect(body.data).toEqual({ queueName: 'search-index-sync', jobId, removed: true });
    expect(await jobState(api.deps, 'search-index-sync', jobId)).toBe('unknown');
    expectError(await asAdmin('DELETE', `${base}/search-index-sync/jobs/${jobId}`), 404, 'NOT_FOUND');
    expect(await auditOf('queue.job.delete', body.requestId)).toMatchObject({
      actorId: api.admin.user.id,
      target: `search-index-sync/${jobId}`,
      result: 'SUCCEEDED',
    });

    const running = await addJob(api.deps, 'search-index-sync', 'hold');
    await untilState(api.deps, 'search-index-sync', running, 'active');
    const refused = await asAdmin('DELETE', `${base}/search-index-sync/jobs/${running}`);
    expectError(refused, 400, 'INVALID_STATUS_TRANSITION');
    workers.releaseHeld();
    await untilState(api.deps, 'search-index-sync', running, 'completed');
  });

  it('auto-retries across the queues in their order, within perQueueLimit and maxTotal', async () => {
    await clearFailed(api.deps);
    const failures = {
      'activity-log': 3,
      'video-transcode': 2,
      'crawler-collect': 2,
      'search-index-sync': 1,
    };
    const ids = Object.fromEntries(
      await Promise.all(
        Object.entries(failures).map(async ([queue, count]) => {
          const jobIds: string[] = [];
          for (let index = 0; index < count; index++)
            jobIds.push(await settledJob(api.deps, queue as keyof typeof failures, 'flaky'));
          return [queue, jobIds] as const;
        }),
      ),
    );

    const { status, body } = await asAdmin('POST', `${base}/auto-retry?perQueueLimit=2&maxTotal=5`);
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ perQueueLimit: 2, maxTotal: 5, retriedTotal: 5 });
    expect(
      body.data.items.map((item: { queueName: string; candidateCount: number; retriedCount: number }) => [
        item.queueName,
        item.candidateCount,
        item.retriedCount,
      ]),
    ).toEqual([
      ['activity-log', 2, 2],
      ['video-transcode', 2, 2],
      ['crawler-collect', 1, 1],
      ['search-index-sync', 0, 0],
      ['push-delivery', 0, 0],
    ]);
    // the oldest failures of each queue
    expect(body.data.items[0].jobIds).toEqual(ids['activity-log']!.slice(0, 2));
    expect(body.data.items[2].jobIds).toEqual(ids['crawler-collect']!.slice(0, 1));
    expect(await jobState(api.deps, 'search-index-sync', ids['search-index-sync']![0]!)).toBe('failed');
    expect(await auditOf('queue.auto-retry', body.requestId)).toMatchObject({
      actorId: api.admin.user.id,
      target: '*',
      result: 'SUCCEEDED',
      details: { request: { perQueueLimit: 2, maxTotal: 5 }, outcome: { retriedTotal: 5 } },
    });

    // the storefront's defaults are the contract's
    const defaults = await asAdmin('POST', `${base}/auto-retry`);
    expect(defaults.body.data).toMatchObject({ perQueueLimit: 20, maxTotal: 100, retriedTotal: 3 });
    for (const query of ['perQueueLimit=0', 'perQueueLimit=201', 'maxTotal=0', 'maxTotal=501']) {
      expectError(await asAdmin('POST', `${base}/auto-retry?${query}`), 400, 'VALIDATION_ERROR');
    }
  });

  it('pauses and resumes a queue: a job added while it is paused runs once it resumes', async () => {
    const paused = await asAdmin('POST', `${base}/crawler-collect/pause`);
    expect(paused.status).toBe(200);
    expect(paused.body.data).toEqual({ queueName: 'crawler-collect', paused: true });
    const stats = await asAdmin('GET', `${base}/stats`);
    expect(
      stats.body.data.items.find((item: { queueName: string }) => item.queueName === 'crawler-collect')
        .paused,
    ).toBe(true);
    const jobId = await addJob(api.deps, 'crawler-collect', 'ok');
    expect(await jobState(api.deps, 'crawler-collect', jobId)).toBe('waiting');

    const resumed = await asAdmin('POST', `${base}/crawler-collect/resume`);
    expect(resumed.body.data).toEqual({ queueName: 'crawler-collect', paused: false });
    await untilState(api.deps, 'crawler-collect', jobId, 'completed');
    expect(await auditOf('queue.pause', paused.body.requestId)).toMatchObject({
      actorId: api.admin.user.id,
      target: 'crawler-collect',
      result: 'SUCCEEDED',
      details: { outcome: { paused: true } },
    });
    expect(await auditOf('queue.resume', resumed.body.requestId)).toMatchObject({ result: 'SUCCEEDED' });
  });

  it('is for ADMINs only: 401 anonymous, 403 USER, on every queue and audit route', async () => {
    for (const [method, url] of [
      ['GET', `${base}/supported`],
      ['GET', `${base}/stats`],
      ['GET', `${base}/activity-log/failed`],
      ['POST', `${base}/activity-log/failed/retry`],
      ['POST', `${base}/auto-retry`],
      ['POST', `${base}/activity-log/jobs/1/retry`],
      ['DELETE', `${base}/activity-log/jobs/1`],
      ['POST', `${base}/activity-log/pause`],
      ['POST', `${base}/activity-log/resume`],
      ['POST', `${QUEUE_UI_PATH.replace('/admin/queues', base)}/session`],
      ['GET', '/api/v1/admin/audit-log'],
    ] as const) {
      expectError(await api.call(method, url), 401, 'UNAUTHORIZED');
      expectError(await api.call(method, url, { headers: api.user.authHeader }), 403, 'FORBIDDEN');
    }
  });
});

describe('admin audit log', () => {
  it('lists actions newest first, paged, filtered by action, actor or result', async () => {
    const other = await api.member({ role: 'ADMIN' });
    const first = await api.call('POST', `${base}/activity-log/pause`, { headers: other.authHeader });
    const second = await api.call('POST', `${base}/activity-log/resume`, { headers: other.authHeader });
    const mine = await api.call('GET', `/api/v1/admin/audit-log?actorId=${other.user.id}`, {
      headers: api.admin.authHeader,
    });
    expect(mine.status).toBe(200);
    expect(mine.body.data.map((row: AuditRow) => [row.action, row.requestId])).toEqual([
      ['queue.resume', second.body.requestId],
      ['queue.pause', first.body.requestId],
    ]);
    expect(mine.body.meta).toEqual({ page: 1, limit: 20, totalCount: 2, totalPages: 1 });
    expect(mine.body.data[0]).toMatchObject({
      actorId: other.user.id,
      target: 'activity-log',
      result: 'SUCCEEDED',
      errorCode: null,
    });
    expect(typeof mine.body.data[0].createdAt).toBe('string');
    expect(typeof mine.body.data[0].finishedAt).toBe('string');

    const paged = await asAdmin('GET', `/api/v1/admin/audit-log?actorId=${other.user.id}&limit=1&page=2`);
    expect(paged.body.data.map((row: AuditRow) => row.action)).toEqual(['queue.pause']);

    const failed = await asAdmin('GET', '/api/v1/admin/audit-log?result=FAILED&limit=100');
    expect(failed.body.data.length).toBeGreaterThan(0);
    expect(failed.body.data.every((row: AuditRow) => row.result === 'FAILED' && row.errorCode)).toBe(true);

    const pauses = await asAdmin('GET', '/api/v1/admin/audit-log?action=queue.pause&limit=100');
    expect(pauses.body.data.every((row: AuditRow) => row.action === 'queue.pause')).toBe(true);
    for (const query of ['action=Queue%20Pause', 'actorId=abc', 'result=DONE', 'limit=101']) {
      expectError(await asAdmin('GET', `/api/v1/admin/audit-log?${query}`), 400, 'VALIDATION_ERROR');
    }
  });
});

describe('queue UI (bull-board)', () => {
  const page = QUEUE_UI_PATH;
  const asset = `${QUEUE_UI_PATH}/static/favicon-32x32.png`;
  const boardApi = `${QUEUE_UI_PATH}/api/queues`;

  const get = (url: string, headers: Record<string, string> = {}) =>
    api.app.inject({ method: 'GET', url, headers });

  async function openSession(member: Member) {
    const response = await api.app.inject({
      method: 'POST',
      url: `/api/v1${QUEUE_UI_PATH}/session`,
      headers: member.authHeader,
    });
    expect(response.statusCode).toBe(200);
    const setCookie = String(response.headers['set-cookie']);
    const token = /pbshop_queue_ui=([^;]+)/.exec(setCookie)?.[1];
    if (!token) throw new Error(`no session cookie in ${setCookie}`);
    return { response, setCookie, cookie: `${QUEUE_UI_COOKIE}=${token}`, token };
  }

  it('refuses anonymous callers with 401 and USERs with 403: the page, its assets and its API', async () => {
    for (const url of [page, `${page}/queue/activity-log`, asset, boardApi]) {
      const anonymous = await get(url);
      expect(anonymous.statusCode, url).toBe(401);
      expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
      const user = await get(url, api.user.authHeader);
      expect(user.statusCode, url).toBe(403);
      expect(user.json().error.code).toBe('FORBIDDEN');
    }
  });

  it('serves an ADMIN by bearer token: the page under its own policy, its assets, the board API', async () => {
    const html = await get(page, api.admin.authHeader);
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toContain('text/html');
    expect(html.body).toContain(`<base href="${page}/"`);
    const policy = String(html.headers['content-security-policy']);
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toContain('unsafe-eval');
    expect(html.headers['cache-control']).toContain('private');

    const icon = await get(asset, api.admin.authHeader);
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['content-type']).toBe('image/png');

    const board = await get(boardApi, api.admin.authHeader);
    expect(board.statusCode).toBe(200);
    expect(
      board
        .json()
        .queues.map((queue: { name: string }) => queue.name)
        .sort(),
    ).toEqual([...queueNames].sort());
  });

  it('serves an ADMIN by the session cookie of POST /admin/queues/ui/session: HttpOnly, SameSite, scoped to the UI', async () => {
    const session = await openSession(api.admin);
    expect(session.setCookie).toContain(`Path=${QUEUE_UI_PATH}`);
    expect(session.setCookie).toContain('HttpOnly');
    expect(session.setCookie).toContain('SameSite=Strict');
    expect(session.setCookie).toContain(`Max-Age=${api.deps.env.QUEUE_UI_SESSION_TTL_SECONDS}`);
    const { data, requestId } = session.response.json();
    expect(data.path).toBe(QUEUE_UI_PATH);
    expect(Date.parse(data.expiresAt)).toBeGreaterThan(Date.now());
    expect(await auditOf('queue.ui.session', requestId)).toMatchObject({
      actorId: api.admin.user.id,
      result: 'SUCCEEDED',
    });
    for (const url of [page, asset, boardApi]) {
      expect((await get(url, { cookie: `theme=dark; ${session.cookie}` })).statusCode, url).toBe(200);
    }
  });

  it('refuses an expired, tampered or foreign cookie, and a session used as a bearer token', async () => {
    const session = await openSession(api.admin);
    const expired = api.deps.queueUiSessions.issue(
      { id: api.admin.user.id, tokenVersion: api.admin.user.tokenVersion },
      Date.now() - (api.deps.env.QUEUE_UI_SESSION_TTL_SECONDS + 60) * 1000,
    );
    const tampered = `${session.token.slice(0, -3)}${session.token.slice(-3) === 'AAA' ? 'BBB' : 'AAA'}`;
    const [header, , signature] = session.token.split('.');
    const claims = JSON.parse(Buffer.from(session.token.split('.')[1]!, 'base64url').toString());
    const otherMember = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: String(api.user.user.id) })).toString('base64url')}.${signature}`;
    for (const [what, token, code] of [
      ['expired', expired.token, 'TOKEN_EXPIRED'],
      ['tampered signature', tampered, 'TOKEN_INVALID'],
      ['another member in the claims', otherMember, 'TOKEN_INVALID'],
      // an access token is no session: the keys differ
      ['an access token', api.admin.token, 'TOKEN_INVALID'],
      ['garbage', 'not-a-session', 'TOKEN_INVALID'],
    ] as const) {
      for (const url of [page, asset]) {
        const response = await get(url, { cookie: `${QUEUE_UI_COOKIE}=${token}` });
        expect(response.statusCode, `${what} ${url}`).toBe(401);
        expect(response.json().error.code, what).toBe(code);
      }
    }
    // and a session is no access token
    const asBearer = await api.call('GET', `${base}/supported`, {
      headers: { authorization: `Bearer ${session.token}` },
    });
    expectError(asBearer, 401, 'TOKEN_INVALID');
  });

  it("shuts a member's UI session as soon as the member is no ADMIN any more", async () => {
    const demoted = await api.member({ role: 'ADMIN' });
    const session = await openSession(demoted);
    expect((await get(page, { cookie: session.cookie })).statusCode).toBe(200);
    await api.deps.database.sql`update users set role = 'USER' where id = ${demoted.user.id}`;
    const after = await get(page, { cookie: session.cookie });
    expect(after.statusCode).toBe(403);
  });

  it("refuses a cookie's change from another origin; the board's changes are audited; its refusals are envelopes", async () => {
    const session = await openSession(api.admin);
    const pause = (origin?: string) =>
      api.app.inject({
        method: 'PUT',
        url: `${QUEUE_UI_PATH}/api/queues/activity-log/pause`,
        headers: { cookie: session.cookie, ...(origin ? { origin } : {}) },
      });
    for (const origin of ['https://evil.example', undefined]) {
      const refused = await pause(origin);
      expect(refused.statusCode, String(origin)).toBe(403);
      expect(refused.json().error.code).toBe('FORBIDDEN');
    }
    expect(await api.deps.producers.queues['activity-log'].isPaused()).toBe(false);

    const paused = await pause('http://localhost');
    expect(paused.statusCode).toBe(200);
    expect(await api.deps.producers.queues['activity-log'].isPaused()).toBe(true);
    const requestId = String(paused.headers['x-request-id']);
    // bull-board sends its answer from inside the handler, so the audit row's outcome is written
    // just after the response
    await waitFor(
      'the pause audit row to be finished',
      async () => (await auditOf('queue.ui.pause', requestId)).result !== 'PENDING',
    );
    expect(await auditOf('queue.ui.pause', requestId)).toMatchObject({
      actorId: api.admin.user.id,
      target: 'activity-log',
      result: 'SUCCEEDED',
    });
    await asAdmin('POST', `${base}/activity-log/resume`);

    // what the trail keeps of a request is bounded and storable whatever was sent (NUL, lone surrogates)
    const hostile = await api.app.inject({
      method: 'PUT',
      url: `${QUEUE_UI_PATH}/api/queues/activity-log/resume?note=a%00b&odd=%ED%A0%80&${'k'.repeat(3000)}=1`,
      headers: api.admin.authHeader,
    });
    expect(hostile.statusCode).toBe(200);
    const kept = await auditOf('queue.ui.resume', String(hostile.headers['x-request-id']));
    expect(kept.details.request?.query).toMatchObject({ note: 'a\ufffdb' });

    // bull-board's own refusals come as our failure envelope, and are audited as failures
    const missing = await get(`${QUEUE_UI_PATH}/api/queues/activity-log/no-such-job`, api.admin.authHeader);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ success: false, error: { code: 'NOT_FOUND' } });
    const retryMissing = await api.app.inject({
      method: 'PUT',
      url: `${QUEUE_UI_PATH}/api/queues/activity-log/no-such-job/retry`,
      headers: api.admin.authHeader,
    });
    expect(retryMissing.statusCode).toBe(404);
    expect(await auditOf('queue.ui.job.retry', String(retryMissing.headers['x-request-id']))).toMatchObject({
      target: 'activity-log/no-such-job',
      result: 'FAILED',
      errorCode: 'NOT_FOUND',
    });
    await waitFor(
      'the board answers again',
      async () => (await get(boardApi, api.admin.authHeader)).statusCode === 200,
    );
  });
});
