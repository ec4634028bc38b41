import { sleepUnlessAborted } from '@pbshop/config';
import type { ResilienceRegistry } from '@pbshop/resilience';
import { PermanentFailure } from '@pbshop/resilience';
import { Agent, type Dispatcher, errors, request } from 'undici';
import { CrawlError } from './crawl-error.ts';

/** Who we are, with where to read about it: seller sites may allow, limit or block us by it. */
export const crawlerUserAgent = 'PBShopBot/0.2 (+https://github.com/pbshop; price comparison)';
/** The token robots.txt groups are matched against. */
export const crawlerProductToken = 'PBShopBot';

export interface FetchedPage {
  url: string;
  /** 304: the page did not change since the validators asked with (its body is empty) */
  status: number;
  contentType: string | null;
  bytes: number;
  body: string;
  /** the page's validators, for a conditional request next time */
  etag: string | null;
  lastModified: string | null;
}

/** Validators of a page's last answer: sent as If-None-Match / If-Modified-Since. */
export interface PageConditions {
  etag: string | null;
  lastModified: string | null;
}

export interface FetchSettings {
  timeoutMs: number;
  retries: number;
  maxBytes: number;
  /** first retry delay; doubled per attempt (Retry-After wins when longer) */
  backoffMs?: number;
  /** a Retry-After longer than this fails the page instead of holding the run */
  maxRetryAfterMs?: number;
}

/**
 * One keep-alive connection pool per origin (undici's Agent: connections are reused, one request
 * at a time on each), per page cap: the cap is enforced by undici as the body arrives, so a body
 * is read whole (no stream iteration of our own) and a larger one, declared or chunked, fails.
 */
const agents = new Map<number, Agent>();
function agentFor(maxBytes: number): Agent {
  let agent = agents.get(maxBytes);
  if (!agent) {
    agent = new Agent({ connections: 16, keepAliveTimeout: 10_000, maxResponseSize: maxBytes });
    agents.set(maxBytes, agent);
  }
  return agent;
}

/** A URL's host and origin, found by its `scheme://authority` prefix (parsed once per prefix). */
const authorities = new Map<string, { host: string; origin: string }>();
/**
 * The host and origin of a URL without parsing it again: a run asks for them several times per
 * page (robots.txt, politeness, the breaker), and a URL parse is a few µs. The prefix up to the
 * first `/`, `?` or `#` after `//` holds the whole authority, so URLs sharing it share them. An
 * invalid URL throws as `new URL` does.
 */
export function authorityOf(url: string): { host: string; origin: string } {
  const start = url.indexOf('//') + 2;
  let end = start;
  for (; end < url.length; end += 1) {
    const code = url.charCodeAt(end);
    if (code === 47 || code === 63 || code === 35) break; // / ? #
  }
  const prefix = url.slice(0, end);
  let found = authorities.get(prefix);
  if (found === undefined) {
    const parsed = new URL(url);
    found = { host: parsed.host, origin: parsed.origin };
    if (authorities.size >= 1000) authorities.clear();
    authorities.set(prefix, found);
  }
  return found;
}

/** Redirects followed per request (followed here: undici's redirect interceptor costs every request). */
const MAX_REDIRECTS = 3;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * A failed attempt, classified inside the breaker. It extends PermanentFailure so the breaker
 * counts it while the registry does not retry it: `fetchPage` retries itself, honouring Retry-After
 * and taking a politeness slot before each attempt.
 */
class AttemptFailure extends PermanentFailure {
  readonly failure: CrawlError;
  readonly retryAfterMs: number | undefined;
  constructor(failure: CrawlError, retryAfterMs?: number) {
    super(failure.message);
    this.failure = failure;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * Reads and drops a body we do not use (up to 64 KiB; a longer one closes its connection): the
 * connection is kept for the next request, and a failure of it is no one's concern.
 */
async function discard(body: Dispatcher.ResponseData['body']): Promise<void> {
  await body.dump({ limit: 64 * 1024 }).catch(() => {});
}

const requestHeaders = {
  'user-agent': crawlerUserAgent,
  accept: 'text/html,application/xhtml+xml,application/json;q=0.9,*/*;q=0.5',
  'accept-language': 'ko-KR,ko;q=0.9',
};

function conditionalHeaders({ etag, lastModified }: PageConditions): Record<string, string> {
  const headers: Record<string, string> = { ...requestHeaders };
  if (etag) headers['if-none-match'] = etag;
  if (lastModified) headers['if-modified-since'] = lastModified;
  return headers;
}

/** Retry-After as seconds or an HTTP date, in ms from now. */
export function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text) return undefined;
  if (/^\d+$/.test(text.trim())) return Number(text.trim()) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** The class of a failed fetch attempt. */
export function classify(error: unknown, resilience: ResilienceRegistry): CrawlError {
  if (error instanceof CrawlError) return error;
  if (error instanceof AttemptFailure) return error.failure;
  const message = error instanceof Error ? error.message : String(error);
  if (resilience.isOpenError(error)) return new CrawlError('CIRCUIT_OPEN', `circuit open: ${message}`);
  if (resilience.isTimeoutError(error)) return new CrawlError('TIMEOUT', 'no answer in time');
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof errors.ConnectTimeoutError
  ) {
    return new CrawlError('TIMEOUT', message);
  }
  if (error instanceof PermanentFailure) return new CrawlError('PARSE', message);
  return new CrawlError('NETWORK', message);
}

/**
 * GETs a seller page with undici (keep-alive, up to 3 redirects followed within the attempt):
 * each attempt under the host's `crawler:<host>` breaker with the policy's timeout; network errors, 5xx and 429 are retried up to `retries` times with
 * exponential backoff (a 429's or 503's Retry-After when longer; never faster on errors); a 4xx is
 * the site's answer (no retry, not a breaker failure). Each attempt runs inside `around` (the host's
 * politeness place and slot: a retry waits for its turn like any request). With `conditions`
 * the request is conditional: a 304 answers a page with status 304 and no body. Failures are
 * `CrawlError`s with their class.
 */
export async function fetchPage(
  resilience: ResilienceRegistry,
  url: string,
  settings: FetchSettings,
  signal: AbortSignal,
  around: <T>(attempt: () => Promise<T>) => Promise<T> = (attempt) => attempt(),
  conditions?: PageConditions,
): Promise<FetchedPage> {
  const { host } = authorityOf(url);
  const headers = conditions ? conditionalHeaders(conditions) : requestHeaders;
  const backoff = settings.backoffMs ?? 500;
  const maxRetryAfter = settings.maxRetryAfterMs ?? 60_000;
  // the failure of this fetch's previous attempt: when those failures open the host's breaker,
  // the page failed for their cause (the breaker only stopped the retry)
  let previous: CrawlError | undefined;
  for (let attempt = 0; ; attempt += 1) {
    try {
      // the run's signal (a shutdown) ends the attempt too, and is neither retried nor held against
      // the host's breaker
      const answer = await around(() =>
        resilience.execute(
          `crawler:${host}`,
          async (attemptSignal, attemptAbort) => {
            try {
              const get = (target: string) =>
                request(target, {
                  method: 'GET',
                  dispatcher: agentFor(settings.maxBytes),
                  signal: attemptAbort,
                  // undici's own timeouts fire just before the policy's, so a slow host is one attempt
                  headersTimeout: Math.max(50, settings.timeoutMs - 50),
                  bodyTimeout: Math.max(50, settings.timeoutMs - 50),
                  headers,
                });
              let target = url;
              let response = await get(target);
              for (let hop = 0; hop < MAX_REDIRECTS && redirectStatuses.has(response.statusCode); hop += 1) {
                const location = response.headers.location;
                const next = typeof location === 'string' ? URL.parse(location, target) : null;
                if (!next || (next.protocol !== 'http:' && next.protocol !== 'https:')) break;
                await discard(response.body);
                target = next.href;
                response = await get(target);
              }
              if (response.statusCode >= 500 || response.statusCode === 429) {
                await discard(response.body);
                throw new AttemptFailure(
                  new CrawlError(
                    response.statusCode === 429 ? 'HTTP_4XX' : 'HTTP_5XX',
                    `${host} answered ${response.statusCode}`,
                    response.statusCode,
                  ),
                  retryAfterMs(response.headers['retry-after']),
                );
              }
              if (response.statusCode >= 400) {
                await discard(response.body);
                // the site's answer about this page, not the host failing
                return { status: response.statusCode, page: null };
              }
              const header = (name: string) => {
                const value = response.headers[name];
                return (Array.isArray(value) ? value[0] : value) ?? null;
              };
              if (response.statusCode === 304) {
                // a 304 has no body (RFC 9110 §15.4.5) and undici frees the connection when the
                // message ends, not when its body is read: nothing to read (reading the empty body
                // cost ~2 µs of CPU a page, 6% of a conditional GET)
                const page: FetchedPage = {
                  url,
                  status: 304,
                  contentType: null,
                  bytes: 0,
                  body: '',
                  etag: header('etag') ?? conditions?.etag ?? null,
                  lastModified: header('last-modified') ?? conditions?.lastModified ?? null,
                };
                return { status: 304, page };
              }
              const declared = Number(response.headers['content-length'] ?? 0);
              if (declared > settings.maxBytes) {
                await discard(response.body);
                throw new AttemptFailure(
                  new CrawlError('PARSE', `page larger than ${settings.maxBytes} bytes`),
                );
              }
              const bytes = await response.body.bytes();
              const page: FetchedPage = {
                url,
                status: response.statusCode,
                contentType: header('content-type'),
                bytes: bytes.byteLength,
                body: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
                etag: header('etag'),
                lastModified: header('last-modified'),
              };
              return { status: response.statusCode, page };
            } catch (error) {
              if (error instanceof AttemptFailure || signal.aborted) throw error;
              // the policy's timeout (a body trickling in under undici's per-chunk timeout): a
              // failure the breaker counts and this loop retries, like undici's own timeouts; left
              // as it was, the registry retried it too, within the same politeness slot
              if (attemptSignal.aborted)
                throw new AttemptFailure(new CrawlError('TIMEOUT', 'no answer in time'));
              if (error instanceof errors.ResponseExceededMaxSizeError) {
                throw new AttemptFailure(
                  new CrawlError('PARSE', `page larger than ${settings.maxBytes} bytes`),
                );
              }
              throw new AttemptFailure(classify(error, resilience));
            }
          },
          signal,
        ),
      );
      if (answer.page) return answer.page;
      throw new CrawlError('HTTP_4XX', `${host} answered ${answer.status}`, answer.status);
    } catch (error) {
      if (signal.aborted) throw error;
      const failure = classify(error, resilience);
      if (failure.errorClass === 'CIRCUIT_OPEN' && previous) {
        throw new CrawlError(
          previous.errorClass,
          `${previous.message}; the retry found the host's breaker open`,
          previous.status,
        );
      }
      previous = failure;
      const retryable =
        failure.errorClass === 'NETWORK' ||
        failure.errorClass === 'TIMEOUT' ||
        failure.errorClass === 'HTTP_5XX' ||
        failure.status === 429;
      if (!retryable || attempt >= settings.retries) throw failure;
      const hinted = error instanceof AttemptFailure ? error.retryAfterMs : undefined;
      if (hinted !== undefined && hinted > maxRetryAfter) {
        throw new CrawlError(
          failure.errorClass,
          `${failure.message}; its Retry-After (${Math.round(hinted / 1000)} s) is longer than we wait`,
          failure.status,
        );
      }
      await sleepUnlessAborted(Math.max(backoff * 2 ** attempt, hinted ?? 0), signal);
    }
  }
}
