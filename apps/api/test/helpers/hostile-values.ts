// Hostile values built from the JSON Schemas of an OpenAPI document: for every field, the values of
// the wrong type, the strings, numbers, lists and objects that a handler must refuse or survive,
// and a plausible value for each of the other fields, so that poisoning one field leaves the rest
// of a request valid. Also the hostile query values, path parameters, raw bodies and headers that
// any route must refuse or survive, whatever its schema.
import { uniqueName } from './catalog.ts';
import { missingId } from './http.ts';

/** The part of JSON Schema the OpenAPI document uses for our zod schemas. */
export interface Schema {
  type?: string;
  format?: string;
  pattern?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: Schema | boolean;
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
}

/** One operation of the OpenAPI document: what `probesFor` reads of it. */
export interface Operation {
  tags?: string[];
  parameters?: { in: 'path' | 'query'; name: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

/** a label for the report, and the value */
export type Labelled<T> = [label: string, value: T];

export const deeplyNested = (depth: number) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

/**
 * Field values that fit the format our validation cannot see (patterns, URLs, refinements); a
 * function for a value that must be new each time (a name the first request would take).
 */
const examples: Record<string, unknown> = {
  email: 'hostile-probe@example.com',
  password: 'Str0ng#pass',
  newPassword: 'Str0nger#pass',
  name: () => uniqueName('Probe'),
  phone: '010-1234-5678',
  code: '123456',
  refreshToken: 'a'.repeat(40),
  resetToken: 'a'.repeat(40),
  socialToken: 'probe-token',
  provider: 'google',
  key: 'probe_key',
  url: 'https://shop.example.com/item',
  logoUrl: 'https://shop.example.com/logo.png',
  keyword: 'probe',
  nickname: 'prober',
  targetPrice: 500,
  specs: '{"weight":{"min":1},"colour":"Red"}',
};

/** Values of the wrong type that every field must refuse or survive. */
const wrongTypes: Labelled<unknown>[] = [
  ['null', null],
  ['{}', {}],
  ['[]', []],
  ['true', true],
  ['12345', 12345],
  ['"text"', 'text'],
  ['a 2,000-deep object', deeplyNested(2000)],
];

const hostileStrings = (maxLength = 100): Labelled<unknown>[] => [
  ['""', ''],
  ['spaces', '    '],
  [`${maxLength + 1} chars`, 'x'.repeat(maxLength + 1)],
  ['10,000 chars', 'x'.repeat(10_000)],
  [`${maxLength} Hangul`, '가'.repeat(maxLength)],
  [`${Math.floor(maxLength / 2)} emoji`, '😀'.repeat(Math.floor(maxLength / 2))],
  ['a NUL byte', 'a\u0000b'],
  ['a lone surrogate', 'a\uD800b'],
  ['RTL override and zero-width', '\u202Eevil\u200Bname'],
  ['SQL', "x' OR 1=1 --"],
  ['a path', '../../etc/passwd'],
  ['a percent-encoded NUL', '%00'],
  ['a script tag', '<script>alert(1)</script>'],
  ['an operator object as text', '{"$gt":""}'],
  ['a uuid', '00000000-0000-4000-8000-000000000000'],
  ['an unknown id as text', String(missingId)],
];

const hostileNumbers = (schema: Schema): Labelled<unknown>[] => [
  ['-1', -1],
  ['0', 0],
  ['-0', -0],
  ['0.5', 0.5],
  ['1e308', 1e308],
  ['-1e308', -1e308],
  ['2**63', 2 ** 63],
  ['MAX_SAFE_INTEGER + 2', Number.MAX_SAFE_INTEGER + 2],
  ['2**31', 2 ** 31],
  ['the maximum', schema.maximum ?? 1e15],
  ['the maximum + 1', (schema.maximum ?? 1e15) + 1],
  ['the minimum', schema.minimum ?? -1e15],
  ['the minimum - 1', (schema.minimum ?? -1e15) - 1],
  ['"1"', '1'],
  ['""', ''],
];

/** The pattern of an id in text (a path segment, a query value): `entityIdText` of @pbshop/config. */
const ID_TEXT_PATTERN = '^[1-9][0-9]{0,15}$';

/**
 * Values built from schemas, aiming at real rows: `rows` maps a field name to the id of a row that
 * exists (`productId` → a product), a list for a list field (`productIds`).
 */
export function schemaValues(rows: Record<string, number | number[]>) {
  /**
   * A plausible value for a field, so that poisoning one field leaves the rest of a body valid.
   * Objects get their required fields; a body also the typed ones with an example (what
   * refinements ask for: a target price, something to change), a list item the rows it refers to
   * (a spec value its definition, and only that: it takes one of definition and key).
   */
  function plausible(name: string, schema: Schema, inList = false): unknown {
    if (schema.anyOf?.[0]) return plausible(name, schema.anyOf[0]);
    if (schema.enum) return schema.enum[0];
    if (name in examples) {
      const example = examples[name];
      return typeof example === 'function' ? example() : example;
    }
    const row = rows[name];
    if (schema.pattern === ID_TEXT_PATTERN) return String(typeof row === 'number' ? row : missingId);
    if (schema.type === 'integer' && typeof row === 'number') return row;
    if (schema.type === 'string') return 'probe';
    if (schema.type === 'integer' || schema.type === 'number')
      return Math.min(Math.max(1, schema.minimum ?? 1), schema.maximum ?? 1);
    if (schema.type === 'boolean') return true;
    if (schema.type === 'array') {
      const listed = rows[name];
      if (Array.isArray(listed)) return listed;
      return Array.from({ length: Math.max(1, schema.minItems ?? 1) }, () =>
        plausible(name, schema.items ?? {}, true),
      );
    }
    if (schema.type === 'object') {
      const fields = Object.keys(schema.properties ?? {}).filter(
        (field) =>
          schema.required?.includes(field) ||
          (inList ? field in rows : field in examples && schema.properties?.[field]?.type !== undefined),
      );
      return Object.fromEntries(
        fields.map((field) => [field, plausible(field, schema.properties?.[field] ?? {})]),
      );
    }
    return 'probe';
  }

  /** Hostile values for one field, by its schema; objects and arrays are poisoned inside too. */
  function hostileValues(name: string, schema: Schema, depth = 0): Labelled<unknown>[] {
    const own = schema.anyOf ? schema.anyOf.flatMap((branch) => hostileValues(name, branch, depth + 1)) : [];
    const typed: Labelled<unknown>[] = [];
    if (schema.enum)
      typed.push(
        ['an unknown enum value', 'NOT_A_VALUE'],
        ['a lower-case enum value', String(schema.enum[0]).toLowerCase()],
      );
    if (schema.type === 'string') typed.push(...hostileStrings(schema.maxLength));
    if (schema.type === 'integer' || schema.type === 'number') typed.push(...hostileNumbers(schema));
    if (schema.type === 'boolean') typed.push(['"true"', 'true'], ['1', 1]);
    if (schema.type === 'array' && depth < 3) {
      const item = plausible(name, schema.items ?? {});
      typed.push(
        ['[null]', [null]],
        ['[[]]', [[]]],
        [
          `${(schema.maxItems ?? 100) + 1} items`,
          Array.from({ length: (schema.maxItems ?? 100) + 1 }, () => item),
        ],
        ['duplicated items', [item, item, item]],
        ...hostileValues(name, schema.items ?? {}, depth + 1).map(
          ([label, value]): Labelled<unknown> => [`[${label}]`, [value]],
        ),
      );
    }
    if (schema.type === 'object' && depth < 3) {
      const base = plausible(name, schema) as Record<string, unknown>;
      for (const [field, fieldSchema] of Object.entries(schema.properties ?? {})) {
        for (const [label, value] of hostileValues(field, fieldSchema, depth + 1))
          typed.push([`{${field}: ${label}}`, { ...base, [field]: value }]);
      }
      if (typeof schema.additionalProperties === 'object') {
        for (const [label, value] of hostileValues('entry', schema.additionalProperties, depth + 1))
          typed.push([`{entry: ${label}}`, { ...base, entry: value }]);
        typed.push([
          '10,000 keys',
          Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, 1])),
        ]);
      }
    }
    return [...(depth === 0 ? wrongTypes : []), ...own, ...typed];
  }

  return { plausible, hostileValues };
}

/** Query string values, already encoded: every parameter gets all of them, whatever its type. */
export const hostileQueryValues: Labelled<string>[] = [
  ['empty', ''],
  ['abc', 'abc'],
  ['-1', '-1'],
  ['0', '0'],
  ['1.5', '1.5'],
  ['1e309', '1e309'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['0x10', '0x10'],
  ['2**53 + 1', '9007199254740993'],
  ['400 nines', '9'.repeat(400)],
  ['10,000 chars', 'x'.repeat(10_000)],
  ['%00', '%00'],
  ['a%00b', 'a%00b'],
  ['emoji and RTL', encodeURIComponent('😀\u202Eevil\u200B')],
  ['a lone surrogate as UTF-8', '%ED%A0%80'],
  ['bad percent-encoding', '%'],
  ['bad percent-encoding %ZZ', '%ZZ'],
  ['an unknown sort value', 'not_a_sort'],
  ['search syntax', encodeURIComponent('"\\*?~()[]{}:/^!&&|| AND OR NOT')],
  ['400 OR clauses', encodeURIComponent('a OR '.repeat(300))],
  ['{}', encodeURIComponent('{}')],
  ['[]', encodeURIComponent('[]')],
  ['a __proto__ object', encodeURIComponent('{"__proto__":{"polluted":true}}')],
  ['a range of 1e309', encodeURIComponent('{"weight":{"min":1e309}}')],
  ['a range of text', encodeURIComponent('{"weight":{"min":"a","max":null}}')],
  ['an inverted range', encodeURIComponent('{"weight":{"min":5,"max":-5}}')],
  ['a huge range', encodeURIComponent('{"weight":{"min":-1e308,"max":1e308}}')],
  ['a list value', encodeURIComponent('{"weight":[1,2,3]}')],
  ['a null value', encodeURIComponent('{"weight":null}')],
  ['a NUL key', encodeURIComponent('{"we\u0000ight":1}')],
  ['a NUL in a value', encodeURIComponent('{"colour":"Re\\u0000d"}')],
  ['a lone surrogate in a value', encodeURIComponent('{"colour":"Re\\ud800d"}')],
  ['a lone surrogate in a list', encodeURIComponent('{"colour":["Red","\\ud800"]}')],
  ['broken JSON', encodeURIComponent('{"weight":')],
  ['deep JSON', encodeURIComponent(`${'{"a":'.repeat(300)}1${'}'.repeat(300)}`)],
];

/** Path parameter values, already as they appear in a URL. */
export const hostileParams: Labelled<string>[] = [
  ['not an id', 'not-an-id'],
  ['2,000 chars', 'x'.repeat(2000)],
  ['%00', '%00'],
  ['..%2F', '..%2F..%2Fetc%2Fpasswd'],
  ['..', '..'],
  ['emoji and RTL', encodeURIComponent('😀\u202Eevil')],
  ['bad percent-encoding', '%'],
  ['invalid UTF-8', '%C0%AF'],
  ['a lone surrogate as UTF-8', '%ED%A0%80'],
  ['a uuid', '00000000-0000-4000-8000-000000000000'],
  ['0', '0'],
  ['-1', '-1'],
  ['1.5', '1.5'],
  ['1e3', '1e3'],
  ['2**53 + 1', '9007199254740993'],
  ['an unknown id', String(missingId)],
  ['an id with a tail', `${missingId}%20OR%201=1`],
];

export const jsonHeaders = { 'content-type': 'application/json' };
const multipartHeaders = { 'content-type': 'multipart/form-data; boundary=x' };
const filePart = (type: string, content: string) =>
  `--x\r\nContent-Disposition: form-data; name="file"; filename="../../a.png"\r\nContent-Type: ${type}\r\n\r\n${content}\r\n--x--\r\n`;

export type RawBody = [label: string, payload: string | Buffer, headers: Record<string, string>];

/**
 * The raw bodies, in the order they are sent: a function for the ones built around the route's
 * plausible body, the others built once (a megabyte of JSON, 5,000-deep nesting), not per route.
 */
const rawBodyTemplate: (RawBody | ((baseJson: string, inside: string) => RawBody))[] = [
  ['invalid JSON', '{"a": ', jsonHeaders],
  ['an empty JSON body', '', jsonHeaders],
  ['JSON null', 'null', jsonHeaders],
  ['a JSON array', '[]', jsonHeaders],
  ['a JSON number', '42', jsonHeaders],
  ['a JSON string', '"text"', jsonHeaders],
  ['JSON true', 'true', jsonHeaders],
  (_, inside) => ['a __proto__ key', `{"__proto__":{"role":"ADMIN"}${inside}}`, jsonHeaders],
  (_, inside) => [
    'a constructor.prototype key',
    `{"constructor":{"prototype":{"role":"ADMIN"}}${inside}}`,
    jsonHeaders,
  ],
  ['5,000-deep arrays', `${'['.repeat(5000)}${']'.repeat(5000)}`, jsonHeaders],
  ['5,000-deep objects', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, jsonHeaders],
  (baseJson) => ['a byte-order mark', `\uFEFF${baseJson}`, jsonHeaders],
  (baseJson) => ['a made-up charset', baseJson, { 'content-type': 'application/json; charset=ebcdic' }],
  ['a body over 1 MB', JSON.stringify({ blob: 'x'.repeat(1_100_000) }), jsonHeaders],
  (baseJson) => ['text/plain', baseJson, { 'content-type': 'text/plain' }],
  ['a form', 'a=1&b=2', { 'content-type': 'application/x-www-form-urlencoded' }],
  ['XML', '<a>1</a>', { 'content-type': 'application/xml' }],
  ['multipart with a text file', filePart('image/png', 'not an image'), multipartHeaders],
  ['multipart with an empty file', filePart('image/png', ''), multipartHeaders],
  [
    'multipart with a field only',
    '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--\r\n',
    multipartHeaders,
  ],
  [
    'multipart with a broken PNG',
    Buffer.concat([
      Buffer.from(filePart('image/png', '').split('\r\n--x--')[0] ?? ''),
      Buffer.from('89504e470d0a1a0a0000000d49484452ffffffffffffffff', 'hex'),
      Buffer.from('\r\n--x--\r\n'),
    ]),
    multipartHeaders,
  ],
  ['truncated multipart', filePart('image/png', 'x').slice(0, 60), multipartHeaders],
  ['multipart without a boundary', filePart('image/png', 'x'), { 'content-type': 'multipart/form-data' }],
];

/** Bodies that are not a JSON object of any shape, sent to every route that takes a body. */
export function rawBodies(base: unknown): RawBody[] {
  const baseJson = JSON.stringify(base ?? {});
  const inside = baseJson === '{}' ? '' : `,${baseJson.slice(1, -1)}`;
  return rawBodyTemplate.map((entry) => (typeof entry === 'function' ? entry(baseJson, inside) : entry));
}

/** Headers anyone can send; each is tried once per route with a valid-looking request. */
export const hostileHeaders: Labelled<Record<string, string>>[] = [
  ['a 10,000-char Accept-Language', { 'accept-language': 'x'.repeat(10_000) }],
  ['a broken Accept-Language', { 'accept-language': 'en;q=NaN, ja;q=-1, *;q=1e309' }],
  ['a 10,000-char X-Request-Id', { 'x-request-id': 'x'.repeat(10_000) }],
  ['a hostile X-Request-Id', { 'x-request-id': '../\u202E<script>' }],
  ['a 10,000-char If-None-Match', { 'if-none-match': 'x'.repeat(10_000) }],
];
