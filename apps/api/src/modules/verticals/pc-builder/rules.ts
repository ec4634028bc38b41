// Compatibility rules as data: what a rule may check (its operator and the specs it compares),
// validated by zod when an admin writes one and again when a check reads it, and how a build's
// parts are checked against them. Spec values come from the catalog's product specs by key.
import { type PcPartType, pcPartType } from '@pbshop/db';
import { z } from 'zod';

/** The part types: the schema's `pc_part_type` enum. */
export const partTypes = pcPartType.enumValues;
export type PartType = PcPartType;

/** The storefront's severity; HIGH breaks a build (ERROR), MEDIUM and LOW warn. */
export const ruleLevels = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type RuleLevel = (typeof ruleLevels)[number];

/** A spec's machine key as the specs module stores it (`spec_definitions.key`). */
export const specKey = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, 'a spec key: lower-case letters, digits, _');

/**
 * Operators comparing one spec of each source part with one spec of each target part:
 * EQUALS (same value), ONE_OF (the source value is in the target's comma-separated list),
 * CONTAINS (the source's list holds the target value), LTE / GTE (numbers).
 */
export const pairOperators = ['EQUALS', 'ONE_OF', 'CONTAINS', 'LTE', 'GTE'] as const;

/** What a rule checks; the storefront's `metadata` carries it (or `{ required: true }`). */
export const ruleCheck = z.discriminatedUnion('operator', [
  z.strictObject({ operator: z.enum(pairOperators), sourceSpec: specKey, targetSpec: specKey }),
  /** the sum over the source parts of spec × quantity at most the target part's spec (RAM modules ≤ slots) */
  z.strictObject({ operator: z.literal('COUNT_LTE'), sourceSpec: specKey, targetSpec: specKey }),
  /**
   * the source part's spec (PSU wattage) at least the sum of every part's `powerSpec` × quantity
   * plus `headroomPercent`
   */
  z.strictObject({
    operator: z.literal('POWER_HEADROOM'),
    sourceSpec: specKey,
    powerSpec: specKey,
    headroomPercent: z.number().min(0).max(200),
  }),
  /** a build is incomplete without a part of the rule's part type */
  z.strictObject({ operator: z.literal('REQUIRED') }),
]);
export type RuleCheck = z.infer<typeof ruleCheck>;

/** The storefront's shorthand for a REQUIRED rule. */
export const requiredShorthand = z.strictObject({ required: z.literal(true) });
export const ruleMetadata = z.union([ruleCheck, requiredShorthand]);
export type RuleMetadata = z.infer<typeof ruleMetadata>;

export const toCheck = (metadata: RuleMetadata): RuleCheck =>
  'operator' in metadata ? metadata : { operator: 'REQUIRED' };

/** Why a check cannot stand with these part types, or null when it can. */
export function checkProblem(check: RuleCheck, targetPartType: PartType | null): string | null {
  const needsTarget = check.operator !== 'POWER_HEADROOM' && check.operator !== 'REQUIRED';
  if (needsTarget && !targetPartType) return `${check.operator} compares with a targetPartType`;
  if (!needsTarget && targetPartType) return `${check.operator} takes no targetPartType`;
  return null;
}

export interface Rule {
  id: number;
  name: string;
  sourcePartType: PartType;
  targetPartType: PartType | null;
  check: RuleCheck;
  severity: 'ERROR' | 'WARNING';
  level: RuleLevel;
  message: string;
}

/** A stored row as the columns hold it. */
export interface StoredRule {
  id: number;
  name: string;
  source_part_type: string;
  source_spec: string;
  target_part_type: string | null;
  target_spec: string | null;
  operator: string;
  params: Record<string, unknown>;
  severity: 'ERROR' | 'WARNING';
  message: string;
}

const storedParams = z.looseObject({
  level: z.enum(ruleLevels).optional(),
  powerSpec: specKey.optional(),
  headroomPercent: z.number().optional(),
});

/** The check a row holds, as written by `columnsOf`; null for a row no admin write could have made. */
export function checkOf(row: Pick<StoredRule, 'operator' | 'source_spec' | 'target_spec' | 'params'>) {
  const params = storedParams.safeParse(row.params);
  if (!params.success) return null;
  const candidate =
    row.operator === 'REQUIRED'
      ? { operator: 'REQUIRED' }
      : row.operator === 'POWER_HEADROOM'
        ? {
            operator: row.operator,
            sourceSpec: row.source_spec,
            powerSpec: params.data.powerSpec,
            headroomPercent: params.data.headroomPercent,
          }
        : { operator: row.operator, sourceSpec: row.source_spec, targetSpec: row.target_spec };
  const check = ruleCheck.safeParse(candidate);
  return check.success ? check.data : null;
}

export function levelOf(row: Pick<StoredRule, 'params' | 'severity'>): RuleLevel {
  const params = storedParams.safeParse(row.params);
  return (params.success && params.data.level) || (row.severity === 'ERROR' ? 'HIGH' : 'MEDIUM');
}

/** The columns a check is stored in. REQUIRED names the part-type spec every PC part carries. */
export function columnsOf(check: RuleCheck, level: RuleLevel) {
  switch (check.operator) {
    case 'REQUIRED':
      return { sourceSpec: 'pc_part_type', targetSpec: null, params: { level } };
    case 'POWER_HEADROOM':
      return {
        sourceSpec: check.sourceSpec,
        targetSpec: null,
        params: { level, powerSpec: check.powerSpec, headroomPercent: check.headroomPercent },
      };
    default:
      return { sourceSpec: check.sourceSpec, targetSpec: check.targetSpec, params: { level } };
  }
}

export function ruleOf(row: StoredRule): Rule | null {
  const check = checkOf(row);
  const source = z.enum(partTypes).safeParse(row.source_part_type);
  const target = z.enum(partTypes).nullable().safeParse(row.target_part_type);
  if (!check || !source.success || !target.success || checkProblem(check, target.data)) return null;
  return {
    id: row.id,
    name: row.name,
    sourcePartType: source.data,
    targetPartType: target.data,
    check,
    severity: row.severity,
    level: levelOf(row),
    message: row.message,
  };
}

export type SpecValue = string | number;

export interface CheckedPart {
  id: number;
  partType: PartType;
  quantity: number;
  specs: Record<string, SpecValue>;
}

export interface RuleIssue {
  type: 'COMPATIBILITY' | 'POWER' | 'UNVERIFIED';
  ruleId: number;
  rule: string;
  severity: 'ERROR' | 'WARNING';
  level: RuleLevel;
  message: string;
  partIds: number[];
  values: { source: SpecValue | null; target: SpecValue | null };
}

export interface PowerFigures {
  totalWattage: number;
  psuWattage: number;
  /** the PSU's spare capacity over the parts' draw, in percent (0 without a draw) */
  headroom: number;
  requiredWattage: number;
  sufficient: boolean;
}

const normalized = (value: SpecValue) => String(value).trim().toLowerCase();
const listOf = (value: SpecValue) =>
  String(value)
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
const numberOf = (value: SpecValue) => (typeof value === 'number' ? value : Number(value));

function holds(operator: (typeof pairOperators)[number], source: SpecValue, target: SpecValue): boolean {
  switch (operator) {
    case 'EQUALS':
      return normalized(source) === normalized(target);
    case 'ONE_OF':
      return listOf(target).includes(normalized(source));
    case 'CONTAINS':
      return listOf(source).includes(normalized(target));
    case 'LTE':
      return numberOf(source) <= numberOf(target);
    case 'GTE':
      return numberOf(source) >= numberOf(target);
  }
}

const isNumeric = (value: SpecValue | undefined): value is SpecValue =>
  value !== undefined && Number.isFinite(numberOf(value));

export interface RulesOutcome {
  issues: RuleIssue[];
  /** part types REQUIRED rules ask for that the build lacks */
  requiredMissing: { type: PartType; rule: Rule }[];
  power: PowerFigures | null;
}

/** Checks the parts against the active rules. Pure: the caller reads parts and rules. */
export function applyRules(parts: readonly CheckedPart[], rules: readonly Rule[]): RulesOutcome {
  const issues: RuleIssue[] = [];
  const requiredMissing: RulesOutcome['requiredMissing'] = [];
  let power: PowerFigures | null = null;
  const ofType = (type: PartType | null) => parts.filter((part) => part.partType === type);
  const issue = (
    rule: Rule,
    type: RuleIssue['type'],
    partIds: number[],
    source: SpecValue | null,
    target: SpecValue | null,
    message = rule.message,
  ): RuleIssue => ({
    type,
    ruleId: rule.id,
    rule: rule.name,
    severity: type === 'UNVERIFIED' ? 'WARNING' : rule.severity,
    level: type === 'UNVERIFIED' ? 'LOW' : rule.level,
    message,
    partIds,
    values: { source, target },
  });
  const unverified = (rule: Rule, part: CheckedPart, spec: string) =>
    issue(rule, 'UNVERIFIED', [part.id], null, null, `${rule.name}: ${part.partType} has no "${spec}" spec`);

  for (const rule of rules) {
    const { check } = rule;
    const sources = ofType(rule.sourcePartType);
    if (check.operator === 'REQUIRED') {
      if (sources.length === 0) requiredMissing.push({ type: rule.sourcePartType, rule });
      continue;
    }
    if (check.operator === 'POWER_HEADROOM') {
      if (sources.length === 0) continue;
      const totalWattage = parts.reduce((sum, part) => {
        const draw = part.specs[check.powerSpec];
        return sum + (isNumeric(draw) ? numberOf(draw) * part.quantity : 0);
      }, 0);
      for (const psu of sources) {
        const wattage = psu.specs[check.sourceSpec];
        if (!isNumeric(wattage)) {
          issues.push(unverified(rule, psu, check.sourceSpec));
          continue;
        }
        const psuWattage = numberOf(wattage);
        const requiredWattage = Math.ceil(totalWattage * (1 + check.headroomPercent / 100));
        const sufficient = psuWattage >= requiredWattage;
        power = {
          totalWattage,
          psuWattage,
          headroom: totalWattage > 0 ? Math.round((psuWattage / totalWattage - 1) * 100) : 0,
          requiredWattage,
          sufficient,
        };
        if (!sufficient) issues.push(issue(rule, 'POWER', [psu.id], psuWattage, requiredWattage));
      }
      continue;
    }
    const targets = ofType(rule.targetPartType);
    if (sources.length === 0 || targets.length === 0) continue;
    for (const target of targets) {
      const targetValue = target.specs[check.targetSpec];
      if (targetValue === undefined) {
        issues.push(unverified(rule, target, check.targetSpec));
        continue;
      }
      if (check.operator === 'COUNT_LTE') {
        const missing = sources.find((part) => !isNumeric(part.specs[check.sourceSpec]));
        if (missing) {
          issues.push(unverified(rule, missing, check.sourceSpec));
          continue;
        }
        const total = sources.reduce(
          (sum, part) => sum + numberOf(part.specs[check.sourceSpec]!) * part.quantity,
          0,
        );
        if (total > numberOf(targetValue)) {
          issues.push(
            issue(rule, 'COMPATIBILITY', [...sources.map((part) => part.id), target.id], total, targetValue),
          );
        }
        continue;
      }
      for (const source of sources) {
        const sourceValue = source.specs[check.sourceSpec];
        if (sourceValue === undefined) {
          issues.push(unverified(rule, source, check.sourceSpec));
          continue;
        }
        if (!holds(check.operator, sourceValue, targetValue)) {
          issues.push(issue(rule, 'COMPATIBILITY', [source.id, target.id], sourceValue, targetValue));
        }
      }
    }
  }
  return { issues, requiredMissing, power };
}
