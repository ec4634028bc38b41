import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findImportViolations, formatImportViolations } from './helpers/import-rules.ts';

// The one-way wiring of DESIGN.md ("Layout"), checked on the import graph: see helpers/import-rules.ts.

const repoRoot = path.resolve(import.meta.dirname, '../../..');

describe('architecture: imports', () => {
  it('the repository breaks none of the import rules', async () => {
    const violations = await findImportViolations(repoRoot);
    expect(formatImportViolations(violations)).toEqual([]);
  });
});

describe('architecture: the import check itself', () => {
  let plantedRoot: string | undefined;
  afterAll(async () => {
    if (plantedRoot) await rm(plantedRoot, { recursive: true, force: true });
  });

  /** A small repository: allowed wiring, plus one planted violation of each kind. */
  const planted: Record<string, string> = {
    // allowed: the entry point builds the composition root, which builds the services
    'apps/api/src/main.ts': "import { deps } from './deps.ts';\nexport const main = deps;\n",
    'apps/api/src/deps.ts':
      "import { orders } from './modules/shop/orders/service.ts';\nexport const deps = { orders };\n",
    'apps/api/src/app.ts': "import type { deps } from './deps.ts';\nexport type App = typeof deps;\n",
    'apps/api/src/http/envelope.ts': 'export const envelope = 1;\n',
    // planted: an http file importing a module (and so http ↔ modules both ways)
    'apps/api/src/http/principal.ts':
      "import type { Order } from '../modules/shop/orders/schemas.ts';\nexport type Principal = Order;\n",
    // planted: a plugin importing a module (a type import counts)
    'apps/api/src/plugins/access.ts':
      "import type { Users } from '../modules/shop/users/service.ts';\nexport type Access = Users;\n",
    // planted: infrastructure importing the composition root
    'apps/api/src/mail/mailer.ts': "import { deps } from '../deps.ts';\nexport const mailer = deps;\n",
    // planted: a module importing the composition root
    'apps/api/src/modules/shop/orders/routes.ts': [
      "import { deps } from '../../../deps.ts';",
      "import { envelope } from '../../../http/envelope.ts';",
      'export const routes = [deps, envelope];',
      '',
    ].join('\n'),
    'apps/api/src/modules/shop/orders/schemas.ts': 'export type Order = { id: number };\n',
    // planted: two areas importing each other (orders → users here, users → orders below)
    'apps/api/src/modules/shop/orders/service.ts': [
      "import type { Users } from '../users/service.ts';",
      "import type { Invoice } from '../../billing/invoices/schemas.ts';",
      'export const orders = (users: Users, invoice: Invoice) => [users, invoice];',
      '',
    ].join('\n'),
    'apps/api/src/modules/shop/users/service.ts':
      "import type { Order } from '../orders/schemas.ts';\nexport type Users = Order[];\n",
    // planted: two domains importing each other through different areas (shop → billing above)
    'apps/api/src/modules/billing/invoices/schemas.ts': 'export type Invoice = { total: number };\n',
    'apps/api/src/modules/billing/payments/service.ts':
      "import type { Users } from '../../shop/users/service.ts';\nexport type Payer = Users;\n",
    // planted: a package importing an app, and an app reaching into another app's src/
    'packages/shared/src/index.ts':
      "import { envelope } from '../../../apps/api/src/http/envelope.ts';\nexport const shared = envelope;\n",
    'apps/worker/src/main.ts':
      "import { envelope } from '../../api/src/http/envelope.ts';\nexport const worker = envelope;\n",
  };

  it('reports each planted violation, and nothing else', async () => {
    plantedRoot = await mkdtemp(path.join(os.tmpdir(), 'pbshop-import-rules-'));
    for (const [file, text] of Object.entries(planted)) {
      await mkdir(path.dirname(path.join(plantedRoot, file)), { recursive: true });
      await writeFile(path.join(plantedRoot, file), text);
    }

    const lines = formatImportViolations(await findImportViolations(plantedRoot)).filter((line) =>
      line.includes(' → '),
    );

    const src = 'apps/api/src';
    expect(lines).toEqual([
      `${src}/mail/mailer.ts → ${src}/deps.ts → no-composition-root-import`,
      `${src}/modules/shop/orders/routes.ts → ${src}/deps.ts → no-composition-root-import`,
      `${src}/http/principal.ts → ${src}/modules/shop/orders/schemas.ts → no-module-import-outside-modules`,
      `${src}/plugins/access.ts → ${src}/modules/shop/users/service.ts → no-module-import-outside-modules`,
      `packages/shared/src/index.ts → ${src}/http/envelope.ts → no-package-imports-app`,
      `apps/worker/src/main.ts → ${src}/http/envelope.ts → no-relative-import-across-apps`,
      `${src}/modules/shop/orders/service.ts → ${src}/modules/shop/users/service.ts → no-two-way-areas (modules/shop/orders ↔ modules/shop/users)`,
      `${src}/modules/shop/users/service.ts → ${src}/modules/shop/orders/schemas.ts → no-two-way-areas (modules/shop/orders ↔ modules/shop/users)`,
      `${src}/modules/billing/payments/service.ts → ${src}/modules/shop/users/service.ts → no-two-way-domains (modules/billing ↔ modules/shop)`,
      `${src}/modules/shop/orders/service.ts → ${src}/modules/billing/invoices/schemas.ts → no-two-way-domains (modules/billing ↔ modules/shop)`,
      `${src}/http/principal.ts → ${src}/modules/shop/orders/schemas.ts → no-two-way-top-level-folders (http ↔ modules)`,
      `${src}/modules/shop/orders/routes.ts → ${src}/http/envelope.ts → no-two-way-top-level-folders (http ↔ modules)`,
    ]);
  });
});
