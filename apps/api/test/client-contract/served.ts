// Which client calls the API serves, from its OpenAPI document: a call is served when the
// document has its method on the same path template, parameter names ignored
// (`/products/:id` matches `/products/{productId}`).
import type { CallKey, ClientCall } from './calls.ts';
import { keyOf } from './calls.ts';

/** app.ts mounts every storefront route under this prefix; client paths are relative to it. */
export const apiBase = '/api/v1';

const methods = ['get', 'post', 'patch', 'put', 'delete'] as const;

/** A path template with every parameter, `:name` or `{name}`, written `{}`. */
export function templateOf(path: string): string {
  return path
    .split('/')
    .map((segment) => (/^:[^/]+$/.test(segment) || /^\{[^/]+\}$/.test(segment) ? '{}' : segment))
    .join('/');
}

export interface OpenApiPaths {
  paths?: Record<string, Partial<Record<string, unknown>>>;
}

/**
 * `"METHOD template"` of every operation under the API base, with the base cut off; the
 * routes outside it (`/health` at the root for load balancers, stored media) are not the
 * client's.
 */
export function servedOperations(document: OpenApiPaths): Set<string> {
  const served = new Set<string>();
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    if (!path.startsWith(`${apiBase}/`)) continue;
    const template = templateOf(path.slice(apiBase.length));
    for (const method of methods) {
      if (operations[method]) served.add(`${method.toUpperCase()} ${template}`);
    }
  }
  return served;
}

export function isServed(served: Set<string>, call: Pick<ClientCall, 'method' | 'path'>): boolean {
  return served.has(`${call.method} ${templateOf(call.path)}`);
}

export function servedKeys(served: Set<string>, calls: readonly ClientCall[]): Set<CallKey> {
  return new Set(calls.filter((call) => isServed(served, call)).map(keyOf));
}
