import { AppError, type Language, languageFrom } from '@pbshop/errors';
import type {
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
  onSendHookHandler,
  RouteOptions,
} from 'fastify';
import type { z } from 'zod';
import { type Currency, isCurrency, roundFor } from './currency.ts';

/** The catalog entities whose names have translations (namespace `product` / `category`, key `<id>.name`). */
export type NamedEntity = 'product' | 'category';

export interface ResponseLocalizationDeps {
  /** the rate from KRW to `currency`; throws EXCHANGE_RATE_UNAVAILABLE (503) while there is none */
  rateFromWon(currency: Exclude<Currency, 'KRW'>): Promise<{ rate: number; updatedAt: Date; stale: boolean }>;
  /** `{ "product:12": "…", "category:3": "…" }`: the names translated into `language`, one cached lookup */
  names(language: Language, ids: Record<NamedEntity, number[]>): Promise<Record<string, string>>;
}

/**
 * A money field of a response: an integer KRW amount by name (`price`, `lowestPrice`,
 * `shippingFee`, `totalAmount`, `unitPriceAtAdd`, `budget`, `downPayment`…). Point balances are
 * points, not money.
 */
const MONEY_FIELD = /(?:^(?:price|amount|budget)|Price|Amount|Cost|Fee|Payment)(?:AtAdd)?$/;
const POINTS_FIELD = /^point/;

/** Where a response's money sits, compiled from its schema once per route. */
type MoneyWalker = 'money' | { fields: Map<string, MoneyWalker> } | { items: MoneyWalker };

interface ZodDefinition {
  type: string;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  innerType?: z.ZodType;
  out?: z.ZodType;
  options?: z.ZodType[];
  getter?: () => z.ZodType;
}

const definitionOf = (schema: unknown): ZodDefinition | undefined =>
  (schema as { _zod?: { def?: ZodDefinition } } | undefined)?._zod?.def;

/** The money fields under a response schema; undefined when it holds none. */
export function moneyWalker(schema: unknown, visiting = new Set<unknown>()): MoneyWalker | undefined {
  const definition = definitionOf(schema);
  if (!definition || visiting.has(schema)) return undefined;
  visiting.add(schema);
  try {
    switch (definition.type) {
      case 'object': {
        const fields = new Map<string, MoneyWalker>();
        for (const [name, field] of Object.entries(definition.shape ?? {})) {
          const numeric = numericLeaf(field);
          if (numeric) {
            if (MONEY_FIELD.test(name) && !POINTS_FIELD.test(name)) fields.set(name, 'money');
            continue;
          }
          const inner = moneyWalker(field, visiting);
          if (inner) fields.set(name, inner);
        }
        return fields.size > 0 ? { fields } : undefined;
      }
      case 'array': {
        const items = moneyWalker(definition.element, visiting);
        return items ? { items } : undefined;
      }
      case 'union': {
        const fields = new Map<string, MoneyWalker>();
        for (const option of definition.options ?? []) {
          const walker = moneyWalker(option, visiting);
          if (walker && typeof walker === 'object' && 'fields' in walker) {
            for (const [name, field] of walker.fields) fields.set(name, field);
          }
        }
        return fields.size > 0 ? { fields } : undefined;
      }
      case 'pipe':
        return moneyWalker(definition.out, visiting);
      case 'lazy':
        return moneyWalker(definition.getter?.(), visiting);
      default:
        return definition.innerType ? moneyWalker(definition.innerType, visiting) : undefined;
    }
  } finally {
    visiting.delete(schema);
  }
}

/** true for a number schema, however wrapped (nullable, optional, default) */
function numericLeaf(schema: unknown): boolean {
  const definition = definitionOf(schema);
  if (!definition) return false;
  if (definition.type === 'number') return true;
  return definition.innerType ? numericLeaf(definition.innerType) : false;
}

function convertMoney(value: unknown, walker: MoneyWalker, convert: (won: number) => number): unknown {
  if (walker === 'money') return typeof value === 'number' ? convert(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if ('items' in walker) {
    if (Array.isArray(value))
      for (let i = 0; i < value.length; i++) value[i] = convertMoney(value[i], walker.items, convert);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const [name, field] of walker.fields) {
    if (name in record) record[name] = convertMoney(record[name], field, convert);
  }
  return value;
}

/**
 * Where a catalog read's translatable names sit: a path from the body (`*` for every item of an
 * array), and whether the entity's `children` nest more of the same (the category tree).
 */
interface NameLocator {
  path: string[];
  entity: NamedEntity;
  nested?: boolean;
}

/** The catalog reads whose product and category names are translated (I18N: names per Accept-Language). */
const translatedReads: Record<string, NameLocator[]> = {
  '/api/v1/products': [{ path: ['data', '*'], entity: 'product' }],
  '/api/v1/products/:id': [
    { path: ['data'], entity: 'product' },
    { path: ['data', 'category'], entity: 'category' },
  ],
  '/api/v1/categories': [{ path: ['data', '*'], entity: 'category', nested: true }],
  '/api/v1/categories/:id': [
    { path: ['data'], entity: 'category' },
    { path: ['data', 'path', '*'], entity: 'category' },
    { path: ['data', 'children', '*'], entity: 'category' },
  ],
};

type Named = { id: number; name: string; children?: unknown };

function locate(value: unknown, path: string[], nested: boolean, found: Named[]): void {
  if (value === null || typeof value !== 'object') return;
  if (path.length === 0) {
    const entity = value as Partial<Named>;
    if (typeof entity.id === 'number' && typeof entity.name === 'string') found.push(entity as Named);
    if (nested && Array.isArray(entity.children))
      for (const child of entity.children) locate(child, [], true, found);
    return;
  }
  const [step, ...rest] = path as [string, ...string[]];
  if (step === '*') {
    if (Array.isArray(value)) for (const item of value) locate(item, rest, nested, found);
    return;
  }
  locate((value as Record<string, unknown>)[step], rest, nested, found);
}

interface RouteLocalization {
  money?: MoneyWalker;
  names?: NameLocator[];
}

interface RequestLocalization {
  currency?: { code: Exclude<Currency, 'KRW'>; rate: number; updatedAt: Date; stale: boolean };
  language?: Exclude<Language, 'ko'>;
}

/**
 * `X-Currency` and `Accept-Language` on responses, for every route in one place (an onRoute hook
 * adds two hooks to the routes concerned):
 * - a public or member GET whose 200 schema holds money fields answers them converted from KRW at
 *   the current rate, rounded per currency, and says so (`Content-Currency`, `X-Exchange-Rate`,
 *   `X-Exchange-Rate-Date`, `X-Exchange-Rate-Stale` when the provider has been failing); an
 *   unknown currency is 400 CURRENCY_NOT_SUPPORTED, no rate yet 503 EXCHANGE_RATE_UNAVAILABLE;
 * - the catalog reads above answer product and category names in the request's language where a
 *   translation exists (one cached lookup per response).
 * A KRW request in Korean (no header) costs two header reads: bodies, cached ones too, pass as they are.
 * Every answer of these routes says `Vary: X-Currency` and/or `Accept-Language`.
 */
export function responseLocalization(deps: ResponseLocalizationDeps) {
  const requests = new WeakMap<FastifyRequest, RequestLocalization>();

  async function localize(
    plan: RouteLocalization,
    state: RequestLocalization,
    payload: string | Buffer,
    reply: FastifyReply,
  ) {
    const body: unknown = JSON.parse(payload.toString());
    if (state.currency && plan.money) {
      const { code, rate, updatedAt, stale } = state.currency;
      convertMoney(body, plan.money, (won) => roundFor(code, won * rate));
      reply.header('content-currency', code);
      reply.header('x-exchange-rate', String(rate));
      reply.header('x-exchange-rate-date', updatedAt.toISOString());
      if (stale) reply.header('x-exchange-rate-stale', 'true');
    }
    if (state.language && plan.names) {
      const found: { entity: NamedEntity; named: Named }[] = [];
      for (const locator of plan.names) {
        const named: Named[] = [];
        locate(body, locator.path, locator.nested ?? false, named);
        for (const item of named) found.push({ entity: locator.entity, named: item });
      }
      if (found.length > 0) {
        const ids: Record<NamedEntity, Set<number>> = { product: new Set(), category: new Set() };
        for (const { entity, named } of found) ids[entity].add(named.id);
        const names = await deps.names(state.language, {
          product: [...ids.product].sort((a, b) => a - b),
          category: [...ids.category].sort((a, b) => a - b),
        });
        for (const { entity, named } of found) {
          const translated = names[`${entity}:${named.id}`];
          if (translated !== undefined) named.name = translated;
        }
      }
      reply.header('content-language', state.language);
    }
    return JSON.stringify(body);
  }

  return function onRoute(route: RouteOptions): void {
    const methods = [route.method].flat();
    if (!methods.includes('GET')) return;
    const access = (route.config as { access?: string } | undefined)?.access;
    const response = (route.schema as { response?: Record<string, unknown> } | undefined)?.response;
    const plan: RouteLocalization = {
      // admin screens and the i18n routes themselves (the converter's amounts) keep their own currency
      money:
        access === 'admin' || route.url.includes('/i18n/') || route.url.includes('/points')
          ? undefined
          : moneyWalker(response?.[200]),
      names: translatedReads[route.url],
    };
    if (!plan.money && !plan.names) return;

    const resolve: onRequestHookHandler = (
      request: FastifyRequest,
      reply: FastifyReply,
      done: HookHandlerDoneFunction,
    ) => {
      const header = request.headers['x-currency'];
      const language = plan.names ? languageFrom(request.headers['accept-language']) : 'ko';
      const state: RequestLocalization = language === 'ko' ? {} : { language };
      if (header === undefined || !plan.money) {
        if (state.language) requests.set(request, state);
        return done();
      }
      const code = String(header).trim().toUpperCase();
      if (!isCurrency(code)) {
        return done(
          new AppError('CURRENCY_NOT_SUPPORTED', { details: { currency: String(header).slice(0, 16) } }),
        );
      }
      reply.header('content-currency', code);
      if (code === 'KRW') {
        if (state.language) requests.set(request, state);
        return done();
      }
      deps.rateFromWon(code).then((current) => {
        requests.set(request, { ...state, currency: { code, ...current } });
        done();
      }, done);
    };

    // a shared cache must keep each currency's and language's answer apart (cors has set Origin)
    const varies = [plan.money && 'X-Currency', plan.names && 'Accept-Language'].filter(Boolean).join(', ');
    const rewrite: onSendHookHandler = (request, reply, payload, done) => {
      const vary = reply.getHeader('vary');
      reply.header('vary', vary ? `${vary}, ${varies}` : varies);
      const state = requests.get(request);
      if (
        state === undefined ||
        reply.statusCode >= 300 ||
        (typeof payload !== 'string' && !Buffer.isBuffer(payload))
      ) {
        return done(null, payload);
      }
      localize(plan, state, payload, reply).then((body) => done(null, body), done);
    };

    route.preHandler = [...[route.preHandler ?? []].flat(), resolve as never];
    route.onSend = [...[route.onSend ?? []].flat(), rewrite as never];
  };
}
