import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compareEnvFiles,
  EnvError,
  envKeys,
  parseEnv,
  parseEnvSubset,
  readEnvFileKeys,
} from '../src/index.ts';

const valid = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/pbshop',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 'x'.repeat(32),
};
const repoRoot = resolve(import.meta.dirname, '../../..');

function issuesOf(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.issues;
    throw error;
  }
  return [];
}

describe('environment schema', () => {
  it('applies defaults to a minimal environment', () => {
    const env = parseEnv(valid);
    expect(env.PORT).toBe(8000);
    expect(env.WORKERS).toBe('separate');
    expect(env.ACTIVITY_LOG_CONSUMER).toBe(true);
  });

  it('names a missing required variable', () => {
    expect(issuesOf({ REDIS_URL: valid.REDIS_URL, JWT_SECRET: valid.JWT_SECRET })).toEqual([
      expect.stringMatching(/^DATABASE_URL: .*\(missing\)$/),
    ]);
  });

  it.each([
    ['PORT', '80a'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['REDIS_URL', 'not-a-url'],
    ['WORKERS', 'sometimes'],
    ['FFMPEG_CRF', '99'],
    ['REDIS_KEY_PREFIX', 'has space'],
    ['ACTIVITY_LOG_CONSUMER', 'yes'],
  ])('names %s when it is %s', (key, value) => {
    const issues = issuesOf({ ...valid, [key]: value });
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(new RegExp(`^${key}: .*got "${value}"`));
  });

  it('requires SMTP_URL with the smtp transport, and ADMIN_EMAIL with ADMIN_PASSWORD', () => {
    expect(issuesOf({ ...valid, MAIL_TRANSPORT: 'smtp' })).toEqual([
      expect.stringMatching(/^SMTP_URL: required/),
    ]);
    expect(issuesOf({ ...valid, ADMIN_EMAIL: 'a@b.co' })).toEqual([
      expect.stringMatching(/^ADMIN_PASSWORD: /),
    ]);
  });

  it('never echoes a secret value', () => {
    const issues = issuesOf({ ...valid, JWT_SECRET: 'short-secret' });
    expect(issues).toEqual([expect.stringMatching(/^JWT_SECRET: .*\(value hidden\)$/)]);
    expect(issues.join()).not.toContain('short-secret');
  });

  it('parses a subset for commands that need only a few keys', () => {
    expect(parseEnvSubset(['DATABASE_URL'], { DATABASE_URL: valid.DATABASE_URL })).toEqual({
      DATABASE_URL: valid.DATABASE_URL,
    });
  });

  it('treats empty values as unset', () => {
    expect(parseEnv({ ...valid, PORT: '' }).PORT).toBe(8000);
  });

  it('.env.example lists exactly the keys of the schema', () => {
    expect(readEnvFileKeys(join(repoRoot, '.env.example')).sort()).toEqual([...envKeys].sort());
  });

  it('.env.example itself is a valid environment', () => {
    const example = Object.fromEntries(
      readEnvFileKeys(join(repoRoot, '.env.example')).map((key) => [key, process.env[key] ?? '']),
    );
    expect(() => parseEnv({ ...example, ...valid })).not.toThrow();
  });
});

describe('env:check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'env-check-'));
  const example = join(dir, '.env.example');
  writeFileSync(example, '# comment\nA=1\nB=\n\nC=x\n');

  it('reports missing and unknown keys', () => {
    const env = join(dir, 'partial.env');
    writeFileSync(env, 'A=2\nexport C=3\nD=4\n');
    expect(compareEnvFiles(example, env)).toEqual({ missing: ['B'], unknown: ['D'] });
  });

  it('exits 1 naming the keys, 0 when the files match', () => {
    const cli = join(import.meta.dirname, '../src/env-check-cli.ts');
    const bad = join(dir, 'bad.env');
    writeFileSync(bad, 'A=1\nC=1\nTYPO=1\n');
    const failed = spawnSync(process.execPath, [cli, bad, example], { encoding: 'utf8' });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain('missing key B');
    expect(failed.stderr).toContain('unknown key TYPO');

    const good = join(dir, 'good.env');
    writeFileSync(good, 'A=1\nB=2\nC=3\n');
    const passed = spawnSync(process.execPath, [cli, good, example], { encoding: 'utf8' });
    expect(passed.status).toBe(0);
  });
});

describe('the repository .env and relative folders', () => {
  it('resolves relative STORAGE_DIR and MAIL_DIR against the repository root, whatever the cwd', () => {
    const env = parseEnv({ ...valid, STORAGE_DIR: './.data/storage', MAIL_DIR: undefined });
    expect(env.STORAGE_DIR).toBe(join(repoRoot, '.data/storage'));
    expect(env.MAIL_DIR).toBe(join(repoRoot, '.data/mail'));
    expect(parseEnv({ ...valid, STORAGE_DIR: '/srv/files' }).STORAGE_DIR).toBe('/srv/files');
  });

  it('a process outside tests reads .env as dev.sh does; variables already set win', () => {
    const folder = mkdtempSync(join(tmpdir(), 'pbshop-env-'));
    const file = join(folder, '.env');
    writeFileSync(file, 'DATABASE_URL=postgres://from-file@127.0.0.1:5432/x\nLOG_LEVEL=debug\n');
    const script = `
      const { loadRepoEnvFile, parseEnvSubset } = await import(${JSON.stringify(resolve(import.meta.dirname, '../src/index.ts'))});
      loadRepoEnvFile(${JSON.stringify(file)});
      console.log(JSON.stringify(parseEnvSubset(['DATABASE_URL', 'LOG_LEVEL'], process.env)));`;
    const run = (env: Record<string, string>) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        cwd: tmpdir(),
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', ...env },
      });
    const fromFile = run({});
    expect(fromFile.status, fromFile.stderr).toBe(0);
    expect(JSON.parse(fromFile.stdout)).toEqual({
      DATABASE_URL: 'postgres://from-file@127.0.0.1:5432/x',
      LOG_LEVEL: 'debug',
    });
    const preset = run({ LOG_LEVEL: 'warn' });
    expect(JSON.parse(preset.stdout).LOG_LEVEL).toBe('warn');
    // tests never read it
    const inTests = run({ NODE_ENV: 'test', DATABASE_URL: 'postgres://set@127.0.0.1:5432/y' });
    expect(JSON.parse(inTests.stdout)).toEqual({
      DATABASE_URL: 'postgres://set@127.0.0.1:5432/y',
      LOG_LEVEL: 'info',
    });
  });
});
