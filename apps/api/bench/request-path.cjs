// autocannon's per-request hook in its worker thread (plain CommonJS: autocannon `require`s it by
// path): each request's path drawn at random from the JSON list in the file BENCH_PATHS_FILE names.
const { readFileSync } = require('node:fs');

const paths = JSON.parse(readFileSync(process.env.BENCH_PATHS_FILE, 'utf8'));

module.exports = (request) => ({ ...request, path: paths[Math.floor(Math.random() * paths.length)] });
