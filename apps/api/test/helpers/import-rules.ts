/**
 * The API's wiring runs one way (docs: DESIGN.md, "Layout"). This reads the import graph of a
 * repository (every `apps/<app>/src` and `packages/<package>/src`) and reports each import that
 * breaks a rule.
 *
 * dependency-cruiser parses the TypeScript (type-only imports, re-exports and dynamic imports
 * count), resolves `.ts` specifiers and workspace packages through their `exports` to real paths,
 * and evaluates the per-import rules below. The folder-level rule — no two folders of the same
 * level import each other both ways — is evaluated here over the graph it returns, because
 * dependency-cruiser's folder-scope cycles report folders rather than imports, at every depth.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { cruise, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';

export interface ImportViolation {
  /** importing file, relative to the repository root */
  from: string;
  /** imported file, relative to the repository root */
  to: string;
  /** name of the broken rule (see `ruleReasons`) */
  rule: string;
  /** for a two-way rule: the two folders, `a ↔ b` */
  between?: string;
}

const API = '^apps/api/src/';

/** Per-import rules, evaluated by dependency-cruiser. Paths are relative to the repository root. */
const importRules: IForbiddenRuleType[] = [
  {
    name: 'no-composition-root-import',
    comment: 'modules/, plugins/, http/ and infrastructure never import deps.ts, app.ts or main.ts',
    severity: 'error',
    from: { path: `${API}(modules|plugins|http|catalog-cache|mail|jobs)/` },
    to: { path: `${API}(deps|app|main)\\.ts$` },
  },
  {
    name: 'no-module-import-outside-modules',
    comment: 'plugins/, http/, catalog-cache/, mail/ and jobs/ never import anything under modules/',
    severity: 'error',
    from: { path: `${API}(plugins|http|catalog-cache|mail|jobs)/` },
    to: { path: `${API}modules/` },
  },
  {
    name: 'no-package-imports-app',
    comment: 'packages/* never import from apps/*',
    severity: 'error',
    from: { path: '^packages/' },
    to: { path: '^apps/' },
  },
  {
    name: 'no-relative-import-across-apps',
    comment: "an app reaches another app only through that package's exports, never by relative path",
    severity: 'error',
    from: { path: '^apps/([^/]+)/' },
    to: { path: '^apps/', pathNot: '^apps/$1/', dependencyTypes: ['local'] },
  },
];

/**
 * Folder levels of the API that must not import each other both ways: given a path under
 * `apps/api/src/`, the folder of that level it belongs to (or undefined when it belongs to none).
 */
const twoWayLevels: { rule: string; comment: string; folderOf: (srcPath: string) => string | undefined }[] = [
  {
    rule: 'no-two-way-areas',
    comment: 'two areas (modules/<domain>/<area>) never import each other both ways',
    folderOf: (p) => /^(modules\/[^/]+\/[^/]+)\//.exec(p)?.[1],
  },
  {
    rule: 'no-two-way-domains',
    comment: 'two domains (modules/<domain>) never import each other both ways',
    folderOf: (p) => /^(modules\/[^/]+)\//.exec(p)?.[1],
  },
  {
    rule: 'no-two-way-top-level-folders',
    comment: 'two top-level folders of apps/api/src never import each other both ways',
    folderOf: (p) => /^([^/]+)\//.exec(p)?.[1],
  },
];

/** rule name → why it exists, for the report */
export const ruleReasons: Record<string, string> = Object.fromEntries([
  ...importRules.map((r) => [r.name, r.comment]),
  ...twoWayLevels.map((l) => [l.rule, l.comment]),
]);

/** Every import in `repoRoot` that breaks a rule, sorted by rule, then file. */
export async function findImportViolations(repoRoot: string): Promise<ImportViolation[]> {
  const result = await cruiseRepository(repoRoot);
  const perImport = result.summary.violations.map((v) => ({ from: v.from, to: v.to, rule: v.rule.name }));
  const edges = result.modules.flatMap((m) =>
    m.dependencies.map((d) => ({ from: m.source, to: d.resolved })),
  );
  const unique = new Map(
    [...perImport, ...findTwoWayFolders(edges)].map((v) => [`${v.rule} ${v.from} ${v.to}`, v]),
  );
  const byRuleThenFile = (v: ImportViolation) => [v.rule, v.from, v.to].join('\0');
  return [...unique.values()].sort((a, b) => (byRuleThenFile(a) < byRuleThenFile(b) ? -1 : 1));
}

/** One line per violation (`file → imported file → rule`), then what each broken rule means. */
export function formatImportViolations(violations: ImportViolation[]): string[] {
  const lines = violations.map((v) => `${v.from} → ${v.to} → ${v.rule}${v.between ? ` (${v.between})` : ''}`);
  const broken = [...new Set(violations.map((v) => v.rule))];
  return [...lines, ...broken.map((rule) => `${rule}: ${ruleReasons[rule]}`)];
}

async function cruiseRepository(repoRoot: string): Promise<ICruiseResult> {
  const sourceFolders = ['apps', 'packages'].flatMap((group) =>
    existsSync(path.join(repoRoot, group))
      ? readdirSync(path.join(repoRoot, group))
          .map((name) => `${group}/${name}/src`)
          .filter((folder) => existsSync(path.join(repoRoot, folder)))
      : [],
  );
  const { output } = await cruise(sourceFolders, {
    baseDir: repoRoot,
    // only the repository's own files: no node_modules, no node built-ins
    includeOnly: '^(apps|packages)/',
    // keep `import type`: a type import couples folders as much as a value import
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] },
    validate: true,
    ruleSet: { forbidden: importRules },
  });
  if (typeof output === 'string')
    throw new Error('dependency-cruiser returned a report, not a cruise result');
  return output;
}

/** The imports between two folders of one level that import each other both ways. */
function findTwoWayFolders(edges: { from: string; to: string }[]): ImportViolation[] {
  const apiSrc = 'apps/api/src/';
  const violations: ImportViolation[] = [];
  for (const level of twoWayLevels) {
    // "a\0b" → the imports from folder a into folder b
    const between = new Map<string, { from: string; to: string }[]>();
    for (const edge of edges) {
      if (!edge.from.startsWith(apiSrc) || !edge.to.startsWith(apiSrc)) continue;
      const a = level.folderOf(edge.from.slice(apiSrc.length));
      const b = level.folderOf(edge.to.slice(apiSrc.length));
      if (a === undefined || b === undefined || a === b) continue;
      const key = `${a}\0${b}`;
      between.set(key, [...(between.get(key) ?? []), edge]);
    }
    for (const [key, imports] of between) {
      const [a, b] = key.split('\0') as [string, string];
      if (!between.has(`${b}\0${a}`)) continue;
      const pair = [a, b].sort().join(' ↔ ');
      violations.push(...imports.map((edge) => ({ ...edge, rule: level.rule, between: pair })));
    }
  }
  return violations;
}
