// Boards and posts through the API, for the community tests, the Q&A tests and the client contract.
import { expect } from 'vitest';
import type { App } from '../../src/app.ts';

type AuthHeader = { authorization: string };

let sequence = 0;

async function created<T>(app: App, url: string, headers: AuthHeader, payload: object): Promise<T> {
  const response = await app.inject({ method: 'POST', url: `/api/v1${url}`, headers, payload });
  expect(response.statusCode, `POST ${url}: ${response.body}`).toBe(201);
  return response.json().data as T;
}

/** A new active board (an admin's call); its id and slug. */
export function createBoard(app: App, admin: AuthHeader, name = '자유게시판') {
  sequence += 1;
  return created<{ id: number; slug: string }>(app, '/admin/boards', admin, {
    slug: `board-${process.pid}-${sequence}`,
    name: `${name} ${sequence}`,
  });
}

/** A post on the board by `author`; its detail. */
export function writePost(
  app: App,
  author: AuthHeader,
  boardId: number,
  body: { title?: string; content?: string; imageIds?: number[] } = {},
) {
  sequence += 1;
  return created<{ id: number; title: string; content: string; likeCount: number; commentCount: number }>(
    app,
    `/boards/${boardId}/posts`,
    author,
    { title: `글 ${sequence}`, content: `<p>본문 ${sequence}</p>`, ...body },
  );
}

/** Payloads that run script in a browser if stored and shown as they are. */
export const xssPayloads = [
  '<script>alert(document.cookie)</script>안녕하세요',
  '<img src="x" onerror="alert(1)">사진',
  '<a href="javascript:alert(1)">링크</a>',
  '<svg onload="alert(1)"><circle r="5"/></svg>벡터',
  '<p onclick="steal()" style="background:url(javascript:alert(1))">문단</p>',
  '<iframe src="https://evil.example.com"></iframe>틀',
  '<a href="https://example.com" target="_blank">좋은 링크</a>',
];

/** Nothing left that a browser would run. */
export function expectHarmless(html: string) {
  expect(html).not.toMatch(/<script|<svg|<iframe|<style|\son\w+\s*=|javascript:|style=/i);
}
