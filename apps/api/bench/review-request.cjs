// autocannon's per-request hook for bench/reviews.ts (plain CommonJS: autocannon `require`s it by
// path): each request is the next POST of the JSON list in the file BENCH_REVIEWS_FILE names (a
// member's bearer token, the product's review path and the body naming an order line not reviewed
// yet), taken in turn so that each line is reviewed once.
const { readFileSync } = require('node:fs');

const writes = JSON.parse(readFileSync(process.env.BENCH_REVIEWS_FILE, 'utf8'));
let next = 0;

module.exports = (request) => {
  const write = writes[next % writes.length];
  next += 1;
  return {
    ...request,
    method: 'POST',
    path: write.path,
    headers: { ...request.headers, 'content-type': 'application/json', authorization: write.authorization },
    body: write.body,
  };
};
