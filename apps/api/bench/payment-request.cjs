// autocannon's per-request hook for bench/payments.ts (plain CommonJS: autocannon `require`s it by
// path): each request is the next one of the JSON list in the file BENCH_PAYMENTS_FILE names, in
// order (a new payment pays an order nobody paid yet), or a random one with BENCH_PAYMENTS_RANDOM=1
// (replays and reads). Each entry: method, path, the member's bearer token, optional body and key.
const { readFileSync } = require('node:fs');

const entries = JSON.parse(readFileSync(process.env.BENCH_PAYMENTS_FILE, 'utf8'));
const random = process.env.BENCH_PAYMENTS_RANDOM === '1';
let next = 0;

module.exports = (request) => {
  const entry = random ? entries[Math.floor(Math.random() * entries.length)] : entries[next++ % entries.length];
  return {
    ...request,
    method: entry.method,
    path: entry.path,
    headers: {
      ...request.headers,
      'content-type': 'application/json',
      authorization: entry.authorization,
      ...(entry.key ? { 'idempotency-key': entry.key } : {}),
    },
    body: entry.body,
  };
};
