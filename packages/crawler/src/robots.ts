import type { WorkerDeps } from '@pbshop/queues';
import robotsParserModule from 'robots-parser';
import { Agent, errors, request } from 'undici';
import { authorityOf, crawlerProductToken, crawlerUserAgent } from './fetch.ts';

type Redis = WorkerDeps['redis'];

// a CommonJS module whose export is the function itself
const robotsParser = robotsParserModule as unknown as typeof robotsParserModule.default;

type RobotsRule =
  | { kind: 'rules'; body: string }
  // RFC 9309 §2.3.1.3: an unavailable robots.txt (4xx) means no rules
  | { kind: 'allow-all' }
  // §2.3.1.4: an unreachable one (5xx, network) means complete disallow
  | { kind: 'disallow-all'; reason: string; cause: 'NETWORK' | 'TIMEOUT' | 'HTTP_5XX' };

export interface RobotsVerdict {
  allowed: boolean;
  /** Crawl-delay of our group, in ms (0 when none) */
  crawlDelayMs: number;
  reason?: string;
  /**
   * why robots.txt could not be read, when that is the reason (the page is not fetched, per RFC
   * 9309; the run reports the site's failure, not a rule)
   */
  unreachable?: 'NETWORK' | 'TIMEOUT' | 'HTTP_5XX';
}

const agent = new Agent({ connections: 4 });
const MAX_ROBOTS_BYTES = 500 * 1024; // RFC 9309 asks parsers to read at least 500 KiB
/** how long a process keeps a parsed robots.txt before reading Redis's copy again */
const LOCAL_MS = 10_000;

/**
 * robots.txt per RFC 9309 (robots-parser), read once per origin and kept in Redis for `cacheMs`
 * (≤ 24 h; an unreachable file only for a minute, so a recovered site is seen soon).
 */
export function robotsRules(redis: Redis, keyPrefix: string, cacheMs: number, timeoutMs: number) {
  const parsed = new Map<
    string,
    {
      until: number;
      rule: RobotsRule;
      robots: ReturnType<typeof robotsParser> | undefined;
      /** no Disallow line with a path: every URL is allowed (RFC 9309 §2.2.2), no matching needed */
      allowsAll: boolean;
      crawlDelayMs: number;
    }
  >();

  async function load(origin: string): Promise<RobotsRule> {
    const key = `${keyPrefix}:crawler:robots:${origin}`;
    const cached = await redis.get(key);
    if (cached) return JSON.parse(cached) as RobotsRule;
    let rule: RobotsRule;
    try {
      const response = await request(`${origin}/robots.txt`, {
        dispatcher: agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        headers: { 'user-agent': crawlerUserAgent },
      });
      if (response.statusCode >= 500) {
        response.body.destroy();
        rule = {
          kind: 'disallow-all',
          reason: `robots.txt answered ${response.statusCode}`,
          cause: 'HTTP_5XX',
        };
      } else if (response.statusCode >= 400) {
        response.body.destroy();
        rule = { kind: 'allow-all' };
      } else {
        const text = (await response.body.text()).slice(0, MAX_ROBOTS_BYTES);
        rule = { kind: 'rules', body: text };
      }
    } catch (error) {
      const timeout =
        error instanceof errors.HeadersTimeoutError ||
        error instanceof errors.BodyTimeoutError ||
        error instanceof errors.ConnectTimeoutError;
      rule = {
        kind: 'disallow-all',
        reason: `robots.txt unreachable: ${error instanceof Error ? error.message : String(error)}`,
        cause: timeout ? 'TIMEOUT' : 'NETWORK',
      };
    }
    const ttl = rule.kind === 'disallow-all' ? Math.min(cacheMs, 60_000) : cacheMs;
    if (ttl > 0) await redis.set(key, JSON.stringify(rule), 'PX', ttl);
    return rule;
  }

  type Held = NonNullable<ReturnType<typeof parsed.get>>;

  function verdictOf(held: Held, url: string): RobotsVerdict {
    const { rule } = held;
    if (rule.kind === 'allow-all') return { allowed: true, crawlDelayMs: 0 };
    if (rule.kind === 'disallow-all') {
      return { allowed: false, crawlDelayMs: 0, reason: rule.reason, unreachable: rule.cause };
    }
    if (held.allowsAll) return { allowed: true, crawlDelayMs: held.crawlDelayMs };
    const robots = held.robots as ReturnType<typeof robotsParser>;
    const allowed = robots.isAllowed(url, crawlerProductToken) !== false;
    return {
      allowed,
      crawlDelayMs: held.crawlDelayMs,
      ...(allowed
        ? {}
        : { reason: `robots.txt disallows ${new URL(url).pathname} for ${crawlerProductToken}` }),
    };
  }

  return {
    /**
     * The verdict from the file this process holds, without waiting: undefined when it holds none
     * for the URL's origin or it is due to be read again (then `check`). A run asks once per page.
     */
    cached(url: string): RobotsVerdict | undefined {
      const held = parsed.get(authorityOf(url).origin);
      return held && held.until >= Date.now() ? verdictOf(held, url) : undefined;
    },

    async check(url: string): Promise<RobotsVerdict> {
      const { origin } = authorityOf(url);
      // the parsed file is also kept in this process for a few seconds
      let held = parsed.get(origin);
      if (!held || held.until < Date.now()) {
        const rule = await load(origin);
        const robots = rule.kind === 'rules' ? robotsParser(`${origin}/robots.txt`, rule.body) : undefined;
        const delay = robots?.getCrawlDelay(crawlerProductToken);
        held = {
          until: Date.now() + Math.min(cacheMs, LOCAL_MS),
          rule,
          robots,
          allowsAll: rule.kind === 'rules' && !/^[\uFEFF \t]*disallow[ \t]*:[ \t]*[^\s#]/im.test(rule.body),
          crawlDelayMs: delay ? Math.min(delay, 60) * 1000 : 0,
        };
        parsed.set(origin, held);
        if (parsed.size > 1000) parsed.delete(parsed.keys().next().value as string);
      }
      return verdictOf(held, url);
    },
  };
}

export type RobotsRules = ReturnType<typeof robotsRules>;
