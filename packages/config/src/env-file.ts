import { readFileSync } from 'node:fs';

/** Keys of a dotenv-style file (KEY=value lines; comments and blanks ignored). */
export function readEnvFileKeys(path: string): string[] {
  const keys: string[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line);
    if (match?.[1]) keys.push(match[1]);
  }
  return keys;
}

export interface EnvFileComparison {
  missing: string[];
  unknown: string[];
}

/** What `.env` lacks of `.env.example`, and what it has that the example does not know. */
export function compareEnvFiles(examplePath: string, envPath: string): EnvFileComparison {
  const expected = new Set(readEnvFileKeys(examplePath));
  const actual = new Set(readEnvFileKeys(envPath));
  return {
    missing: [...expected].filter((key) => !actual.has(key)),
    unknown: [...actual].filter((key) => !expected.has(key)),
  };
}
