// The buy-back estimate's figures, as data with the reason for each.
import type { PartType } from '../pc-builder/rules.ts';

/**
 * Monthly loss of value of a part the member owns, on top of today's used price (which is what
 * such a part sells for now): GPUs and CPUs lose the most as new generations and price cuts
 * arrive, PSUs, cases and coolers hardly age. Rough figures from how Korean second-hand
 * prices (중고나라, 번개장터) of the same model fall month over month.
 */
export const monthlyDepreciation: Record<PartType, number> = {
  CPU: 0.015,
  MOTHERBOARD: 0.015,
  RAM: 0.01,
  GPU: 0.025,
  SSD: 0.012,
  HDD: 0.012,
  PSU: 0.008,
  CASE: 0.005,
  COOLER: 0.006,
  MONITOR: 0.01,
};

/** A buy-back shop pays this share of the private used price: its margin, testing and resale risk. */
export const BUYBACK_SHARE = 0.9;

/** An average month, for the age of a part in whole months. */
export const MONTH_MS = 30.44 * 86_400_000;
