/** The currencies prices are shown in; money is stored in KRW (DESIGN: conversion happens on read). */
export const currencies = ['KRW', 'USD', 'JPY'] as const;
export type Currency = (typeof currencies)[number];

/** Decimals a converted amount keeps: none for KRW and JPY, cents for USD. */
export const currencyDecimals: Record<Currency, number> = { KRW: 0, USD: 2, JPY: 0 };

export function isCurrency(code: string): code is Currency {
  return (currencies as readonly string[]).includes(code);
}

/** Rounds an amount to its currency's decimals (half away from zero, as prices are shown). */
export function roundFor(currency: Currency, amount: number): number {
  const scale = 10 ** currencyDecimals[currency];
  return (Math.sign(amount) * Math.round(Math.abs(amount) * scale)) / scale;
}
