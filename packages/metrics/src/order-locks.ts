import { Histogram, type Registry } from 'prom-client';

/**
 * `pbshop_order_lock_hold_seconds`: how long placing an order held its row locks, from the first
 * stock lock to the commit (or rollback). Every other order and price change of those products
 * waits that long, so it bounds the orders per second one product can take. Fine buckets below
 * 10 ms, where a healthy order lies.
 */
export function orderLockHold(registry: Registry): (seconds: number) => void {
  const histogram = new Histogram({
    name: 'pbshop_order_lock_hold_seconds',
    help: 'Time an order held its product, offer and member row locks: first stock lock to commit or rollback',
    buckets: [
      0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03,
      0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5,
    ],
    registers: [registry],
  });
  return (seconds) => histogram.observe(seconds);
}
