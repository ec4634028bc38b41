export {
  AttemptAbort,
  AttemptTimedOut,
  attemptWithTimeout,
  type BreakerTuning,
  CallerAborted,
  createBreaker,
  createRetryPolicy,
  PermanentFailure,
  type PolicyFamily,
  type PolicySettings,
  policySettings,
  settingsFor,
} from './policies.ts';
export {
  type BreakerSnapshot,
  type BreakerState,
  type BreakerStatus,
  type HeldBreakers,
  ResilienceRegistry,
  type ResilienceRegistryOptions,
} from './registry.ts';
export {
  type AutoTuneSettings,
  autoTuneFrom,
  type BreakerOptions,
  breakerKeys,
  defaultAutoTune,
  type PolicyRecord,
  tuningRules,
} from './tuning.ts';
