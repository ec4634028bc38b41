export {
  CallerAborted,
  createAttemptPolicies,
  createBreaker,
  PermanentFailure,
  type PolicyFamily,
  type PolicySettings,
  policySettings,
  settingsFor,
} from './policies.ts';
export {
  type BreakerSnapshot,
  type BreakerState,
  ResilienceRegistry,
  type ResilienceRegistryOptions,
} from './registry.ts';
