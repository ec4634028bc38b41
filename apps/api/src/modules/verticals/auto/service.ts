import { carLeaseOffers, carModels, carOptions, carTaxRates, carTrims, type Database } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, eq, gte, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import { carTaxes, monthlyInstallment, TAX_CODES, type TaxCode } from './estimate.ts';
import type {
  CarModelListQuery,
  CarModelResponse,
  CarTrimResponse,
  EstimateBody,
  EstimateResponse,
  LeaseOfferResponse,
} from './schemas.ts';

/** Today's date in Korea, where the taxes are due: YYYY-MM-DD. */
export function seoulToday(now = new Date()): string {
  return now.toLocaleDateString('sv-SE', { timeZone: 'Asia/Seoul' });
}

/**
 * Car models, trims, options, rent and lease offers, and the new-car estimate (AUTO-01..02). The
 * auto module owns the car_* tables; the tax rates are data (`car_tax_rates`), each with its source
 * and the period it applies to.
 */
export function autoService(db: Database) {
  /** the cheapest trim's price per model; a model without a trim is not listed (nothing to buy) */
  const cheapestTrim = db
    .select({
      modelId: carTrims.modelId,
      basePrice: sql<number>`min(${carTrims.basePrice})`.mapWith(Number).as('base_price'),
      trimCount: sql<number>`count(*)`.mapWith(Number).as('trim_count'),
    })
    .from(carTrims)
    .groupBy(carTrims.modelId)
    .as('cheapest_trim');

  async function modelExists(modelId: number): Promise<void> {
    const [row] = await db.select({ id: carModels.id }).from(carModels).where(eq(carModels.id, modelId));
    if (!row) throw new AppError('CAR_MODEL_NOT_FOUND');
  }

  /**
   * The rate of each tax in force on `date`: of the rows whose period holds it, the latest
   * `valid_from` (a temporary reduction over the standing rate).
   */
  async function ratesOn(date: string) {
    const rows = await db
      .selectDistinctOn([carTaxRates.code])
      .from(carTaxRates)
      .where(
        and(
          inArray(carTaxRates.code, [...TAX_CODES]),
          lte(carTaxRates.validFrom, date),
          or(isNull(carTaxRates.validUntil), gte(carTaxRates.validUntil, date)),
        ),
      )
      .orderBy(carTaxRates.code, sql`${carTaxRates.validFrom} desc`);
    const byCode = new Map(rows.map((row) => [row.code as TaxCode, row]));
    const missing = TAX_CODES.filter((code) => !byCode.has(code));
    if (missing.length > 0) {
      throw new AppError('CAR_TAX_RATE_NOT_FOUND', {
        details: missing.map((code) => ({ field: 'purchaseDate', message: `no ${code} rate for ${date}` })),
      });
    }
    return byCode as Map<TaxCode, (typeof rows)[number]>;
  }

  return {
    async listModels(query: CarModelListQuery): Promise<{ items: CarModelResponse[]; totalCount: number }> {
      const conditions: SQL[] = [];
      if (query.brand) conditions.push(sql`lower(${carModels.brand}) = lower(${query.brand})`);
      if (query.type) conditions.push(eq(carModels.type, query.type));
      const where = and(...conditions);
      const [rows, [total]] = await Promise.all([
        db
          .select({ model: carModels, basePrice: cheapestTrim.basePrice, trimCount: cheapestTrim.trimCount })
          .from(carModels)
          .innerJoin(cheapestTrim, eq(cheapestTrim.modelId, carModels.id))
          .where(where)
          .orderBy(asc(carModels.brand), asc(carModels.name), asc(carModels.id))
          .limit(query.limit)
          .offset((query.page - 1) * query.limit),
        db
          .select({ value: count() })
          .from(carModels)
          .innerJoin(cheapestTrim, eq(cheapestTrim.modelId, carModels.id))
          .where(where),
      ]);
      return {
        items: rows.map(({ model, basePrice, trimCount }) => ({
          id: model.id,
          brand: model.brand,
          name: model.name,
          type: model.type,
          fuelType: model.fuelType,
          imageUrl: model.imageUrl,
          releaseYear: model.releaseYear,
          basePrice,
          trimCount,
        })),
        totalCount: total?.value ?? 0,
      };
    },

    /** The model's trims, cheapest first, each with its options. */
    async trims(modelId: number): Promise<CarTrimResponse[]> {
      await modelExists(modelId);
      const trims = await db
        .select()
        .from(carTrims)
        .where(eq(carTrims.modelId, modelId))
        .orderBy(asc(carTrims.basePrice), asc(carTrims.id));
      if (trims.length === 0) return [];
      const options = await db
        .select()
        .from(carOptions)
        .where(
          inArray(
            carOptions.trimId,
            trims.map((trim) => trim.id),
          ),
        )
        .orderBy(asc(carOptions.price), asc(carOptions.id));
      const cheapest = trims[0]!.basePrice;
      return trims.map((trim) => ({
        id: trim.id,
        modelId: trim.modelId,
        name: trim.name,
        basePrice: trim.basePrice,
        priceDelta: trim.basePrice - cheapest,
        engineDisplacementCc: trim.engineDisplacementCc,
        specs: trim.specs,
        options: options
          .filter((option) => option.trimId === trim.id)
          .map((option) => ({
            id: option.id,
            trimId: option.trimId,
            name: option.name,
            price: option.price,
          })),
      }));
    },

    /** The model's rent and lease offers, cheapest monthly fee first. */
    async leaseOffers(modelId: number): Promise<LeaseOfferResponse[]> {
      await modelExists(modelId);
      const rows = await db
        .select()
        .from(carLeaseOffers)
        .where(eq(carLeaseOffers.modelId, modelId))
        .orderBy(asc(carLeaseOffers.monthlyPayment), asc(carLeaseOffers.id));
      return rows.map((row) => ({
        id: row.id,
        modelId: row.modelId,
        trimId: row.trimId,
        provider: row.provider,
        offerType: row.offerType,
        months: row.termMonths,
        monthlyFee: row.monthlyPayment,
        downPayment: row.deposit,
        annualMileageKm: row.annualMileageKm,
      }));
    },

    /**
     * The price of a trim with options, its taxes at the rates in force on the purchase date, and
     * the monthly installment of the vehicle price less the down payment.
     */
    async estimate(body: EstimateBody): Promise<EstimateResponse> {
      const [trim] = await db.select().from(carTrims).where(eq(carTrims.id, body.trimId));
      if (!trim || (body.modelId !== undefined && trim.modelId !== body.modelId)) {
        throw new AppError('CAR_TRIM_NOT_FOUND');
      }
      const options =
        body.optionIds.length === 0
          ? []
          : await db
              .select()
              .from(carOptions)
              .where(and(eq(carOptions.trimId, trim.id), inArray(carOptions.id, body.optionIds)));
      if (options.length !== body.optionIds.length) {
        const known = new Set(options.map((option) => option.id));
        throw new AppError('CAR_OPTION_NOT_FOUND', {
          details: body.optionIds
            .filter((id) => !known.has(id))
            .map((id) => ({
              field: 'optionIds',
              message: `option ${id} is not an option of trim ${trim.id}`,
            })),
        });
      }
      const purchaseDate = body.purchaseDate ?? seoulToday();
      const rates = await ratesOn(purchaseDate);
      const optionPrice = options.reduce((sum, option) => sum + option.price, 0);
      const factoryPrice = trim.basePrice + optionPrice;
      const amounts = carTaxes(
        factoryPrice,
        Object.fromEntries(TAX_CODES.map((code) => [code, rates.get(code)!.rate])) as Record<TaxCode, string>,
      );
      const amountOf = (code: TaxCode) => amounts.find((line) => line.code === code)!.amount;
      const tax = amounts.reduce((sum, line) => sum + line.amount, 0);
      const acquisitionTax = amountOf('ACQUISITION_TAX');
      const vehiclePrice = factoryPrice + tax - acquisitionTax;
      if (body.downPayment > vehiclePrice) {
        throw new AppError('VALIDATION_ERROR', {
          details: [{ field: 'body.downPayment', message: `more than the vehicle price (${vehiclePrice})` }],
        });
      }
      const principal = vehiclePrice - body.downPayment;
      const monthlyPayment = monthlyInstallment(principal, body.annualRatePercent, body.months);
      return {
        modelId: trim.modelId,
        trimId: trim.id,
        selectedOptionIds: body.optionIds,
        basePrice: trim.basePrice,
        optionPrice,
        factoryPrice,
        tax,
        taxes: amounts.map((line) => {
          const rate = rates.get(line.code)!;
          return {
            ...line,
            name: rate.name,
            rate: Number(rate.rate),
            source: rate.source,
            validFrom: rate.validFrom,
            validUntil: rate.validUntil,
          };
        }),
        vehiclePrice,
        totalPrice: vehiclePrice + acquisitionTax,
        monthlyPayment,
        installment: {
          downPayment: body.downPayment,
          principal,
          annualRatePercent: body.annualRatePercent,
          months: body.months,
          monthlyPayment,
          totalInterest: monthlyPayment * body.months - principal,
        },
        purchaseDate,
      };
    },
  };
}

export type AutoService = ReturnType<typeof autoService>;
