// A build's compatibility answer: the rules' issues, the parts a working PC still lacks, the
// CPU ↔ GPU bottleneck, the power estimate, and the status that sums them up.
import {
  applyRules,
  type CheckedPart,
  type PartType,
  type PowerFigures,
  type Rule,
  type RuleIssue,
} from './rules.ts';

export type Purpose = 'GAMING' | 'OFFICE' | 'DESIGN' | 'DEVELOPMENT' | 'STREAMING';

/** Every PC boots only with these; storage is either an SSD or an HDD (reported as SSD when neither). */
const coreParts: readonly PartType[] = ['CPU', 'MOTHERBOARD', 'RAM', 'PSU', 'CASE'];
/** Purposes that need a graphics card (the others run on the CPU's integrated graphics). */
const gpuPurposes: readonly Purpose[] = ['GAMING', 'DESIGN', 'STREAMING'];

/**
 * The spec both CPUs and GPUs carry: a 1..10 performance tier. A gap of 3 tiers means one part
 * leaves a noticeable share of the other unused in games; 5 or more, most of it.
 */
export const TIER_SPEC = 'performance_tier';
const BOTTLENECK_GAP = 3;
const SEVERE_BOTTLENECK_GAP = 5;

export interface Warning {
  type: 'BOTTLENECK' | RuleIssue['type'];
  message: string;
  severity: 'LOW' | 'MEDIUM' | 'HIGH';
  ruleId?: number;
  rule?: string;
}

export interface Bottleneck {
  cpuTier: number;
  gpuTier: number;
  /** the part that holds the other back, or null when they are matched */
  limitedBy: 'CPU' | 'GPU' | null;
  severity: 'NONE' | 'MEDIUM' | 'HIGH';
}

export interface Compatibility {
  status: 'EMPTY' | 'OK' | 'INCOMPLETE' | 'WARNING' | 'ERROR';
  issues: RuleIssue[];
  errors: RuleIssue[];
  warnings: Warning[];
  missingParts: PartType[];
  powerEstimate?: PowerFigures;
  socketCompatible: boolean;
  ramCompatible: boolean;
  formFactorCompatible: boolean;
  bottleneck: Bottleneck | null;
}

function tierOf(parts: readonly CheckedPart[], type: PartType): number | null {
  const tiers = parts
    .filter((part) => part.partType === type)
    .map((part) => Number(part.specs[TIER_SPEC]))
    .filter(Number.isFinite);
  return tiers.length ? Math.max(...tiers) : null;
}

function bottleneckOf(parts: readonly CheckedPart[]): Bottleneck | null {
  const cpuTier = tierOf(parts, 'CPU');
  const gpuTier = tierOf(parts, 'GPU');
  if (cpuTier === null || gpuTier === null) return null;
  const gap = Math.abs(cpuTier - gpuTier);
  if (gap < BOTTLENECK_GAP) return { cpuTier, gpuTier, limitedBy: null, severity: 'NONE' };
  return {
    cpuTier,
    gpuTier,
    limitedBy: cpuTier < gpuTier ? 'CPU' : 'GPU',
    severity: gap >= SEVERE_BOTTLENECK_GAP ? 'HIGH' : 'MEDIUM',
  };
}

/** Whether no ERROR issue involves both of these part types. */
const pairClear = (errors: readonly RuleIssue[], rules: readonly Rule[], a: PartType, b: PartType) =>
  !errors.some((issue) => {
    const rule = rules.find((candidate) => candidate.id === issue.ruleId);
    const types = [rule?.sourcePartType, rule?.targetPartType];
    return types.includes(a) && types.includes(b);
  });

export function compatibilityOf(
  parts: readonly CheckedPart[],
  purpose: Purpose,
  rules: readonly Rule[],
): Compatibility {
  const { issues, requiredMissing, power } = applyRules(parts, rules);
  const present = new Set(parts.map((part) => part.partType));
  const missing = new Set<PartType>(coreParts.filter((type) => !present.has(type)));
  if (!present.has('SSD') && !present.has('HDD')) missing.add('SSD');
  if (gpuPurposes.includes(purpose) && !present.has('GPU')) missing.add('GPU');
  for (const { type } of requiredMissing) missing.add(type);

  const errors = issues.filter((issue) => issue.severity === 'ERROR');
  const warnings: Warning[] = issues
    .filter((issue) => issue.severity === 'WARNING')
    .map((issue) => ({
      type: issue.type,
      message: issue.message,
      severity: issue.level,
      ruleId: issue.ruleId,
      rule: issue.rule,
    }));
  const bottleneck = bottleneckOf(parts);
  if (bottleneck?.limitedBy) {
    const other = bottleneck.limitedBy === 'CPU' ? 'GPU' : 'CPU';
    warnings.push({
      type: 'BOTTLENECK',
      severity: bottleneck.severity === 'HIGH' ? 'HIGH' : 'MEDIUM',
      message: `${bottleneck.limitedBy} (tier ${bottleneck.limitedBy === 'CPU' ? bottleneck.cpuTier : bottleneck.gpuTier}) holds back the ${other} (tier ${bottleneck.limitedBy === 'CPU' ? bottleneck.gpuTier : bottleneck.cpuTier})`,
    });
  }
  const status: Compatibility['status'] =
    parts.length === 0
      ? 'EMPTY'
      : errors.length > 0
        ? 'ERROR'
        : missing.size > 0
          ? 'INCOMPLETE'
          : warnings.length > 0
            ? 'WARNING'
            : 'OK';
  return {
    status,
    issues,
    errors,
    warnings,
    missingParts: [...missing],
    ...(power ? { powerEstimate: power } : {}),
    socketCompatible: pairClear(errors, rules, 'CPU', 'MOTHERBOARD'),
    ramCompatible: pairClear(errors, rules, 'RAM', 'MOTHERBOARD'),
    formFactorCompatible: pairClear(errors, rules, 'MOTHERBOARD', 'CASE'),
    bottleneck,
  };
}
