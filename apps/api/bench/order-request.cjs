// autocannon's per-request hook for bench/orders.ts (plain CommonJS: autocannon `require`s it by
// path): each request is a POST /api/v1/orders drawn at random from the JSON list in the file
// BENCH_ORDERS_FILE names (a member's bearer token and an order body).
const { readFileSync } = require('node:fs');

const orders = JSON.parse(readFileSync(process.env.BENCH_ORDERS_FILE, 'utf8'));

module.exports = (request) => {
  const order = orders[Math.floor(Math.random() * orders.length)];
  return {
    ...request,
    method: 'POST',
    path: '/api/v1/orders',
    headers: { ...request.headers, 'content-type': 'application/json', authorization: order.authorization },
    body: order.body,
  };
};
