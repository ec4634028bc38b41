// OAuth providers as real HTTP servers on ephemeral loopback ports, for the social login tests
// (AUTH-10..14): Google is an OpenID Connect server (oauth2-mock-server), Kakao and Naver are HTTP
// fixture servers that speak their OAuth 2.0 dialects. A test steers who logs in next, what the
// token and profile endpoints answer, and reads what the API sent them.
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FixtureServer, startFixtureServer } from '@pbshop/testing';
import { Events, OAuth2Server } from 'oauth2-mock-server';

export interface OidcIdentity {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface FixtureUser {
  id: string | number;
  email?: string;
  verified?: boolean;
  name?: string;
}

export type TokenMode = 'ok' | '500' | 'hang' | 'garbage' | 'no-token' | 'huge' | 'error-200';
export type UserinfoMode = 'ok' | 'garbage' | 'no-id' | '500';

export interface ProviderFixture {
  server: FixtureServer;
  /** who logs in at the next /authorize */
  next: FixtureUser;
  mode: { token: TokenMode; userinfo: UserinfoMode };
  tokenRequests: URLSearchParams[];
  hits: { token: number; userinfo: number };
  /** an access token of this provider for the user (what a mobile SDK hands the client) */
  issueToken(user: FixtureUser): string;
}

/** the API's client at every provider */
export const CLIENT = { id: 'pbshop-client', secret: 'pbshop-secret-value' };

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** A provider in the shape of Kakao or Naver: authorize, token (client_secret_post, PKCE) and a profile API. */
export async function startProvider(
  shape: (user: FixtureUser) => unknown,
  options: { requireState?: boolean } = {},
): Promise<ProviderFixture> {
  const codes = new Map<
    string,
    { user: FixtureUser; redirectUri: string; challenge?: string; method?: string; state?: string }
  >();
  const tokens = new Map<string, FixtureUser>();
  const fixture: Omit<ProviderFixture, 'server'> = {
    next: { id: 1 },
    mode: { token: 'ok', userinfo: 'ok' },
    tokenRequests: [],
    hits: { token: 0, userinfo: 0 },
    issueToken(user) {
      const token = `at-${randomBytes(16).toString('hex')}`;
      tokens.set(token, user);
      return token;
    },
  };
  const server = await startFixtureServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://fixture');
    if (request.method === 'GET' && url.pathname === '/oauth/authorize') {
      const redirectUri = url.searchParams.get('redirect_uri') ?? '';
      if (
        url.searchParams.get('response_type') !== 'code' ||
        url.searchParams.get('client_id') !== CLIENT.id
      ) {
        return json(response, 400, { error: 'invalid_request' });
      }
      const code = randomBytes(12).toString('hex');
      codes.set(code, {
        user: fixture.next,
        redirectUri,
        challenge: url.searchParams.get('code_challenge') ?? undefined,
        method: url.searchParams.get('code_challenge_method') ?? undefined,
        state: url.searchParams.get('state') ?? undefined,
      });
      const back = new URL(redirectUri);
      back.searchParams.set('code', code);
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      response.writeHead(302, { location: back.toString() });
      response.end();
      return;
    }
    if (request.method === 'POST' && url.pathname === '/oauth/token') {
      fixture.hits.token += 1;
      const form = new URLSearchParams(await readBody(request));
      fixture.tokenRequests.push(form);
      switch (fixture.mode.token) {
        case 'hang':
          return; // never answers
        case '500':
          return json(response, 500, { error: 'server_error' });
        case 'garbage':
          response.writeHead(200, { 'content-type': 'application/json' });
          response.end('<html>not json{');
          return;
        case 'huge':
          return json(response, 200, { access_token: 'x', padding: 'y'.repeat(200_000) });
        case 'no-token':
          return json(response, 200, { token_type: 'bearer' });
        case 'error-200':
          // Naver answers a bad code with 200 and an error field
          return json(response, 200, {
            error: 'invalid_request',
            error_description: 'no valid data in session',
          });
        default:
          break;
      }
      const grant = codes.get(form.get('code') ?? '');
      codes.delete(form.get('code') ?? '');
      const verifier = form.get('code_verifier');
      const pkceOk =
        !grant?.challenge ||
        (grant.method === 'S256' &&
          verifier !== null &&
          createHash('sha256').update(verifier).digest('base64url') === grant.challenge);
      if (
        !grant ||
        form.get('grant_type') !== 'authorization_code' ||
        form.get('client_id') !== CLIENT.id ||
        form.get('client_secret') !== CLIENT.secret ||
        form.get('redirect_uri') !== grant.redirectUri ||
        !pkceOk ||
        (options.requireState && form.get('state') !== grant.state)
      ) {
        return json(response, 400, { error: 'invalid_grant' });
      }
      return json(response, 200, {
        access_token: fixture.issueToken(grant.user),
        token_type: 'bearer',
        expires_in: 3600,
      });
    }
    if (request.method === 'GET' && url.pathname === '/v2/user/me') {
      fixture.hits.userinfo += 1;
      const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const user = bearer ? tokens.get(bearer) : undefined;
      if (!user) return json(response, 401, { msg: 'this access token does not exist', code: -401 });
      if (fixture.mode.userinfo === 'garbage') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end('[1,2');
        return;
      }
      if (fixture.mode.userinfo === '500') return json(response, 500, { msg: 'down' });
      if (fixture.mode.userinfo === 'no-id') return json(response, 200, { properties: { nickname: 'x' } });
      return json(response, 200, shape(user));
    }
    return json(response, 404, { error: 'not_found' });
  });
  return Object.assign(fixture, { server });
}

/** Kakao's /v2/user/me */
export const kakaoShape = (user: FixtureUser) => ({
  id: user.id,
  connected_at: '2024-01-01T00:00:00Z',
  properties: { nickname: user.name },
  kakao_account: {
    profile: { nickname: user.name },
    email: user.email,
    is_email_valid: true,
    is_email_verified: user.verified ?? false,
  },
});

/** Naver's profile API (its `response` envelope) */
export const naverShape = (user: FixtureUser) => ({
  resultcode: '00',
  message: 'success',
  response: { id: String(user.id), email: user.email, name: user.name },
});

export interface OidcProvider {
  /** the oauth2-mock-server, for a test's own one-off hooks (`server.service.once(Events…)`) */
  server: OAuth2Server;
  url: string;
  /** who logs in at the next token request */
  next: OidcIdentity;
  /** the form of every token request, in order */
  tokenRequests: Record<string, unknown>[];
  /** an access token of the identity, straight from the token endpoint (what a mobile SDK hands the client) */
  accessToken(identity: OidcIdentity): Promise<string>;
  close(): Promise<void>;
}

/**
 * A Google-like OpenID Connect provider: the access token names the identity that "logged in"
 * (`next`), and userinfo answers for that token only.
 */
export async function startOidcProvider(): Promise<OidcProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  await server.start(0, '127.0.0.1');
  const url = `http://127.0.0.1:${server.address().port}`;
  server.issuer.url = url;
  const identities = new Map<string, OidcIdentity>();
  const provider: OidcProvider = {
    server,
    url,
    next: { sub: 'nobody' },
    tokenRequests: [],
    async accessToken(identity) {
      provider.next = identity;
      const response = await fetch(`${url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'openid email' }),
      });
      return ((await response.json()) as { access_token: string }).access_token;
    },
    close: () => server.stop().catch(() => {}),
  };
  server.service.on(Events.BeforeTokenSigning, (token) => {
    token.payload.sub = provider.next.sub;
    identities.set(provider.next.sub, provider.next);
  });
  server.service.on(Events.BeforeResponse, (_response, request) => {
    provider.tokenRequests.push({ ...(request.body as Record<string, unknown>) });
  });
  server.service.on(Events.BeforeUserinfo, (response, request) => {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
    let sub: string | undefined;
    try {
      sub = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).sub;
    } catch {
      sub = undefined;
    }
    const identity = sub === undefined ? undefined : identities.get(sub);
    if (!identity) {
      response.statusCode = 401;
      response.body = { error: 'invalid_token' };
    } else {
      response.body = { ...identity };
    }
  });
  return provider;
}

export interface SocialProviders {
  google: OidcProvider;
  kakao: ProviderFixture;
  naver: ProviderFixture;
  /** the API's OAUTH_* settings for Google, Kakao and Naver at these servers, with CLIENT */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/** Google, Kakao and Naver, each its own server; Naver also checks the state at its token endpoint. */
export async function startSocialProviders(): Promise<SocialProviders> {
  const google = await startOidcProvider();
  const kakao = await startProvider(kakaoShape);
  const naver = await startProvider(naverShape, { requireState: true });
  const fixture = (prefix: string, provider: ProviderFixture) => ({
    [`OAUTH_${prefix}_CLIENT_ID`]: CLIENT.id,
    [`OAUTH_${prefix}_CLIENT_SECRET`]: CLIENT.secret,
    [`OAUTH_${prefix}_AUTHORIZE_URL`]: `${provider.server.url}/oauth/authorize`,
    [`OAUTH_${prefix}_TOKEN_URL`]: `${provider.server.url}/oauth/token`,
    [`OAUTH_${prefix}_USERINFO_URL`]: `${provider.server.url}/v2/user/me`,
  });
  return {
    google,
    kakao,
    naver,
    env: () => ({
      OAUTH_GOOGLE_CLIENT_ID: CLIENT.id,
      OAUTH_GOOGLE_CLIENT_SECRET: CLIENT.secret,
      OAUTH_GOOGLE_AUTHORIZE_URL: `${google.url}/authorize`,
      OAUTH_GOOGLE_TOKEN_URL: `${google.url}/token`,
      OAUTH_GOOGLE_USERINFO_URL: `${google.url}/userinfo`,
      ...fixture('KAKAO', kakao),
      ...fixture('NAVER', naver),
    }),
    async close() {
      await google.close();
      await kakao.server.close();
      await naver.server.close();
    },
  };
}
