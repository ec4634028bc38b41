import type { BreakerSnapshot, BreakerState } from '@pbshop/resilience';
import { Gauge, type Registry } from 'prom-client';
import { readSource, sourceUpGauge } from './registry.ts';

const breakerStates: BreakerState[] = ['closed', 'open', 'half-open', 'isolated'];

/**
 * `pbshop_circuit_breaker_state{breaker,state}`: 1 for each breaker's current state, 0 for the
 * others, from the snapshots `read` returns (this process's breakers).
 */
export function registerBreakerStates(registry: Registry, read: () => Promise<BreakerSnapshot[]>): void {
  sourceUpGauge(registry);
  new Gauge({
    name: 'pbshop_circuit_breaker_state',
    help: "This process's circuit breakers: 1 for the state each is in, 0 for the others",
    labelNames: ['breaker', 'state'],
    registers: [registry],
    async collect() {
      await readSource(registry, 'breakers', read, (snapshots) => {
        this.reset();
        for (const snapshot of snapshots ?? []) {
          for (const state of breakerStates)
            this.set({ breaker: snapshot.name, state }, snapshot.state === state ? 1 : 0);
        }
      });
    },
  });
}
