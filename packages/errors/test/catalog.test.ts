import { describe, expect, it } from 'vitest';
import { AppError, errorCatalog, languageFrom, languages, messageOf } from '../src/index.ts';

describe('error catalog', () => {
  it('gives every code a 4xx/5xx status and a message in each language', () => {
    for (const [code, entry] of Object.entries(errorCatalog)) {
      expect(code).toMatch(/^[A-Z][A-Z_]+$/);
      expect(entry.status).toBeGreaterThanOrEqual(400);
      expect(entry.status).toBeLessThan(600);
      for (const language of languages) expect(entry.message[language].length).toBeGreaterThan(3);
    }
  });

  it.each([
    [undefined, 'ko'],
    ['en-US,en;q=0.9', 'en'],
    ['ja', 'ja'],
    ['fr-FR, ja;q=0.5, en;q=0.8', 'en'],
    ['de', 'ko'],
    ['en;q=0, ja;q=0.1', 'ja'],
    ['*', 'ko'],
    [';;;,,q=abc', 'ko'],
  ])('Accept-Language %s picks %s', (header, expected) => {
    expect(languageFrom(header)).toBe(expected);
  });

  it('AppError carries the code, its status and details', () => {
    const error = new AppError('USER_NOT_FOUND', { details: { id: 'x' } });
    expect(error).toMatchObject({ code: 'USER_NOT_FOUND', status: 404, details: { id: 'x' } });
    expect(messageOf('USER_NOT_FOUND', 'ko')).toBe('사용자를 찾을 수 없습니다.');
  });
});
