/** Where the shared test services live; `./scripts/services.sh up` starts them. */
export const serviceUrls = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  opensearch: process.env.TEST_OPENSEARCH_URL ?? 'http://127.0.0.1:9200',
};
