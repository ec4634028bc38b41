import type { Env } from '@pbshop/config';
import type { ProcessorSet, WorkerDeps } from '@pbshop/queues';
import { PermanentFailure, ResilienceRegistry } from '@pbshop/resilience';

const MAX_PAGE_BYTES = 5 * 1024 * 1024;
export const crawlerUserAgent = 'PBShopBot/0.1 (+https://github.com/pbshop; price comparison)';

export interface FetchedPage {
  url: string;
  status: number;
  contentType: string | null;
  bytes: number;
  body: string;
}

/** Reads a response body up to a byte limit, so a hostile site cannot exhaust memory. */
async function readLimited(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      throw new PermanentFailure(`page larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Fetches a seller page under the seller host's `crawler:<host>` breaker, with a timeout per
 * attempt; 5xx and 429 count as failures (retried, and they open the breaker), 4xx does not.
 */
export async function fetchSellerPage(
  resilience: ResilienceRegistry,
  url: string,
  signal: AbortSignal,
): Promise<FetchedPage> {
  const host = new URL(url).host;
  return resilience.execute(
    `crawler:${host}`,
    async (attemptSignal) => {
      const response = await fetch(url, {
        signal: attemptSignal,
        redirect: 'follow',
        headers: {
          'user-agent': crawlerUserAgent,
          accept: 'text/html,application/xhtml+xml,application/json',
        },
      });
      if (response.status >= 500 || response.status === 429) {
        await response.body?.cancel();
        throw new Error(`${host} answered ${response.status}`);
      }
      const body = await readLimited(response, MAX_PAGE_BYTES);
      return {
        url: response.url,
        status: response.status,
        contentType: response.headers.get('content-type'),
        bytes: Buffer.byteLength(body),
        body,
      };
    },
    signal,
  );
}

export function buildCrawlerProcessors({ env, logger, redis }: WorkerDeps): ProcessorSet {
  const resilience = crawlerResilience(env, logger, redis);
  return {
    processors: [
      {
        queue: 'crawler-collect',
        concurrency: env.CRAWLER_CONCURRENCY,
        async process(payload, { signal, logger: jobLogger }) {
          const started = performance.now();
          const page = await fetchSellerPage(resilience, payload.url, signal);
          const summary = {
            url: page.url,
            status: page.status,
            contentType: page.contentType,
            bytes: page.bytes,
            ms: Math.round(performance.now() - started),
          };
          jobLogger.info(summary, 'seller page fetched');
          return summary;
        },
      },
    ],
    close: () => resilience.close(),
  };
}

function crawlerResilience(
  env: Env,
  logger: WorkerDeps['logger'],
  redis: WorkerDeps['redis'],
): ResilienceRegistry {
  return new ResilienceRegistry({
    service: 'worker-crawler',
    logger,
    redis,
    keyPrefix: env.REDIS_KEY_PREFIX,
    overrides: { crawler: { timeoutMs: env.CRAWLER_FETCH_TIMEOUT_MS } },
  });
}
