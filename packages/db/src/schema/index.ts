export * from './activity.ts';
export * from './auth.ts';
export * from './catalog.ts';
export * from './crawler.ts';
export * from './ops.ts';
export * from './search.ts';
export * from './specs.ts';
export * from './users.ts';
