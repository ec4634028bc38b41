// `pnpm bench:help`: the public FAQ and notice lists, served from their cache (the catalog cache's
// mechanism), under 50 connections next to the bare Fastify route in the same run. The issue's
// goal: cached FAQ and notice reads at 40% of the bare route or better. Seeds 60 FAQ in 6
// categories and 40 notices (some pinned, some outside their window) through the help service;
// each request draws one of a few storefront queries, every one cached after its first read.
// Prints figures and the load average; asserts nothing.
import { measurePairedPaths, printRows, printRunsLine, startBenchApi } from './harness.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = 50;
const bench = await startBenchApi();
const { deps } = bench;

const categories = ['ORDER', 'PAYMENT', 'DELIVERY', 'ACCOUNT', 'PRODUCT', 'OTHER'];
for (let index = 0; index < 60; index += 1) {
  await deps.help.createFaq({
    category: categories[index % categories.length]!,
    question: `자주 묻는 질문 ${index}: 배송과 결제는 어떻게 되나요?`,
    answer: `<p>답변 ${index}: 주문 후 2~3일 안에 배송됩니다. 결제는 카드와 계좌이체를 받습니다.</p>`,
    sortOrder: index,
  });
}
const hour = 3_600_000;
for (let index = 0; index < 40; index += 1) {
  await deps.help.createNotice(
    {
      title: `공지 ${index}`,
      content: `<p>서비스 점검 안내 ${index}</p>`,
      isPinned: index % 10 === 0,
      isPublished: index % 7 !== 0,
      publishFrom: index % 5 === 0 ? new Date(Date.now() + hour) : null,
      publishUntil: null,
    },
    null,
  );
}

const faqPaths = [
  '/api/v1/faq?page=1&limit=30',
  ...categories.map((category) => `/api/v1/faq?page=1&limit=30&category=${category}`),
  `/api/v1/faq?page=1&limit=30&keyword=${encodeURIComponent('배송')}`,
];
const noticePaths = ['/api/v1/notices', '/api/v1/notices?page=1&limit=20', '/api/v1/notices?page=2&limit=20'];

const rows = await measurePairedPaths(
  bench,
  [
    ['GET /faq (cached; 8 queries)', faqPaths],
    ['GET /notices (cached; 3 queries)', noticePaths],
  ],
  { connections, seconds },
);
printRunsLine(seconds, connections);
printRows(rows);

await bench.close();
process.exit(0);
