import type { PcPartType } from './schema/verticals.ts';

/**
 * What share of the new price a part of each type fetches used (a few months old, good condition),
 * from the spread of Korean second-hand listings (중고나라, 번개장터, 당근마켓): GPUs and CPUs hold their
 * value while their generation is current, drives and cases sell cheaply. The seed makes its used
 * listings with it; the used market prices a part without listings with it.
 */
export const pcPartUsedShare: Readonly<Record<PcPartType, number>> = {
  CPU: 0.72,
  MOTHERBOARD: 0.6,
  RAM: 0.62,
  GPU: 0.74,
  SSD: 0.55,
  HDD: 0.5,
  PSU: 0.58,
  CASE: 0.5,
  COOLER: 0.55,
  MONITOR: 0.6,
};
