// `pnpm env:check [.env] [.env.example]`: the runbook's pre-deploy check that a .env matches
// .env.example. Exit 1 when a key is missing or unknown.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareEnvFiles } from './env-file.ts';

const root = resolve(import.meta.dirname, '../../..');
const cwd = process.env.INIT_CWD ?? process.cwd();
const envPath = resolve(cwd, process.argv[2] ?? resolve(root, '.env'));
const examplePath = resolve(cwd, process.argv[3] ?? resolve(root, '.env.example'));

for (const path of [envPath, examplePath]) {
  if (!existsSync(path)) {
    console.error(`env:check: ${path} does not exist (copy .env.example to .env and fill it in)`);
    process.exit(1);
  }
}
const { missing, unknown } = compareEnvFiles(examplePath, envPath);
for (const key of missing) console.error(`env:check: missing key ${key} (listed in ${examplePath})`);
for (const key of unknown)
  console.error(`env:check: unknown key ${key} (not in ${examplePath}; a typo or a removed setting)`);
if (missing.length + unknown.length > 0) process.exit(1);
console.log(`env:check: ${envPath} matches ${examplePath}`);
