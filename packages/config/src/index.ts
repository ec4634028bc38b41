export { coalesced, sleepUnlessAborted, withTimeout } from './async.ts';
export {
  type Env,
  EnvError,
  envKeys,
  envSchema,
  loadEnvOrExit,
  loadRepoEnvFile,
  oauthEndpointDefaults,
  parseEnv,
  parseEnvSubset,
  repoRoot,
  type SocialProviderName,
  socialProviders,
} from './env.ts';
export { compareEnvFiles, type EnvFileComparison, readEnvFileKeys } from './env-file.ts';
export { entityId, entityIdText } from './ids.ts';
export { onShutdownSignal, type ShutdownProgress } from './lifecycle.ts';
export { createLogger, type Logger } from './logger.ts';
