// The catalog and members the contract calls run against, made through the API (with the
// request shapes our API takes: these are preconditions, not the calls under test), plus
// makers of throwaway rows for the calls that change or delete one.
//
// Ids are kept exactly as the API answers them and only ever put back into paths and bodies:
// nothing here parses or assumes their format (integers, sent as JSON numbers).
import {
  carLeaseOffers,
  carModels,
  carOptions,
  carTaxRates,
  carTrims,
  crawlerUnmatchedItems,
} from '@pbshop/db';
import type { App } from '../../src/app.ts';
import type { ApiDeps } from '../../src/deps.ts';
import { codeOf, strongPassword, type TestSmtpServer } from '../auth-helpers.ts';
import { createCategory, createSeller, uniqueName } from '../helpers/catalog.ts';
import { failedJob } from '../helpers/queues.ts';
import type { Member, MemberOptions } from '../helpers/users.ts';
import { apiBase } from './served.ts';

/** An id as the API answered it. */
export type Id = string | number;

export interface ContractApi {
  app: App;
  deps: ApiDeps;
  admin: Member;
  user: Member;
  member(options?: MemberOptions): Promise<Member>;
}

/** A member signed up through the auth routes (so with a password), code read from the mail. */
export interface SignedUp {
  email: string;
  password: string;
  phone: string;
  name: string;
  code: string;
}

let serial = 0;
const next = () => {
  serial += 1;
  return serial;
};

/** Any API call a fixture needs; throws with the answer unless it is a 2xx. */
async function send<T = { id: Id }>(
  app: App,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  path: string,
  member: Member | null,
  body?: object,
): Promise<T> {
  const response = await app.inject({
    method,
    url: `${apiBase}${path}`,
    headers: member ? member.authHeader : {},
    ...(body === undefined ? {} : { payload: body }),
  });
  if (response.statusCode < 200 || response.statusCode > 299) {
    throw new Error(`fixture ${method} ${path} answered ${response.statusCode}: ${response.body}`);
  }
  return (response.json() as { data: T }).data;
}

export type Fixtures = Awaited<ReturnType<typeof createFixtures>>;

export async function createFixtures(api: ContractApi, smtp: TestSmtpServer) {
  const { app, admin, user } = api;
  const asAdmin = <T = { id: Id }>(method: 'POST' | 'PUT', path: string, body: object) =>
    send<T>(app, method, path, admin, body);

  const category = await createCategory(app, admin.authHeader, { name: uniqueName('Laptops') });
  const seller = await createSeller(app, admin.authHeader, { trustScore: 80 });
  const otherSeller = await createSeller(app, admin.authHeader, { trustScore: 60 });

  const newCategory = async (): Promise<Id> =>
    (await createCategory(app, admin.authHeader, { name: uniqueName('Throwaway') })).id;
  const newSeller = async (): Promise<Id> => (await createSeller(app, admin.authHeader)).id;
  const newProduct = async (name = uniqueName('Notebook')): Promise<{ id: Id; name: string }> => {
    const created = await asAdmin<{ id: Id; name: string }>('POST', '/products', {
      categoryId: category.id,
      name,
      description: 'A 14-inch notebook for the contract test.',
      status: 'ON_SALE',
      price: 1_390_000,
      stock: 25,
      unitQuantity: 1,
      unitLabel: '개',
    });
    return { id: created.id, name: created.name };
  };
  const newOffer = async (productId: Id, sellerId: Id, price: number): Promise<Id> =>
    (
      await asAdmin('POST', `/products/${productId}/prices`, {
        sellerId,
        price,
        url: `https://shop.example.com/items/${next()}`,
      })
    ).id;
  const newSpecDefinition = async (fields: object = {}): Promise<Id> =>
    (
      await asAdmin('POST', '/specs/definitions', {
        categoryId: category.id,
        key: `spec_${next()}`,
        name: uniqueName('Spec'),
        type: 'SELECT',
        options: ['8GB', '16GB', '32GB'],
        ...fields,
      })
    ).id;

  // the product every read call looks at: two offers, an option, two images, specs
  const product = await newProduct(uniqueName('Galaxy Book'));
  const otherProduct = await newProduct(uniqueName('Gram'));
  await newOffer(product.id, seller.id, 1_290_000);
  await newOffer(product.id, otherSeller.id, 1_350_000);
  await newOffer(otherProduct.id, seller.id, 1_490_000);
  await asAdmin('POST', `/products/${product.id}/options`, { name: 'Color', values: ['Silver', 'Graphite'] });
  await asAdmin('POST', `/products/${product.id}/images`, {
    url: 'https://img.example.com/book-front.jpg',
    isMain: true,
    sortOrder: 0,
  });
  await asAdmin('POST', `/products/${product.id}/images`, {
    url: 'https://img.example.com/book-side.jpg',
    isMain: false,
    sortOrder: 1,
  });
  const ramSpec = await newSpecDefinition({ key: `ram_${next()}`, name: 'RAM', group: 'Memory' });
  const weightSpec = await newSpecDefinition({
    key: `weight_${next()}`,
    name: 'Weight',
    group: 'Body',
    type: 'NUMBER',
    unit: 'kg',
    options: undefined,
    direction: 'LOWER_IS_BETTER',
  });
  for (const [target, ram, weight] of [
    [product.id, '16GB', 1.17],
    [otherProduct.id, '32GB', 1.35],
  ] as const) {
    await asAdmin('PUT', `/products/${target}/specs`, {
      values: [
        { specDefinitionId: ramSpec, value: ram },
        { specDefinitionId: weightSpec, value: weight },
      ],
    });
  }
  await send(app, 'POST', '/price-alerts', user, { productId: product.id, targetPrice: 1_200_000 });

  // the auto vertical has no admin writes: its rows as the seed writes them, and the tax rates
  const car = await carRows(api.deps);
  // reverse auctions: a SELLER member who manages a shop bids on the user's auctions
  const bidder = await api.member({ role: 'SELLER' });
  await createSeller(app, admin.authHeader, { ownerUserId: bidder.user.id });
  // PC parts: products whose part-type spec the PC builder checks, with offers and used listings,
  // a compatibility rule, and the member's shared build of a CPU and a GPU
  const pcCategory = await createCategory(app, admin.authHeader, { name: uniqueName('PC 부품') });
  const partTypeSpec = await asAdmin('POST', '/specs/definitions', {
    categoryId: pcCategory.id,
    key: 'pc_part_type',
    name: '부품 종류',
    type: 'SELECT',
    options: ['CPU', 'GPU'],
  });
  const pcPart = async (partType: 'CPU' | 'GPU', name: string, price: number): Promise<Id> => {
    const created = await asAdmin('POST', '/products', {
      categoryId: pcCategory.id,
      name: uniqueName(name),
      description: 'PC 부품',
      status: 'ON_SALE',
      price: Math.round(price * 1.15),
      stock: 10,
    });
    await newOffer(created.id, seller.id, price);
    await asAdmin('PUT', `/products/${created.id}/specs`, {
      values: [{ specDefinitionId: partTypeSpec.id, value: partType }],
    });
    return created.id;
  };
  const cpu = await pcPart('CPU', 'AMD 라이젠7 7800X3D', 519_000);
  const gpu = await pcPart('GPU', 'RTX 4070 SUPER', 849_000);
  await api.deps.usedMarket.ingest({
    name: 'contract-feed',
    listings: () =>
      [cpu, gpu].flatMap((productId, index) =>
        [0, 1, 2].map((step) => ({
          externalId: `contract-${String(productId)}-${step}`,
          productId: Number(productId),
          price: (index + 1) * 300_000 + step * 10_000,
          condition: 'A' as const,
          listedAt: new Date(Date.now() - (10 + step * 50) * 86_400_000),
          soldAt: null,
        })),
      ),
  });
  await asAdmin('POST', '/admin/compatibility-rules', {
    partType: 'CPU',
    targetPartType: 'MOTHERBOARD',
    title: uniqueName('CPU 소켓'),
    description: 'CPU와 메인보드의 소켓이 같아야 합니다.',
    severity: 'HIGH',
    metadata: { operator: 'EQUALS', sourceSpec: 'socket', targetSpec: 'socket' },
  });
  const pcBuild = await send(app, 'POST', '/pc-builds', user, {
    name: '게이밍 견적',
    description: 'QHD 게임용',
    purpose: 'GAMING',
    budget: 2_000_000,
  });
  await send(app, 'POST', `/pc-builds/${pcBuild.id}/parts`, user, {
    productId: cpu,
    partType: 'CPU',
    quantity: 1,
  });
  await send(app, 'POST', `/pc-builds/${pcBuild.id}/parts`, user, {
    productId: gpu,
    partType: 'GPU',
    quantity: 1,
  });
  const { shareCode } = await send<{ shareCode: string }>(app, 'GET', `/pc-builds/${pcBuild.id}/share`, user);

  const auth = {
    /** POST /auth/signup and the code from the mail; the e-mail is not verified yet. */
    async signedUp(): Promise<SignedUp> {
      const member = {
        email: `contract${next()}.${Date.now()}@example.com`,
        password: strongPassword,
        name: '김계약',
        phone: '010-2345-6789',
      };
      const before = smtp.mails.length;
      await send(app, 'POST', '/auth/signup', null, member);
      return { ...member, code: codeOf(await smtp.waitForMail(member.email, before)) };
    },
    /** Signed up and verified: may log in. */
    async verified(): Promise<SignedUp> {
      const member = await auth.signedUp();
      await send(app, 'POST', '/auth/verify-email', null, { email: member.email, code: member.code });
      return member;
    },
    /** A verified member's token pair from POST /auth/login. */
    async loggedIn(): Promise<SignedUp & { accessToken: string; refreshToken: string }> {
      const member = await auth.verified();
      const tokens = await send<{ accessToken: string; refreshToken: string }>(
        app,
        'POST',
        '/auth/login',
        null,
        { email: member.email, password: member.password },
      );
      return { ...member, ...tokens };
    },
    /** The minute between two codes to one member has passed (the resend limit). */
    async codesAreOld(email: string): Promise<void> {
      await api.deps.database.sql`
        update verification_codes set sent_at = sent_at - interval '61 seconds'
        where user_id = (select id from users where email = ${email})`;
    },
    /** POST /auth/password-reset/request and the code from the mail. */
    async resetCode(member: SignedUp): Promise<string> {
      const before = smtp.mails.length;
      await send(app, 'POST', '/auth/password-reset/request', null, {
        email: member.email,
        phone: member.phone,
      });
      return codeOf(await smtp.waitForMail(member.email, before));
    },
    /** A reset token from POST /auth/password-reset/verify. */
    async resetToken(member: SignedUp): Promise<string> {
      const code = await auth.resetCode(member);
      const answer = await send<{ resetToken: string }>(app, 'POST', '/auth/password-reset/verify', null, {
        email: member.email,
        code,
      });
      return answer.resetToken;
    },
  };

  return {
    app,
    /** for the fixtures that run a worker's processors (the short-form transcode) */
    deps: api.deps,
    admin,
    user,
    member: api.member,
    category,
    seller,
    product,
    otherProduct,
    ramSpec,
    car,
    bidder,
    auth,
    pc: { categoryId: pcCategory.id, cpu, gpu, buildId: pcBuild.id, shareCode },
    resilience: {
      /** A breaker name a live process holds: the API's own `search` (a search uses it), published at once. */
      async breaker(): Promise<string> {
        await send(app, 'GET', `/search?q=${encodeURIComponent(product.name)}`, null);
        await api.deps.resilience.sync();
        return 'search';
      },
    },
    make: {
      category: newCategory,
      seller: newSeller,
      product: newProduct,
      offer: newOffer,
      specDefinition: newSpecDefinition,
      option: (productId: Id) =>
        asAdmin('POST', `/products/${productId}/options`, { name: uniqueName('Size'), values: ['S', 'M'] }),
      image: (productId: Id) =>
        asAdmin('POST', `/products/${productId}/images`, { url: `https://img.example.com/${next()}.jpg` }),
      alert: (member: Member, productId: Id) =>
        send(app, 'POST', '/price-alerts', member, { productId, targetPrice: 1_000_000 }),
      /** a job of that queue that really failed (a worker ran just long enough to fail it) */
      failedJob: (queue: 'activity-log' | 'video-transcode' | 'crawler-collect' | 'search-index-sync') =>
        failedJob(api.deps, queue),
      /** the product's read model row, projected now (no worker runs here) */
      queryRow: (productId: Id) => send(app, 'POST', `/admin/query/products/${productId}/sync`, admin),
      /**
       * a PENDING scan alert: a new product with offers at 100,000 and 101,000 and one at 10,000 at
       * three new shops, scanned with the storefront's defaults (the 10,000 offer is flagged)
       */
      fraudAlert: async (): Promise<{ productId: Id; alertId: Id }> => {
        const flagged = await newProduct();
        for (const price of [100_000, 101_000, 10_000]) await newOffer(flagged.id, await newSeller(), price);
        await send(app, 'POST', `/fraud/admin/products/${flagged.id}/scan`, admin);
        const [alert] = await send<{ id: Id }[]>(
          app,
          'GET',
          `/fraud/admin/products/${flagged.id}/flags`,
          admin,
        );
        return { productId: flagged.id, alertId: alert!.id };
      },
      /** a crawled item of the fixture shop no product was matched to (the matching queue's row) */
      unmatchedItem: async (): Promise<Id> => {
        const [row] = await api.deps.database.db
          .insert(crawlerUnmatchedItems)
          .values({
            sellerId: seller.id,
            url: `https://shop.example.com/item/${next()}`,
            title: product.name,
            price: 1_280_000,
          })
          .returning({ id: crawlerUnmatchedItems.id });
        return row!.id;
      },
    },
  };
}

/** A sedan with one trim, an option and a lease offer, and the four car taxes (standing rates). */
async function carRows(deps: ApiDeps) {
  const { db } = deps.database;
  await db.insert(carTaxRates).values(
    (
      [
        ['INDIVIDUAL_CONSUMPTION_TAX', '0.05'],
        ['EDUCATION_TAX', '0.3'],
        ['VAT', '0.1'],
        ['ACQUISITION_TAX', '0.07'],
      ] as const
    ).map(([code, rate]) => ({
      code,
      name: code,
      rate,
      source: 'contract fixture',
      validFrom: '2018-01-01',
    })),
  );
  const [model] = await db
    .insert(carModels)
    .values({
      brand: '현대',
      name: `아반떼 ${next()}`,
      type: 'SEDAN',
      fuelType: 'GASOLINE',
      releaseYear: 2025,
    })
    .returning({ id: carModels.id });
  const [trim] = await db
    .insert(carTrims)
    .values({ modelId: model!.id, name: '1.6 모던', basePrice: 19_520_000, engineDisplacementCc: 1598 })
    .returning({ id: carTrims.id });
  const [option] = await db
    .insert(carOptions)
    .values({ trimId: trim!.id, name: '현대 스마트센스', price: 690_000 })
    .returning({ id: carOptions.id });
  await db.insert(carLeaseOffers).values({
    modelId: model!.id,
    provider: '현대캐피탈',
    offerType: 'LEASE',
    monthlyPayment: 389_000,
    termMonths: 48,
    deposit: 6_000_000,
  });
  return { modelId: model!.id, trimId: trim!.id, optionId: option!.id };
}
