// The accounts the perf mock server creates in its scratch database and the smoke logs in with.
// Scratch data only: the database is dropped when the mock server stops.
export const PERF_PASSWORD = 'perf-smoke-1!';
export const PERF_ADMIN_EMAIL = 'perf-admin@example.com';
export const PERF_MEMBER_EMAIL = 'perf-member@example.com';

/** the mock server's ports: the API, then the bare route beside it */
export const PERF_API_PORT = 3310;
export const PERF_BARE_PORT = 3311;
