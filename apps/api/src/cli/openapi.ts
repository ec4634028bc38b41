// `pnpm --filter @pbshop/api openapi [out]`: writes the OpenAPI document the routes generate
// (default dist/openapi.json). Needs no running service: clients connect lazily.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createLogger, parseEnv } from '@pbshop/config';
import { buildApp } from '../app.ts';
import { createApiDeps } from '../deps.ts';

const out = resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2] ?? 'dist/openapi.json');
const env = parseEnv({
  DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
  REDIS_URL: 'redis://127.0.0.1:1',
  OPENSEARCH_URL: 'http://127.0.0.1:1',
  JWT_SECRET: randomBytes(32).toString('hex'),
  LOG_LEVEL: 'silent',
});
const deps = createApiDeps(env, createLogger(env, 'openapi'));
const app = await buildApp(deps);
await app.ready();
const document = app.swagger();
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(document, null, 2)}\n`);
console.log(`openapi: ${Object.keys(document.paths ?? {}).length} paths written to ${out}`);
// nothing to close gracefully: the clients never reached a server
process.exit(0);
