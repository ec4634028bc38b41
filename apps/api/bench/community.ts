// `pnpm bench:community`: GET /boards/:id/posts over a board of BENCH_POSTS (default 100,000) posts
// in Korean and English, uncached, with each sort (newest, popular = likes, views, most_commented,
// random pages 1..50 of 20) and with a search (a common word, a rare word), each in rounds
// alternating with a bare Fastify route in the same process (bench/harness.ts); then the EXPLAIN
// (ANALYZE, BUFFERS) timing of each list statement, planned for its values and as the generic plan
// (the plan an unsearched list's prepared statement runs; a search runs unprepared, planned for
// its values). The posts are one INSERT … SELECT generate_series.
// Prints figures and the load average; asserts nothing.
import { createDatabase, type Database } from '@pbshop/db';
import * as schema from '@pbshop/db/schema';
import { drizzle } from 'drizzle-orm/postgres-js';
import { postListQuery } from '../src/modules/community/posts/schemas.ts';
import { postsService } from '../src/modules/community/posts/service.ts';
import {
  bearerOf,
  benchReadPool,
  createBenchAdmin,
  loadAverage,
  measurePaired,
  printRows,
  type Row,
  startBenchApi,
} from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const postCount = Number(process.env.BENCH_POSTS ?? 100_000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const memberCount = 200;

const bench = await startBenchApi({ DATABASE_POOL_MAX: '10', ...benchReadPool() });
const { ctx, env, deps, app, api: apiUrl, bare } = bench;
const sql = deps.database.sql;

const admin = await createBenchAdmin(deps.users);
const made = await app.inject({
  method: 'POST',
  url: '/api/v1/admin/boards',
  headers: { authorization: bearerOf(app, admin) },
  payload: { slug: 'bench-free', name: '벤치 자유게시판' },
});
if (made.statusCode !== 201) throw new Error(`POST /admin/boards: ${made.statusCode} ${made.body}`);
const boardId: number = made.json().data.id;

const started = performance.now();
await sql`
  insert into users (email, name, nickname, role, email_verified_at)
  select 'bench-writer-' || n || '@example.com', 'Writer ' || n, '글쓴이' || n, 'USER', now()
  from generate_series(1, ${memberCount}) as n`;
const [{ first } = { first: 0 }] = await sql<{ first: number }[]>`
  select min(id)::int as first from users where email like 'bench-writer-%'`;
// titles and bodies from a few Korean and English words; 수랭쿨러 in one post of ten, 오버클럭 in one of a thousand
await sql`
  insert into posts (board_id, user_id, title, content, view_count, like_count, comment_count, created_at, updated_at)
  select ${boardId}, ${first} + n % ${memberCount},
         (array['그래픽카드','노트북','모니터','키보드','마우스','SSD','수랭쿨러','파워','메인보드','케이스'])[1 + n % 10]
           || ' ' || (array['후기','질문','추천','비교','할인 정보','review','benchmark','deal'])[1 + (n / 10) % 8]
           || case when n % 1000 = 7 then ' 오버클럭' else '' end || ' #' || n,
         '<p>' || (array['한 달 써 보니 만족합니다.','발열이 조금 있네요.','가성비가 좋아요.',
                         'Fast and quiet, would buy again.','배송이 빨랐습니다.'])[1 + n % 5]
           || ' ' || md5(n::text) || '</p>',
         (random() * 5000)::int, (random() * 300)::int, (random() * 80)::int,
         now() - n * interval '30 seconds', now() - n * interval '30 seconds'
  from generate_series(1, ${postCount}) as n`;
await sql`vacuum analyze posts`;
console.log(
  `fixtures: ${postCount} posts in one board by ${memberCount} members, written in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

const page = () => 1 + Math.floor(Math.random() * 50);
const listPath = (query: string) => `/api/v1/boards/${boardId}/posts?${query}&limit=20`;
const runs: [string, () => string][] = [
  ['newest, pages 1..50', () => listPath(`sort=newest&page=${page()}`)],
  ['popular (likes), pages 1..50', () => listPath(`sort=popular&page=${page()}`)],
  ['views, pages 1..50', () => listPath(`sort=views&page=${page()}`)],
  ['most_commented, pages 1..50', () => listPath(`sort=most_commented&page=${page()}`)],
  [
    'search 수랭쿨러 (1 in 10), newest, pages 1..5',
    () => listPath(`search=${encodeURIComponent('수랭쿨러')}&page=${1 + Math.floor(Math.random() * 5)}`),
  ],
  [
    'search 오버클럭 (1 in 1,000), newest, page 1',
    () => listPath(`search=${encodeURIComponent('오버클럭')}&page=1`),
  ],
  ['search benchmark (1 in 8), popular, page 1', () => listPath('search=benchmark&sort=popular&page=1')],
];
const rows: Row[] = [];
const loads: string[] = [];
// BENCH_ONLY=<text>: only the runs whose name holds it
for (const [name, path] of runs.filter(([name]) => name.includes(process.env.BENCH_ONLY ?? ''))) {
  rows.push(
    await measurePaired(bare, `GET posts ${name}`, {
      url: apiUrl,
      path,
      connections,
      seconds,
      warmUpSeconds: 1,
    }),
  );
  loads.push(`${name}: ${loadAverage()}`);
}

// each list statement, captured through a drizzle logger, explained with its values
const handle = createDatabase(ctx.env.DATABASE_URL!, { max: 1, applicationName: 'bench' });
const captured: { query: string; parameters: unknown[] }[] = [];
const traced: Database = drizzle(handle.sql, {
  schema,
  casing: 'snake_case',
  logger: { logQuery: (query, parameters) => captured.push({ query, parameters }) },
});
// the list reads neither images nor views, and writes nothing to tell the search cache
const tracedPosts = postsService({
  db: traced,
  images: { uploadedBy: async () => [], variantsOf: async () => new Map() },
  views: { count: () => {} },
  searches: { invalidateBoard: async () => {} },
});
/** `Execution Time` (and the planning time) of an EXPLAIN ANALYZE. */
const timing = (plan: Record<string, unknown>[]) => {
  const lines = plan.map((row) => row['QUERY PLAN'] as string);
  const of = (label: string) =>
    (lines.find((line) => line.startsWith(label)) ?? '').replace(`${label}: `, '');
  return `${of('Execution Time')} (planning ${of('Planning Time')})`;
};
const explained = async (statement: string, values: unknown[] = []) => {
  await handle.sql.unsafe(statement, values as never[]);
  return handle.sql.unsafe(statement, values as never[]);
};
const plans: string[] = [];
for (const query of [
  { sort: 'newest', page: '1' },
  { sort: 'newest', page: '50' },
  { sort: 'popular', page: '50' },
  { sort: 'views', page: '50' },
  { sort: 'most_commented', page: '50' },
  { search: '수랭쿨러', page: '5' },
  { search: '오버클럭', page: '1' },
  { search: 'benchmark', sort: 'popular', page: '1' },
]) {
  captured.length = 0;
  await tracedPosts.list(boardId, postListQuery.parse(query), { withdrawn: '-', unnamed: '-' });
  const { query: statement, parameters } = captured[0]!;
  const literals = parameters.map((value) =>
    typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`,
  );
  const planned = await explained(`explain (analyze, buffers) ${statement}`, parameters);
  // a search's statement holds its values and runs unprepared: it has no generic plan
  let generic = 'unprepared';
  if (parameters.length > 0) {
    await handle.sql.unsafe(`prepare post_list as ${statement}`);
    await handle.sql.unsafe('set plan_cache_mode = force_generic_plan');
    generic = timing(await explained(`explain (analyze, buffers) execute post_list(${literals.join(', ')})`));
    await handle.sql.unsafe('reset plan_cache_mode');
    await handle.sql.unsafe('deallocate post_list');
  }
  plans.push(`| ${JSON.stringify(query)} | ${timing(planned)} | ${generic} |`);
}

console.log(
  `\n${connections} connections; DATABASE_POOL_MAX ${env.DATABASE_POOL_MAX}, DATABASE_READ_POOL_MAX ${env.DATABASE_READ_POOL_MAX} (the list reads through the read pool); goal p99 ≤ 50 ms\n`,
);
printRows(rows);
console.log(
  `\nthe bare route's p99 in the rounds beside each run (ms): ${rows.map((row) => row.baselineP99).join(', ')}`,
);
console.log(`\nload average (1, 5, 15 min) after each run, on a shared 2-core machine:\n${loads.join('\n')}`);
console.log(
  `\nthe list statement, EXPLAIN ANALYZE on ${postCount} posts:\n\n| query | planned for the values | generic plan |\n|---|---|---|\n${plans.join('\n')}`,
);

await bench.close(handle);
process.exit(0);
