import { randomBytes } from 'node:crypto';
import { compatibilityRules, type Database, isUniqueViolation, pcBuildParts, pcBuilds } from '@pbshop/db';
import { AppError } from '@pbshop/errors';
import { and, asc, count, eq, isNotNull, type SQL, sql } from 'drizzle-orm';
import { compatibilityOf, type Purpose } from './compatibility.ts';
import {
  type CheckedPart,
  checkProblem,
  columnsOf,
  levelOf,
  type PartType,
  type Rule,
  type RuleCheck,
  ruleOf,
  type SpecValue,
  type StoredRule,
  toCheck,
} from './rules.ts';
import type {
  AddPartBody,
  BuildDetail,
  BuildSummary,
  CompatibilityRuleItem,
  CreateBuildBody,
  RuleBody,
  UpdateBuildBody,
  UpdateRuleBody,
} from './schemas.ts';

/** Part types a build holds one of: adding another replaces it. */
const singleSlotTypes: readonly PartType[] = ['CPU', 'MOTHERBOARD', 'GPU', 'PSU', 'CASE', 'COOLER'];
/** Enough for any desktop (several drives, RAM kits, monitors), and a bound on a build's check. */
const MAX_PARTS = 20;
/** 16 random bytes: 128 bits, 22 base64url characters. */
const SHARE_CODE_BYTES = 16;
const shareCodeShape = /^[A-Za-z0-9_-]{22}$/;

export interface PcBuilderServiceOptions {
  db: Database;
  /** the storefront's address for share links */
  publicBaseUrl: string;
}

interface PartRow {
  id: number;
  partType: PartType;
  quantity: number;
  productId: number;
  productName: string;
  lowestPrice: number | null;
  sellerId: number | null;
  sellerName: string | null;
  price: number | null;
  addedAt: string;
  specs: Record<string, SpecValue> | null;
}

interface BuildRow extends Record<string, unknown> {
  id: number;
  user_id: number;
  name: string;
  description: string | null;
  purpose: Purpose;
  budget: number | null;
  share_code: string | null;
  view_count: number;
  created_at: string;
  updated_at: string;
  parts: PartRow[];
}

/**
 * The offer a part is priced from: the chosen shop's offer when it still has one (whatever its
 * stock), else the lowest offer in stock at a live shop.
 */
const partOffer = (part: SQL) => sql`
  left join lateral (
    select o.seller_id, s.name as seller_name, o.price
    from offers o join sellers s on s.id = o.seller_id and s.deleted_at is null
    where o.product_id = ${part}.product_id
      and (o.seller_id = ${part}.seller_id or o.stock_state <> 'OUT_OF_STOCK')
    order by (o.seller_id = ${part}.seller_id) is true desc, o.price, o.id
    limit 1
  ) o on true`;

/** A build summary's total, summed from the parts' current offers. */
const buildTotal = sql`coalesce((
  select sum(o.price * p.quantity) from pc_build_parts p ${partOffer(sql.raw('p'))}
  where p.build_id = b.id), 0)::bigint`;

function iso(value: string | Date): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

function ruleItem(row: typeof compatibilityRules.$inferSelect): CompatibilityRuleItem {
  const stored: StoredRule = {
    id: row.id,
    name: row.name,
    source_part_type: row.sourcePartType,
    source_spec: row.sourceSpec,
    target_part_type: row.targetPartType,
    target_spec: row.targetSpec,
    operator: row.operator,
    params: row.params,
    severity: row.severity,
    message: row.message,
  };
  const { level: _level, ...params } = row.params;
  const metadata =
    row.operator === 'REQUIRED'
      ? { operator: 'REQUIRED', required: true }
      : { operator: row.operator, sourceSpec: row.sourceSpec, targetSpec: row.targetSpec, ...params };
  return {
    id: row.id,
    partType: row.sourcePartType,
    targetPartType: row.targetPartType,
    title: row.name,
    description: row.description ?? row.message,
    severity: levelOf(stored),
    enabled: row.isActive,
    metadata,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/**
 * PC builds (PCBLD-01..11): members' builds with parts priced from their offers at read time,
 * the compatibility check against the admin's rules (read fresh on every check: one query over a
 * table of a few dozen rows), share links with random codes, popular shared builds.
 */
export function pcBuilderService({ db, publicBaseUrl }: PcBuilderServiceOptions) {
  /** The build, its parts with their offers and specs: one statement. */
  async function readBuild(id: number): Promise<BuildRow | undefined> {
    const [row] = await db.execute<BuildRow>(sql`
      select b.id, b.user_id, b.name, b.description, b.purpose, b.budget, b.share_code, b.view_count,
             b.created_at, b.updated_at,
             coalesce((
               select json_agg(json_build_object(
                 'id', p.id, 'partType', p.part_type, 'quantity', p.quantity,
                 'productId', pr.id, 'productName', pr.name, 'lowestPrice', pr.lowest_price,
                 'sellerId', o.seller_id, 'sellerName', o.seller_name, 'price', o.price,
                 'addedAt', p.created_at,
                 'specs', (
                   select json_object_agg(d.key, coalesce(to_json(v.number_value), to_json(v.text_value)))
                   from product_spec_values v join spec_definitions d on d.id = v.spec_definition_id
                   where v.product_id = p.product_id
                     and (v.number_value is not null or v.text_value is not null))
               ) order by p.id)
               from pc_build_parts p
               join products pr on pr.id = p.product_id
               ${partOffer(sql.raw('p'))}
               where p.build_id = b.id
             ), '[]'::json) as parts
      from pc_builds b where b.id = ${id}`);
    return row;
  }

  async function activeRules(): Promise<Rule[]> {
    const rows = await db.execute<StoredRule & Record<string, unknown>>(sql`
      select id, name, source_part_type, source_spec, target_part_type, target_spec, operator, params,
             severity, message
      from compatibility_rules where is_active order by id`);
    // a row no admin write could have made (hand-edited) is skipped, not a failed check
    return rows.map((row) => ruleOf({ ...row, id: Number(row.id) })).filter((rule) => rule !== null);
  }

  function detailOf(row: BuildRow, rules: readonly Rule[]): BuildDetail {
    const parts = row.parts.map((part) => {
      const unitPrice = part.price === null ? 0 : Number(part.price);
      return {
        id: Number(part.id),
        partType: part.partType,
        quantity: part.quantity,
        product: {
          id: Number(part.productId),
          name: part.productName,
          lowestPrice: part.lowestPrice === null ? null : Number(part.lowestPrice),
        },
        seller:
          part.sellerId === null
            ? null
            : { id: Number(part.sellerId), name: part.sellerName ?? '', price: unitPrice },
        unitPrice,
        totalPrice: unitPrice * part.quantity,
        addedAt: iso(part.addedAt),
      };
    });
    const checked: CheckedPart[] = row.parts.map((part) => ({
      id: Number(part.id),
      partType: part.partType,
      quantity: part.quantity,
      specs: part.specs ?? {},
    }));
    const compatibility = compatibilityOf(checked, row.purpose, rules);
    return {
      id: Number(row.id),
      userId: Number(row.user_id),
      name: row.name,
      description: row.description,
      purpose: row.purpose,
      budget: row.budget === null ? null : Number(row.budget),
      totalPrice: parts.reduce((sum, part) => sum + part.totalPrice, 0),
      shareCode: row.share_code,
      viewCount: row.view_count,
      parts,
      compatibility,
      bottleneck: compatibility.bottleneck,
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    };
  }

  async function detail(id: number): Promise<BuildDetail> {
    const [row, rules] = await Promise.all([readBuild(id), activeRules()]);
    if (!row) throw new AppError('PC_BUILD_NOT_FOUND');
    return detailOf(row, rules);
  }

  /** The build when `userId` owns it: 404 when there is none, 403 when it is someone else's. */
  async function owned(userId: number, id: number) {
    const [build] = await db
      .select({ id: pcBuilds.id, userId: pcBuilds.userId })
      .from(pcBuilds)
      .where(eq(pcBuilds.id, id));
    if (!build) throw new AppError('PC_BUILD_NOT_FOUND');
    if (build.userId !== userId) throw new AppError('FORBIDDEN');
    return build;
  }

  async function summaries(where: SQL, order: SQL, page: { page: number; limit: number }) {
    const rows = await db.execute<{
      id: number;
      name: string;
      purpose: Purpose;
      budget: number | null;
      share_code: string | null;
      view_count: number;
      updated_at: string;
      total_price: number;
    }>(sql`
      select b.id, b.name, b.purpose, b.budget, b.share_code, b.view_count, b.updated_at, ${buildTotal} as total_price
      from pc_builds b where ${where} order by ${order}
      limit ${page.limit} offset ${(page.page - 1) * page.limit}`);
    const items: BuildSummary[] = rows.map((row) => ({
      id: Number(row.id),
      name: row.name,
      purpose: row.purpose,
      budget: row.budget === null ? null : Number(row.budget),
      totalPrice: Number(row.total_price),
      shareCode: row.share_code,
      viewCount: row.view_count,
      updatedAt: iso(row.updated_at),
    }));
    return items;
  }

  function validCheck(targetPartType: PartType | null, check: RuleCheck): void {
    const problem = checkProblem(check, targetPartType);
    if (problem) throw new AppError('COMPATIBILITY_RULE_INVALID', { details: { metadata: problem } });
  }

  async function writeRule<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (isUniqueViolation(error)) throw new AppError('COMPATIBILITY_RULE_NAME_TAKEN');
      throw error;
    }
  }

  return {
    detail,

    async compatibility(id: number) {
      return (await detail(id)).compatibility;
    },

    async mine(userId: number, page: { page: number; limit: number }) {
      const [items, [total]] = await Promise.all([
        summaries(sql`b.user_id = ${userId}`, sql`b.created_at desc, b.id desc`, page),
        db.select({ value: count() }).from(pcBuilds).where(eq(pcBuilds.userId, userId)),
      ]);
      return { items, totalCount: total?.value ?? 0 };
    },

    /** Shared builds, the most viewed first. */
    async popular(page: { page: number; limit: number }) {
      const [items, [total]] = await Promise.all([
        summaries(sql`b.share_code is not null`, sql`b.view_count desc, b.id desc`, page),
        db.select({ value: count() }).from(pcBuilds).where(isNotNull(pcBuilds.shareCode)),
      ]);
      return { items, totalCount: total?.value ?? 0 };
    },

    async create(userId: number, body: CreateBuildBody): Promise<BuildDetail> {
      const [row] = await db
        .insert(pcBuilds)
        .values({
          userId,
          name: body.name,
          description: body.description ?? null,
          purpose: body.purpose,
          budget: body.budget ?? null,
        })
        .returning({ id: pcBuilds.id });
      return detail(row!.id);
    },

    async update(userId: number, id: number, body: UpdateBuildBody): Promise<BuildDetail> {
      await owned(userId, id);
      await db
        .update(pcBuilds)
        .set({ ...body, updatedAt: new Date() })
        .where(eq(pcBuilds.id, id));
      return detail(id);
    },

    async remove(userId: number, id: number): Promise<void> {
      await owned(userId, id);
      await db.delete(pcBuilds).where(eq(pcBuilds.id, id));
    },

    /** Adds a part, or updates it: a single-slot type replaces the build's part of that type. */
    async addPart(userId: number, id: number, body: AddPartBody): Promise<BuildDetail> {
      await db.transaction(async (tx) => {
        // the build's row lock serialises concurrent part writes of one build
        const [build] = await tx
          .select({ userId: pcBuilds.userId })
          .from(pcBuilds)
          .where(eq(pcBuilds.id, id))
          .for('update');
        if (!build) throw new AppError('PC_BUILD_NOT_FOUND');
        if (build.userId !== userId) throw new AppError('FORBIDDEN');
        const [product] = await tx.execute<{ part_type: string | null; offered: boolean }>(sql`
          select (select v.text_value from product_spec_values v
                    join spec_definitions d on d.id = v.spec_definition_id and d.key = 'pc_part_type'
                  where v.product_id = p.id limit 1) as part_type,
                 ${
                   body.sellerId
                     ? sql`exists (select 1 from offers o join sellers s on s.id = o.seller_id and s.deleted_at is null
                          where o.product_id = p.id and o.seller_id = ${body.sellerId})`
                     : sql`true`
                 } as offered
          from products p where p.id = ${body.productId} and p.deleted_at is null`);
        if (!product) throw new AppError('PRODUCT_NOT_FOUND');
        if (product.part_type !== body.partType) {
          throw new AppError('PC_PART_TYPE_MISMATCH', {
            details: {
              productId: body.productId,
              partType: body.partType,
              productPartType: product.part_type,
            },
          });
        }
        if (!product.offered) throw new AppError('OFFER_NOT_FOUND');
        const existing = await tx
          .select({ id: pcBuildParts.id, partType: pcBuildParts.partType, productId: pcBuildParts.productId })
          .from(pcBuildParts)
          .where(eq(pcBuildParts.buildId, id));
        const same = singleSlotTypes.includes(body.partType)
          ? existing.find((part) => part.partType === body.partType)
          : existing.find((part) => part.partType === body.partType && part.productId === body.productId);
        const fields = {
          productId: body.productId,
          sellerId: body.sellerId ?? null,
          quantity: body.quantity,
        };
        if (same) {
          await tx
            .update(pcBuildParts)
            .set({ ...fields, updatedAt: new Date() })
            .where(eq(pcBuildParts.id, same.id));
        } else {
          if (existing.length >= MAX_PARTS) throw new AppError('PC_BUILD_PART_LIMIT');
          await tx.insert(pcBuildParts).values({ buildId: id, partType: body.partType, ...fields });
        }
        await tx.update(pcBuilds).set({ updatedAt: new Date() }).where(eq(pcBuilds.id, id));
      });
      return detail(id);
    },

    async removePart(userId: number, id: number, partId: number): Promise<BuildDetail> {
      await owned(userId, id);
      const removed = await db
        .delete(pcBuildParts)
        .where(and(eq(pcBuildParts.id, partId), eq(pcBuildParts.buildId, id)))
        .returning({ id: pcBuildParts.id });
      if (removed.length === 0) throw new AppError('PC_BUILD_PART_NOT_FOUND');
      await db.update(pcBuilds).set({ updatedAt: new Date() }).where(eq(pcBuilds.id, id));
      return detail(id);
    },

    /** The build's share link; the code is made once (random, 128 bits) and kept. */
    async share(userId: number, id: number) {
      await owned(userId, id);
      const candidate = randomBytes(SHARE_CODE_BYTES).toString('base64url');
      const [row] = await db
        .update(pcBuilds)
        .set({
          shareCode: sql`coalesce(${pcBuilds.shareCode}, ${candidate})`,
          shareCount: sql`${pcBuilds.shareCount} + 1`,
        })
        .where(eq(pcBuilds.id, id))
        .returning({ shareCode: pcBuilds.shareCode });
      const shareCode = row!.shareCode!;
      return {
        shareCode,
        shareUrl: `${publicBaseUrl.replace(/\/+$/, '')}/api/v1/pc-builds/shared/${shareCode}`,
      };
    },

    /** A shared build by its code, counting the view; any other text is simply not found. */
    async shared(shareCode: string): Promise<BuildDetail> {
      if (!shareCodeShape.test(shareCode)) throw new AppError('PC_BUILD_NOT_FOUND');
      const [row] = await db
        .update(pcBuilds)
        .set({ viewCount: sql`${pcBuilds.viewCount} + 1` })
        .where(eq(pcBuilds.shareCode, shareCode))
        .returning({ id: pcBuilds.id });
      if (!row) throw new AppError('PC_BUILD_NOT_FOUND');
      return detail(row.id);
    },

    async rules(): Promise<CompatibilityRuleItem[]> {
      const rows = await db.select().from(compatibilityRules).orderBy(asc(compatibilityRules.id));
      return rows.map(ruleItem);
    },

    async createRule(body: RuleBody): Promise<CompatibilityRuleItem> {
      const check = toCheck(body.metadata);
      const target = body.targetPartType ?? null;
      validCheck(target, check);
      const columns = columnsOf(check, body.severity);
      const [row] = await writeRule(() =>
        db
          .insert(compatibilityRules)
          .values({
            name: body.title,
            description: body.description,
            message: body.description,
            sourcePartType: body.partType,
            targetPartType: target,
            operator: check.operator,
            severity: body.severity === 'HIGH' ? 'ERROR' : 'WARNING',
            isActive: body.enabled,
            ...columns,
          })
          .returning(),
      );
      return ruleItem(row!);
    },

    /** Changes a rule; the result is checked whole (a new target type must fit the kept check and so on). */
    async updateRule(id: number, body: UpdateRuleBody): Promise<CompatibilityRuleItem> {
      const [current] = await db.select().from(compatibilityRules).where(eq(compatibilityRules.id, id));
      if (!current) throw new AppError('COMPATIBILITY_RULE_NOT_FOUND');
      const stored = ruleOf({
        id: current.id,
        name: current.name,
        source_part_type: current.sourcePartType,
        source_spec: current.sourceSpec,
        target_part_type: current.targetPartType,
        target_spec: current.targetSpec,
        operator: current.operator,
        params: current.params,
        severity: current.severity,
        message: current.message,
      });
      const check = body.metadata ? toCheck(body.metadata) : stored?.check;
      if (!check) throw new AppError('COMPATIBILITY_RULE_INVALID', { details: { metadata: 'required' } });
      const partType = body.partType ?? current.sourcePartType;
      const target = body.targetPartType === undefined ? current.targetPartType : body.targetPartType;
      validCheck(target, check);
      const level = body.severity ?? levelOf({ params: current.params, severity: current.severity });
      const [row] = await writeRule(() =>
        db
          .update(compatibilityRules)
          .set({
            ...(body.title === undefined ? {} : { name: body.title }),
            ...(body.description === undefined
              ? {}
              : { description: body.description, message: body.description }),
            ...(body.enabled === undefined ? {} : { isActive: body.enabled }),
            sourcePartType: partType,
            targetPartType: target,
            operator: check.operator,
            severity: level === 'HIGH' ? 'ERROR' : 'WARNING',
            ...columnsOf(check, level),
            updatedAt: new Date(),
          })
          .where(eq(compatibilityRules.id, id))
          .returning(),
      );
      return ruleItem(row!);
    },

    async removeRule(id: number): Promise<void> {
      const removed = await db
        .delete(compatibilityRules)
        .where(eq(compatibilityRules.id, id))
        .returning({ id: compatibilityRules.id });
      if (removed.length === 0) throw new AppError('COMPATIBILITY_RULE_NOT_FOUND');
    },
  };
}

export type PcBuilderService = ReturnType<typeof pcBuilderService>;
