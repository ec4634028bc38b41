// `pnpm bench:auth`: logins/s at the configured argon2id cost and GET /users/me, each next to a
// bare Fastify route measured in the same process and run. Prints figures; asserts nothing.
import autocannon from 'autocannon';
import { passwordHasher } from '../src/modules/identity/auth/passwords.ts';
import { startBenchApi } from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
// production password cost (the test context lowers it), limits out of the way
const bench = await startBenchApi({
  DATABASE_POOL_MAX: '10',
  ARGON2_MEMORY_KIB: '',
  ARGON2_TIME_COST: '',
  AUTH_RATE_LIMIT_PER_MINUTE: '10000000',
});
const { env, deps, app, api } = bench;
const bareUrl = bench.bare.url;

const password = 'Bench-pass-123!';
const user = await deps.users.create({
  email: 'bench@example.com',
  name: 'Bench',
  passwordHash: await passwordHasher(env).hash(password),
  emailVerified: true,
});
const token = app.signAccessToken({ sub: String(user.id), role: user.role, ver: user.tokenVersion });

interface Row {
  name: string;
  connections: number;
  requests: number;
  p50: number;
  p99: number;
  non2xx: number;
}

async function measure(name: string, options: autocannon.Options): Promise<Row> {
  const result = await autocannon({ duration: seconds, ...options });
  return {
    name,
    connections: options.connections ?? 10,
    requests: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  };
}

const rows: Row[] = [];
rows.push(await measure('bare Fastify route', { url: `${bareUrl}/bare`, connections: 50 }));
rows.push(
  await measure('GET /api/v1/users/me', {
    url: `${api}/api/v1/users/me`,
    connections: 50,
    headers: { authorization: `Bearer ${token}` },
  }),
);
rows.push(await measure('bare Fastify route (10 conns)', { url: `${bareUrl}/bare`, connections: 10 }));
rows.push(
  await measure('POST /api/v1/auth/login (argon2id)', {
    url: `${api}/api/v1/auth/login`,
    method: 'POST',
    connections: 10,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'bench@example.com', password }),
  }),
);

const baseline = rows[0]!.requests;
console.log(
  `\nargon2id memory ${env.ARGON2_MEMORY_KIB} KiB, time cost ${env.ARGON2_TIME_COST}; ${seconds} s per run; ${rows[0]!.connections} conns unless noted\n`,
);
console.log('| run | conns | req/s | p50 ms | p99 ms | non-2xx | vs bare |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) {
  const base = row.connections === 10 ? rows[2]!.requests : baseline;
  console.log(
    `| ${row.name} | ${row.connections} | ${row.requests.toFixed(0)} | ${row.p50} | ${row.p99} | ${row.non2xx} | ${((row.requests / base) * 100).toFixed(1)}% |`,
  );
}

await bench.close();
process.exit(0);
