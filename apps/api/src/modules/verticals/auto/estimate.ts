// The arithmetic of a new-car estimate, apart from where its figures come from. Every amount is an
// integer KRW: each tax is rounded down to the won (원 미만 절사) and the monthly installment is
// rounded up to the won, so the n payments never fall short of the principal.

/** The four taxes on a passenger car purchase, by their `car_tax_rates.code`. */
export const TAX_CODES = ['INDIVIDUAL_CONSUMPTION_TAX', 'EDUCATION_TAX', 'VAT', 'ACQUISITION_TAX'] as const;
export type TaxCode = (typeof TAX_CODES)[number];

/** `car_tax_rates.rate` is numeric(8,5): a rate in hundred-thousandths is exact. */
const RATE_SCALE = 100_000n;

export interface TaxAmount {
  code: TaxCode;
  base: number;
  amount: number;
}

/** `base × rate`, rounded down to the won, in integers (a base of 10^12 won times 10^5 stays exact). */
export function taxOn(base: number, rate: string): number {
  const [whole = '0', fraction = ''] = rate.split('.');
  const units = BigInt(whole) * RATE_SCALE + BigInt(fraction.padEnd(5, '0').slice(0, 5));
  return Number((BigInt(base) * units) / RATE_SCALE);
}

/**
 * The taxes on a factory price (공장도가격, before any tax):
 * - individual consumption tax (개별소비세) on the factory price;
 * - education tax (교육세) on the consumption tax;
 * - VAT (부가가치세) on factory price + consumption tax + education tax;
 * - acquisition tax (취득세) on the supply price without VAT: factory price + consumption tax +
 *   education tax (the price paid, VAT excluded: 지방세법 시행령 제18조).
 */
export function carTaxes(factoryPrice: number, rates: Record<TaxCode, string>): TaxAmount[] {
  const consumption = taxOn(factoryPrice, rates.INDIVIDUAL_CONSUMPTION_TAX);
  const education = taxOn(consumption, rates.EDUCATION_TAX);
  const supplyPrice = factoryPrice + consumption + education;
  return [
    { code: 'INDIVIDUAL_CONSUMPTION_TAX', base: factoryPrice, amount: consumption },
    { code: 'EDUCATION_TAX', base: consumption, amount: education },
    { code: 'VAT', base: supplyPrice, amount: taxOn(supplyPrice, rates.VAT) },
    { code: 'ACQUISITION_TAX', base: supplyPrice, amount: taxOn(supplyPrice, rates.ACQUISITION_TAX) },
  ];
}

/**
 * The amortised monthly payment M = P·r / (1 − (1 + r)^−n) with r the annual rate / 12; at 0 %
 * it is P / n. Rounded up to the won.
 */
export function monthlyInstallment(principal: number, annualRatePercent: number, months: number): number {
  if (principal <= 0) return 0;
  if (annualRatePercent === 0) return Math.ceil(principal / months);
  const r = annualRatePercent / 100 / 12;
  return Math.ceil((principal * r) / (1 - (1 + r) ** -months));
}
