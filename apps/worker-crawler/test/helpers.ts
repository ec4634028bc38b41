import { trackProcesses } from '@pbshop/testing';

export { outputClosed, waitFor } from '@pbshop/testing';

export const mainEntry = new URL('../src/main.ts', import.meta.url).pathname;

/** Spawns this worker's main.ts; none outlives the test that started it. */
export const processTracker = () => trackProcesses(mainEntry);

export const productPage = `<!doctype html>
<html lang="ko"><head><meta charset="utf-8"><title>게이밍 노트북 15인치</title></head>
<body><h1>게이밍 노트북 15인치</h1><p class="price" data-price="1299000">1,299,000원</p></body></html>
`;
