// Categories and sellers through the admin API, for any test that needs catalog rows
// (products, prices…). Each call fails the test loudly if the API refuses.
import { randomBytes } from 'node:crypto';
import type { App } from '../../src/app.ts';

export interface CategoryData {
  id: number;
  name: string;
  parentId: number | null;
  sortOrder: number;
  path: { id: number; name: string }[];
  children: { id: number; name: string; sortOrder: number }[];
}

export interface SellerData {
  id: number;
  name: string;
  url: string;
  logoUrl: string | null;
  description: string | null;
  trustScore: number;
  createdAt: string;
}

export interface SellerFields {
  name?: string;
  url?: string;
  logoUrl?: string | null;
  description?: string | null;
  trustScore?: number;
  ownerUserId?: number | null;
}

type AuthHeader = { authorization: string };

/** A name no other call of this process hands out. */
export function uniqueName(label: string): string {
  return `${label} ${randomBytes(3).toString('hex')}`;
}

async function post<T>(app: App, url: string, headers: AuthHeader, payload: object): Promise<T> {
  const response = await app.inject({ method: 'POST', url, headers, payload });
  if (response.statusCode !== 201) {
    throw new Error(`POST ${url} answered ${response.statusCode}: ${response.body}`);
  }
  return response.json().data as T;
}

/** `POST /api/v1/categories` as the admin; the category as the API returns it. */
export function createCategory(
  app: App,
  adminAuthHeader: AuthHeader,
  input: { name: string; parentId?: number | null; sortOrder?: number },
): Promise<CategoryData> {
  return post<CategoryData>(app, '/api/v1/categories', adminAuthHeader, input);
}

/** `POST /api/v1/sellers` as the admin; name and url default to unique values. */
export function createSeller(
  app: App,
  adminAuthHeader: AuthHeader,
  input: SellerFields = {},
): Promise<SellerData> {
  const name = input.name ?? uniqueName('Shop');
  const host =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'shop';
  return post<SellerData>(app, '/api/v1/sellers', adminAuthHeader, {
    url: `https://${host}.example.com`,
    ...input,
    name,
  });
}
