// Lab 5's authorization-server checks: the whole flow done the way a browser and a client do it,
// then every negative case of the checklist. check.ts runs them after the resource-server checks.
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { pkcePair } from '@workshop/kit/authorization-request'
import { type Check, type CheckContext, assert, expectChallenge, expectEqual, expectStatus, rpcResult } from '@workshop/kit/checks'
import { rpc, type Reply, type Req } from '@workshop/kit/http'
import {
  type Attempt,
  type AuthorizeOptions,
  type RegisteredClient,
  CALLBACK,
  authorizeAs,
  decide,
  exchangeCode,
  introspectToken,
  obtainTokens,
  onlyForm,
  readRedirect,
  refreshTokens,
  registerClient,
  revokeToken,
  sharedClient,
  signIn,
  startAuthorization,
  submitForm,
} from '@workshop/kit/oauth-flow'

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })
const HTTPS_CALLBACK = 'https://client.example/cb'

// ---- clients the checks share (registered once per server)
const confidential = (t: CheckContext) => sharedClient(t, 'confidential', { token_endpoint_auth_method: 'client_secret_basic' })
const secondClient = (t: CheckContext) => sharedClient(t, 'second public')
const twoRedirects = (t: CheckContext) => sharedClient(t, 'two redirect URIs', { redirect_uris: [HTTPS_CALLBACK, CALLBACK] })

// ---- assertions

/** RFC 6749 §5.2: an error response with this status and error code, never cached. */
function expectOAuthError(reply: Reply, status: number, error: string): void {
  expectStatus(reply, status)
  expectEqual(reply.json?.error, error, 'the error code')
  expectEqual(reply.headers['cache-control'], 'no-store', 'Cache-Control')
}

/** OAuth 2.1 §4.1.2.1 + RFC 9207 §2: the error goes back to the client with state and iss. */
function expectRedirectedError(t: CheckContext, attempt: Attempt, error: string): void {
  const { target, params } = readRedirect(attempt.reply)
  expectEqual(target, CALLBACK, 'the redirect target')
  expectEqual(params.error, error, 'the error code')
  expectEqual(params.state, attempt.state, 'state')
  expectEqual(params.iss, t.base, 'iss (RFC 9207)')
  assert(params.code === undefined, 'an error response carries a code')
}

/** OAuth 2.1 §4.1.2.1: shown to the user, NEVER redirected. */
function expectErrorPage(reply: Reply, status = 400): void {
  expectStatus(reply, status)
  assert(reply.headers.location === undefined, `the server redirected to ${reply.headers.location}: an open redirector`)
  assert(/^text\/html/.test(reply.headers['content-type'] ?? ''), 'the error is not an HTML page')
}

/** The resource server refuses the token: 401 invalid_token. */
async function expectDead(t: CheckContext, accessToken: string): Promise<void> {
  expectChallenge(await t.mcp(readNotes, { token: accessToken }), 401, 'invalid_token')
}

async function expectInactive(t: CheckContext, caller: RegisteredClient, token: string): Promise<void> {
  const reply = await introspectToken(t, { client: caller, token })
  expectStatus(reply, 200)
  expectEqual(reply.json, { active: false }, 'introspection')
}

// ---- check factories

/** /authorize with one thing wrong: an error redirected to the client, with state and iss. */
function authorizeError(id: string, title: string, spec: string, error: string, options: (t: CheckContext) => AuthorizeOptions): Check {
  return {
    id,
    title: `${title} → redirect with error=${error}, state and iss`,
    spec,
    async run(t) {
      expectRedirectedError(t, await startAuthorization(t, options(t)), error)
    },
  }
}

/** A redirect URI that must not match the registered https://client.example/cb: an error page, no redirect. */
function redirectMismatch(id: string, what: string, redirectUri: string): Check {
  return {
    id: `redirect-${id}`,
    title: `redirect_uri ${what} → error page, no redirect`,
    spec: 'OAuth 2.1 §4.1.1, §4.1.2.1',
    async run(t) {
      expectErrorPage((await startAuthorization(t, { client: await twoRedirects(t), redirectUri })).reply)
    },
  }
}

/** A code redeemed with something wrong. The code comes from a fresh, honest authorization. */
function redeemError(
  id: string,
  title: string,
  spec: string,
  error: string,
  redeem: (t: CheckContext, code: string, verifier: string) => Promise<Reply>,
): Check {
  return {
    id,
    title: `${title} → ${error}`,
    spec,
    async run(t) {
      const { code, pkce } = await authorizeAs(t, { user: 'alice' })
      expectOAuthError(await redeem(t, code, pkce.verifier), 400, error)
    },
  }
}

/** A registration whose redirect URI must be refused with invalid_redirect_uri (RFC 7591 §3.2.2). */
function badRegistration(id: string, what: string, redirectUris: unknown): Check {
  return {
    id: `register-${id}`,
    title: `registering ${what} → 400 invalid_redirect_uri`,
    spec: 'RFC 7591 §3.2.2, OAuth 2.1 §2.3.1',
    async run(t) {
      expectOAuthError(
        await t.send({ url: '/register', body: { client_name: 'bad', redirect_uris: redirectUris, token_endpoint_auth_method: 'none' } }),
        400,
        'invalid_redirect_uri',
      )
    },
  }
}

export const oauthChecks: Check[] = [
  // ---- the happy path, as a browser does it
  {
    id: 'flow',
    title: 'register → /authorize → sign in → consent → code with state and iss → tokens → /mcp',
    spec: 'OAuth 2.1 §4.1, RFC 7636, RFC 9207 §2, RFC 8707',
    async run(t) {
      const client = await registerClient(t, { client_name: 'Flow check' })
      const attempt = await startAuthorization(t, { client, scope: 'notes:read notes:write' })
      expectStatus(attempt.reply, 200)
      const login = onlyForm(attempt.reply)
      assert(
        'username' in login.fields && 'password' in login.fields && login.fields.csrf_token,
        'the sign-in form lacks username, password or a CSRF token',
      )
      const consentPage = await signIn(t, attempt, 'alice')
      expectStatus(consentPage, 200)
      for (const text of ['Flow check', client.client_id, '127.0.0.1:8976', 'notes:read', 'notes:write']) {
        assert(consentPage.text.includes(text), `the consent page does not show ${text}`)
      }
      const { target, params } = readRedirect(await decide(t, attempt, consentPage, 'approve'))
      expectEqual(target, CALLBACK, 'the redirect target')
      expectEqual(params.state, attempt.state, 'state')
      expectEqual(params.iss, t.base, 'iss (RFC 9207)')
      const reply = await exchangeCode(t, {
        client,
        code: params.code,
        verifier: attempt.pkce.verifier,
        redirectUri: CALLBACK,
        resource: t.mcpUrl,
      })
      expectStatus(reply, 200)
      expectEqual(reply.headers['cache-control'], 'no-store', 'Cache-Control on the token response (OAuth 2.1 §3.2.3)')
      expectEqual(reply.json.token_type, 'Bearer', 'token_type')
      expectEqual(reply.json.scope, 'notes:read notes:write', 'scope')
      assert(typeof reply.json.refresh_token === 'string', 'no refresh token')
      assert(
        reply.json.expires_in > 0 && reply.json.expires_in <= 900,
        `expires_in ${reply.json.expires_in}: access tokens should be short-lived`,
      )
      const result = rpcResult(await t.mcp(readNotes, { token: reply.json.access_token }))
      assert(result.content?.[0]?.text?.startsWith('Notes of alice'), `unexpected answer: ${result.content?.[0]?.text}`)
    },
  },
  // ---- discovery
  {
    id: 'as-metadata',
    title: 'RFC 8414 metadata: issuer exact, S256 only, iss and metadata documents advertised, every endpoint served',
    spec: 'RFC 8414 §3, RFC 9207 §3, MCP authorization',
    async run(t) {
      const reply = await t.send({ url: '/.well-known/oauth-authorization-server' })
      expectStatus(reply, 200)
      const m = reply.json
      expectEqual(m.issuer, t.base, 'issuer')
      expectEqual(m.code_challenge_methods_supported, ['S256'], 'code_challenge_methods_supported')
      expectEqual(m.response_types_supported, ['code'], 'response_types_supported')
      expectEqual(m.authorization_response_iss_parameter_supported, true, 'authorization_response_iss_parameter_supported')
      expectEqual(m.client_id_metadata_document_supported, true, 'client_id_metadata_document_supported')
      for (const scope of ['notes:read', 'notes:write', 'notes:admin'])
        assert(m.scopes_supported?.includes(scope), `scopes_supported lacks ${scope}`)
      assert(
        !m.grant_types_supported?.includes('implicit') && !m.grant_types_supported?.includes('password'),
        'grants OAuth 2.1 removed are advertised',
      )
      // Nothing advertised may point at nothing: every endpoint answers, if only with an error.
      const endpoints = [
        'authorization_endpoint',
        'token_endpoint',
        'registration_endpoint',
        'revocation_endpoint',
        'introspection_endpoint',
      ]
      for (const name of endpoints) {
        assert(typeof m[name] === 'string' && m[name].startsWith(`${t.base}/`), `${name} is not on this server: ${m[name]}`)
        const probe = await t.send({
          url: m[name],
          method: name === 'authorization_endpoint' ? 'GET' : 'POST',
          form: name === 'authorization_endpoint' ? undefined : {},
        })
        assert(probe.status !== 404 && probe.status < 500, `${name} answers ${probe.status}`)
      }
      expectStatus(await t.send({ url: m.jwks_uri }), 200)
    },
  },

  {
    id: 'access-token-profile',
    title: 'the access token is an RFC 9068 JWT: typ at+jwt, kid, iss, sub, aud = the MCP URL, client_id, scope, jti, short exp',
    spec: 'RFC 9068 §2, RFC 8707 §2',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice', scope: 'notes:read' })
      const header = decodeProtectedHeader(tokens.access_token)
      const claims = decodeJwt(tokens.access_token)
      const jwks = (await t.send({ url: '/.well-known/jwks.json' })).json
      expectEqual([header.alg, header.typ, header.kid], ['RS256', 'at+jwt', jwks.keys[0].kid], 'alg, typ, kid')
      expectEqual(
        [claims.iss, claims.sub, claims.aud, claims.client_id, claims.scope],
        [t.base, 'alice', t.mcpUrl, tokens.client.client_id, 'notes:read'],
        'iss, sub, aud, client_id, scope',
      )
      assert(typeof claims.jti === 'string' && claims.jti.length >= 16, 'no usable jti')
      const lifetime = Number(claims.exp) - Number(claims.iat)
      assert(lifetime >= 60 && lifetime <= 900, `the token lives ${lifetime} s: expected 1 to 15 minutes`)
    },
  },
  {
    id: 'page-headers',
    title: 'sign-in, consent and error pages forbid framing and caching; the CSRF cookie is HttpOnly and SameSite',
    spec: 'OAuth 2.1 §7.10, RFC 7034, MCP security best practices',
    async run(t) {
      const attempt = await startAuthorization(t)
      const pages = {
        'sign-in page': attempt.reply,
        'consent page': await signIn(t, attempt, 'alice'),
        'error page': await t.send({ url: '/authorize?client_id=nobody' }),
      }
      for (const [name, page] of Object.entries(pages)) {
        expectEqual(page.headers['x-frame-options'], 'DENY', `X-Frame-Options of the ${name}`)
        assert(
          /frame-ancestors 'none'/.test(String(page.headers['content-security-policy'])),
          `the ${name}'s CSP lacks frame-ancestors 'none'`,
        )
        assert(/form-action 'self'/.test(String(page.headers['content-security-policy'])), `the ${name}'s CSP lacks form-action 'self'`)
        expectEqual(page.headers['cache-control'], 'no-store', `Cache-Control of the ${name}`)
      }
      const cookie = String(attempt.reply.headers['set-cookie'])
      assert(
        /HttpOnly/i.test(cookie) && /SameSite=Lax/i.test(cookie),
        `the CSRF cookie is not HttpOnly and SameSite=Lax: ${cookie.replace(/=[^;]+/, '=…')}`,
      )
    },
  },
  {
    id: 'consent-scopes',
    title: 'consent grants only what the user has: bob asking for read and write is told he cannot grant write, and gets read',
    spec: 'RFC 6749 §3.3, MCP security best practices',
    async run(t) {
      const attempt = await startAuthorization(t, { scope: 'notes:read notes:write' })
      const consentPage = await signIn(t, attempt, 'bob')
      assert(
        /notes:write<\/code>, which bob cannot grant/.test(consentPage.text),
        'the consent page does not say bob cannot grant notes:write',
      )
      const { params } = readRedirect(await decide(t, attempt, consentPage, 'approve'))
      const reply = await exchangeCode(t, { client: attempt.client, code: params.code, verifier: attempt.pkce.verifier })
      expectStatus(reply, 200)
      expectEqual(reply.json.scope, 'notes:read', 'the granted scope')
    },
  },
  {
    id: 'default-scope',
    title: 'no scope requested → the default, notes:read notes:write',
    spec: 'RFC 6749 §3.3',
    async run(t) {
      expectEqual((await obtainTokens(t, { user: 'alice' })).scope, 'notes:read notes:write', 'scope')
    },
  },
  {
    id: 'deny',
    title: 'Deny on the consent page → redirect with error=access_denied, state and iss',
    spec: 'OAuth 2.1 §4.1.2.1, RFC 9207 §2',
    async run(t) {
      const attempt = await startAuthorization(t)
      const { params } = readRedirect(await decide(t, attempt, await signIn(t, attempt, 'alice'), 'deny'))
      expectEqual(
        [params.error, params.state, params.iss, params.code],
        ['access_denied', attempt.state, t.base, undefined],
        'error, state, iss, code',
      )
    },
  },
  {
    id: 'wrong-password',
    title: 'a wrong password → the sign-in page again (401), no redirect; the right one then works',
    spec: 'OAuth 2.1 §4.1.1',
    async run(t) {
      const attempt = await startAuthorization(t)
      const again = await signIn(t, attempt, 'alice', 'not-the-password')
      expectErrorPage(again, 401)
      assert(again.text.includes('Wrong username or password'), 'no error message on the sign-in page')
      expectStatus(await submitForm(t, attempt, onlyForm(again), { username: 'alice', password: 'wonderland' }), 200)
    },
  },
  {
    id: 'login-csrf',
    title: 'sign-in POST without its CSRF token → 403, no redirect',
    spec: 'RFC 6749 §10.12',
    async run(t) {
      const attempt = await startAuthorization(t)
      const form = onlyForm(attempt.reply)
      expectErrorPage(await submitForm(t, attempt, form, { csrf_token: '', username: 'alice', password: 'wonderland' }), 403)
    },
  },
  {
    id: 'consent-csrf',
    title: 'consent POST without the CSRF token, with a wrong one, or from a browser without the cookie → 403, no redirect',
    spec: 'RFC 6749 §10.12, MCP security best practices',
    async run(t) {
      const attempt = await startAuthorization(t)
      const consentPage = await signIn(t, attempt, 'alice')
      const form = onlyForm(consentPage)
      const { csrf_token: _, ...withoutToken } = form.fields
      expectErrorPage(
        await t.send({ url: form.action, headers: attempt.jar.header(t.url(form.action)), form: { ...withoutToken, decision: 'approve' } }),
        403,
      )
      expectErrorPage(await submitForm(t, attempt, form, { decision: 'approve', csrf_token: 'x'.repeat(43) }), 403)
      expectErrorPage(await t.send({ url: form.action, form: { ...form.fields, decision: 'approve' } }), 403) // no cookie: another browser
      // The refusals changed nothing: the genuine form still works.
      expectEqual(readRedirect(await decide(t, attempt, consentPage, 'approve')).params.iss, t.base, 'iss after the genuine consent')
    },
  },
  {
    id: 'consent-before-sign-in',
    title: 'consent POST before signing in → error page, no redirect',
    spec: 'OAuth 2.1 §4.1.1',
    async run(t) {
      const attempt = await startAuthorization(t)
      const form = onlyForm(attempt.reply)
      expectErrorPage(
        await t.send({
          url: '/authorize/consent',
          headers: attempt.jar.header(t.url('/authorize/consent')),
          form: { request_id: form.fields.request_id, csrf_token: form.fields.csrf_token, decision: 'approve' },
        }),
      )
    },
  },

  // ---- /authorize: errors the client hears about (redirected, with state and iss)
  authorizeError('pkce-missing', 'no code_challenge', 'OAuth 2.1 §4.1.1, RFC 7636 §4.4.1', 'invalid_request', () => ({
    params: { code_challenge: undefined, code_challenge_method: undefined },
  })),
  authorizeError('pkce-plain', 'code_challenge_method=plain', 'OAuth 2.1 §4.1.1, RFC 7636 §4.2', 'invalid_request', () => ({
    params: { code_challenge_method: 'plain' },
  })),
  authorizeError(
    'pkce-method-missing',
    'a code_challenge without code_challenge_method (plain by default)',
    'RFC 7636 §4.3',
    'invalid_request',
    () => ({ params: { code_challenge_method: undefined } }),
  ),
  authorizeError('pkce-bad-challenge', 'a code_challenge that is no SHA-256', 'RFC 7636 §4.2', 'invalid_request', () => ({
    params: { code_challenge: 'too-short' },
  })),
  authorizeError('resource-missing', 'no resource', 'RFC 8707 §2, MCP authorization', 'invalid_target', () => ({
    params: { resource: undefined },
  })),
  authorizeError('resource-other', 'resource another server', 'RFC 8707 §2', 'invalid_target', () => ({
    params: { resource: 'https://evil.example/mcp' },
  })),
  authorizeError('resource-slash', 'resource with a trailing slash', 'RFC 8707 §2', 'invalid_target', (t) => ({
    params: { resource: `${t.mcpUrl}/` },
  })),
  authorizeError(
    'resource-path-case',
    'resource with the path in upper case (/MCP)',
    'RFC 8707 §2, RFC 3986 §6.2.2.1',
    'invalid_target',
    (t) => ({
      params: { resource: t.mcpUrl.replace(/\/mcp$/, '/MCP') },
    }),
  ),
  {
    id: 'resource-upper-case',
    title: 'resource with the scheme in upper case (HTTP://…) is the same resource: tokens whose aud is the canonical URL',
    spec: 'MCP authorization (canonical server URI), RFC 3986 §6.2.2.1, RFC 8707 §2',
    async run(t) {
      const resource = t.mcpUrl.replace(/^http:/, 'HTTP:')
      const { code, pkce, client } = await authorizeAs(t, { user: 'alice', params: { resource } })
      const tokens = await exchangeCode(t, { client, code, verifier: pkce.verifier, resource })
      expectStatus(tokens, 200)
      expectEqual(decodeJwt(tokens.json.access_token).aud, t.mcpUrl, 'aud')
      const refreshed = await refreshTokens(t, { client, refreshToken: tokens.json.refresh_token, resource })
      expectStatus(refreshed, 200)
      rpcResult(await t.mcp(readNotes, { token: refreshed.json.access_token }))
    },
  },
  authorizeError('scope-unknown', 'an unknown scope', 'RFC 6749 §3.3, §4.1.2.1', 'invalid_scope', () => ({
    scope: 'notes:read notes:everything',
  })),
  authorizeError(
    'response-type-token',
    'response_type=token (implicit grant)',
    'OAuth 2.1 §4.1.1, §10.1',
    'unsupported_response_type',
    () => ({ params: { response_type: 'token' } }),
  ),
  {
    id: 'param-repeated',
    title: 'a repeated parameter (two code_challenge) → redirect with error=invalid_request, state and iss',
    spec: 'RFC 6749 §3.1',
    async run(t) {
      const client = await sharedClient(t, 'public')
      const pkce = pkcePair()
      const query = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: CALLBACK, state: 's1' })
      query.append('resource', t.mcpUrl)
      query.append('code_challenge_method', 'S256')
      query.append('code_challenge', pkce.challenge)
      query.append('code_challenge', pkcePair().challenge) // twice
      const url = `/authorize?${query}`
      const { params } = readRedirect(await t.send({ url }))
      expectEqual([params.error, params.state, params.iss], ['invalid_request', 's1', t.base], 'error, state, iss')
    },
  },

  // ---- /authorize: errors the user sees (never redirected)
  {
    id: 'unknown-client',
    title: 'an unknown or missing client_id → error page, no redirect',
    spec: 'OAuth 2.1 §4.1.2.1',
    async run(t) {
      expectErrorPage(
        (
          await startAuthorization(t, {
            client: { client_id: 'no-such-client', token_endpoint_auth_method: 'none', redirect_uris: [CALLBACK] },
          })
        ).reply,
      )
      expectErrorPage((await startAuthorization(t, { params: { client_id: undefined } })).reply)
    },
  },
  redirectMismatch('other-port', 'on another port (not loopback)', 'https://client.example:8443/cb'),
  redirectMismatch('trailing-slash', 'with a trailing slash', 'https://client.example/cb/'),
  redirectMismatch('other-path', 'with another path', 'https://client.example/cb2'),
  redirectMismatch('host-case', 'with the host in upper case', 'https://CLIENT.example/cb'),
  redirectMismatch('path-case', 'with the path in upper case', 'https://client.example/CB'),
  redirectMismatch('query-added', 'with a query added', 'https://client.example/cb?next=x'),
  redirectMismatch('fragment', 'with a fragment', 'https://client.example/cb#x'),
  redirectMismatch('http', 'over http instead of https', 'http://client.example/cb'),
  redirectMismatch('userinfo', 'that only starts like the registered one (userinfo trick)', 'https://client.example@evil.example/cb'),
  redirectMismatch('subdomain', 'on a look-alike host', 'https://client.example.evil.example/cb'),
  redirectMismatch('localhost', 'localhost instead of the registered 127.0.0.1', 'http://localhost:8976/callback'),
  redirectMismatch('loopback-path', 'on loopback, another port AND another path', 'http://127.0.0.1:9999/other'),
  {
    id: 'redirect-missing',
    title: 'no redirect_uri while the client registered two → error page, no redirect',
    spec: 'OAuth 2.1 §4.1.1',
    async run(t) {
      expectErrorPage((await startAuthorization(t, { client: await twoRedirects(t), params: { redirect_uri: undefined } })).reply)
    },
  },
  {
    id: 'redirect-loopback-port',
    title: 'a loopback IP redirect on another port is accepted, and the code goes to that port',
    spec: 'RFC 8252 §7.3, OAuth 2.1 §4.1.1',
    async run(t) {
      const redirectUri = 'http://127.0.0.1:45678/callback'
      const { code, redirectUri: used } = await authorizeAs(t, { user: 'alice', redirectUri })
      expectEqual(used, redirectUri, 'the redirect URI')
      assert(code.length > 0, 'no code')
    },
  },
  {
    id: 'client-metadata-refused',
    title: 'URL client ids not to fetch (http, private, link-local, mapped IPv6, odd port, no path) → error page, no redirect',
    spec: 'draft-ietf-oauth-client-id-metadata-document §3, SSRF',
    async run(t) {
      for (const clientId of [
        'http://client.example/oauth.json',
        'https://10.0.0.1/oauth.json',
        'https://169.254.169.254/latest/meta-data/oauth.json',
        'https://[fd00::1]/oauth.json',
        'https://[::ffff:a00:1]/oauth.json',
        'https://client.example:8443/oauth.json',
        'https://client.example',
        'https://client.example/a/../oauth.json',
      ]) {
        const reply = await startAuthorization(t, {
          client: { client_id: clientId, token_endpoint_auth_method: 'none', redirect_uris: [CALLBACK] },
        })
        expectErrorPage(reply.reply)
      }
    },
  },

  // ---- /token: the code
  redeemError('verifier-missing', 'redeeming a code without code_verifier', 'RFC 7636 §4.5, §4.6', 'invalid_grant', async (t, code) =>
    exchangeCode(t, { client: await sharedClient(t, 'public'), code }),
  ),
  redeemError('verifier-wrong', 'redeeming a code with another (well-formed) verifier', 'RFC 7636 §4.6', 'invalid_grant', async (t, c) =>
    exchangeCode(t, { client: await sharedClient(t, 'public'), code: c, verifier: pkcePair().verifier }),
  ),
  redeemError('verifier-short', 'a 42-character verifier', 'RFC 7636 §4.1', 'invalid_grant', async (t, code) =>
    exchangeCode(t, { client: await sharedClient(t, 'public'), code, verifier: 'a'.repeat(42) }),
  ),
  redeemError('verifier-long', 'a 129-character verifier', 'RFC 7636 §4.1', 'invalid_grant', async (t, code) =>
    exchangeCode(t, { client: await sharedClient(t, 'public'), code, verifier: 'a'.repeat(129) }),
  ),
  redeemError('verifier-odd', 'a verifier with characters outside the unreserved set', 'RFC 7636 §4.1', 'invalid_grant', async (t, code) =>
    exchangeCode(t, { client: await sharedClient(t, 'public'), code, verifier: `${'a'.repeat(42)}+/=` }),
  ),
  redeemError(
    'verifier-is-challenge',
    'the challenge sent back as the verifier',
    'RFC 7636 §4.6',
    'invalid_grant',
    async (t, code, verifier) => exchangeCode(t, { client: await sharedClient(t, 'public'), code, verifier: pkcePair(verifier).challenge }),
  ),
  redeemError('code-other-client', 'a code redeemed by another client', 'RFC 6749 §4.1.3', 'invalid_grant', async (t, code, verifier) =>
    exchangeCode(t, { client: await secondClient(t), code, verifier }),
  ),
  redeemError(
    'code-redirect-uri',
    'a redirect_uri at /token other than the one at /authorize',
    'OAuth 2.1 §10.2, RFC 6749 §4.1.3',
    'invalid_grant',
    async (t, code, verifier) => exchangeCode(t, { client: await sharedClient(t, 'public'), code, verifier, redirectUri: `${CALLBACK}/x` }),
  ),
  redeemError(
    'code-resource',
    'a resource at /token other than the one approved',
    'RFC 8707 §2.2',
    'invalid_target',
    async (t, code, verifier) =>
      exchangeCode(t, { client: await sharedClient(t, 'public'), code, verifier, resource: 'https://evil.example/mcp' }),
  ),
  {
    id: 'code-unknown',
    title: 'a code this server never issued → invalid_grant, not cached',
    spec: 'RFC 6749 §5.2, OAuth 2.1 §3.2.3',
    async run(t) {
      expectOAuthError(
        await exchangeCode(t, { client: await sharedClient(t, 'public'), code: 'x'.repeat(43), verifier: pkcePair().verifier }),
        400,
        'invalid_grant',
      )
    },
  },
  {
    id: 'code-reuse',
    title: 'a code redeemed twice → invalid_grant, and the tokens of the first redemption die (introspection and /mcp)',
    spec: 'OAuth 2.1 §4.1.3',
    async run(t) {
      const client = await confidential(t)
      const { code, pkce } = await authorizeAs(t, { user: 'alice', client })
      const first = await exchangeCode(t, { client, code, verifier: pkce.verifier })
      expectStatus(first, 200)
      rpcResult(await t.mcp(readNotes, { token: first.json.access_token }))
      expectOAuthError(await exchangeCode(t, { client, code, verifier: pkce.verifier }), 400, 'invalid_grant')
      await expectInactive(t, client, first.json.access_token)
      await expectInactive(t, client, first.json.refresh_token)
      await expectDead(t, first.json.access_token)
      expectOAuthError(await refreshTokens(t, { client, refreshToken: first.json.refresh_token }), 400, 'invalid_grant')
    },
  },

  // ---- /token: the rest
  {
    id: 'grant-types',
    title: 'password, client_credentials and made-up grants → unsupported_grant_type; no grant_type → invalid_request',
    spec: 'OAuth 2.1 §3.2.4, §10',
    async run(t) {
      const client = await sharedClient(t, 'public')
      for (const grant of ['password', 'client_credentials', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code']) {
        expectOAuthError(
          await t.send({
            url: '/token',
            form: { grant_type: grant, client_id: client.client_id, username: 'alice', password: 'wonderland' },
          }),
          400,
          'unsupported_grant_type',
        )
      }
      expectOAuthError(await t.send({ url: '/token', form: { client_id: client.client_id } }), 400, 'invalid_request')
    },
  },
  {
    id: 'client-authentication',
    title: 'wrong, missing or doubled client credentials → 401 invalid_client with WWW-Authenticate: Basic (doubled: 400)',
    spec: 'RFC 6749 §2.3, §5.2',
    async run(t) {
      const client = await confidential(t)
      const { code, pkce } = await authorizeAs(t, { user: 'alice', client })
      const basic = (id: string, secret: string) => ({ Authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}` })
      const form = { grant_type: 'authorization_code', code, code_verifier: pkce.verifier }
      for (const attempt of [
        { headers: basic(client.client_id, 'wrong-secret'), form },
        { form: { ...form, client_id: client.client_id } }, // a confidential client posing as public
        { form: { ...form, client_id: client.client_id, client_secret: client.client_secret! } }, // registered for basic, not post
        { headers: basic('no-such-client', 'x'), form },
        { form }, // nobody at all
      ]) {
        const reply = await t.send({ url: '/token', ...attempt })
        expectOAuthError(reply, 401, 'invalid_client')
        assert(/^Basic /i.test(String(reply.headers['www-authenticate'])), 'no WWW-Authenticate: Basic challenge')
      }
      expectOAuthError(
        await t.send({
          url: '/token',
          headers: basic(client.client_id, client.client_secret!),
          form: { ...form, client_secret: client.client_secret! },
        }),
        400,
        'invalid_request',
      )
    },
  },
  {
    id: 'token-garbage',
    title: 'garbage at /token (JSON, empty, repeated or oversized parameters, bad Basic) → 4xx, never 5xx',
    spec: 'RFC 6749 §5.2',
    async run(t) {
      const client = await sharedClient(t, 'public')
      const garbage: Omit<Req, 'url'>[] = [
        { body: { grant_type: 'authorization_code', client_id: client.client_id } },
        { body: '', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
        {
          body: `grant_type=refresh_token&refresh_token=a&refresh_token=b&client_id=${client.client_id}`,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        },
        {
          body: `grant_type=authorization_code&client_id=${client.client_id}&code=${'a'.repeat(20_000)}`,
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        },
        { body: 'grant_type=%ZZ&client_id=%E0%A4%A', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
        { headers: { Authorization: 'Basic %%%' }, form: { grant_type: 'refresh_token', refresh_token: 'x' } },
        {
          headers: { Authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` },
          form: { grant_type: 'refresh_token', refresh_token: 'x' },
        },
      ]
      for (const req of garbage) {
        const reply = await t.send({ url: '/token', ...req })
        assert(reply.status >= 400 && reply.status < 500, `got ${reply.status}: ${reply.text.slice(0, 200)}`)
        assert(typeof reply.json?.error === 'string', 'no JSON error body')
      }
    },
  },

  // ---- refresh tokens
  {
    id: 'refresh-rotation',
    title: 'refreshing rotates the refresh token; reusing one two rotations back → invalid_grant and the whole family dies',
    spec: 'OAuth 2.1 §4.3.1, RFC 9700 §4.14.2',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice' })
      const first = await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token! })
      expectStatus(first, 200)
      expectEqual(first.headers['cache-control'], 'no-store', 'Cache-Control')
      assert(
        typeof first.json.refresh_token === 'string' && first.json.refresh_token !== tokens.refresh_token,
        'the refresh token was not rotated',
      )
      rpcResult(await t.mcp(readNotes, { token: first.json.access_token }))
      const second = await refreshTokens(t, { client: tokens.client, refreshToken: first.json.refresh_token })
      expectStatus(second, 200)
      // The first token again, after its successor was used: no lost answer, a replay.
      expectOAuthError(await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token! }), 400, 'invalid_grant')
      // The thief or the client: the server cannot tell, so every token of the grant is dead.
      expectOAuthError(await refreshTokens(t, { client: tokens.client, refreshToken: second.json.refresh_token }), 400, 'invalid_grant')
      await expectDead(t, second.json.access_token)
      await expectDead(t, first.json.access_token)
    },
  },
  {
    id: 'refresh-retry',
    title: 'a refresh retried with the same token (its answer lost) → new tokens; the ones it replaces die, the family lives',
    spec: 'RFC 9700 §4.14.2, OAuth 2.1 §4.3.1',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice' })
      const lost = await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token! })
      expectStatus(lost, 200)
      const retry = await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token! })
      expectStatus(retry, 200)
      assert(retry.json.refresh_token !== lost.json.refresh_token, 'the retry got the same refresh token again')
      // At most one successor is live: the answer the client never saw is dead.
      await expectDead(t, lost.json.access_token)
      rpcResult(await t.mcp(readNotes, { token: retry.json.access_token }))
      const next = await refreshTokens(t, { client: tokens.client, refreshToken: retry.json.refresh_token })
      expectStatus(next, 200)
      rpcResult(await t.mcp(readNotes, { token: next.json.access_token }))
    },
  },
  {
    id: 'refresh-replaced',
    title: 'the refresh token a retry replaced, presented later → invalid_grant and the whole family dies',
    spec: 'RFC 9700 §4.14.2, OAuth 2.1 §4.3.1',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice' })
      const first = await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token! })
      const retry = await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token! })
      expectStatus(retry, 200)
      // Both answers arrived somewhere: two parties hold the family (a thief raced the client).
      expectOAuthError(await refreshTokens(t, { client: tokens.client, refreshToken: first.json.refresh_token }), 400, 'invalid_grant')
      expectOAuthError(await refreshTokens(t, { client: tokens.client, refreshToken: retry.json.refresh_token }), 400, 'invalid_grant')
      await expectDead(t, retry.json.access_token)
    },
  },
  {
    id: 'refresh-narrow',
    title: 'a refresh may narrow the scope for one access token; the grant keeps its scope',
    spec: 'RFC 6749 §6',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice', scope: 'notes:read notes:write' })
      const narrow = await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token!, scope: 'notes:read' })
      expectStatus(narrow, 200)
      expectEqual(narrow.json.scope, 'notes:read', 'the narrowed scope')
      const again = await refreshTokens(t, {
        client: tokens.client,
        refreshToken: narrow.json.refresh_token,
        scope: 'notes:read notes:write',
      })
      expectStatus(again, 200)
      expectEqual(again.json.scope, 'notes:read notes:write', 'the scope of the next refresh')
    },
  },
  {
    id: 'refresh-widen',
    title: 'a refresh asking for more scope than granted → invalid_scope',
    spec: 'RFC 6749 §6, OAuth 2.1 §4.3.1',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice', scope: 'notes:read' })
      for (const scope of ['notes:read notes:write', 'notes:admin']) {
        expectOAuthError(
          await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token!, scope }),
          400,
          'invalid_scope',
        )
      }
    },
  },
  {
    id: 'refresh-other-client',
    title: 'a refresh token presented by another client → invalid_grant',
    spec: 'RFC 6749 §6, OAuth 2.1 §4.3.1',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice' })
      expectOAuthError(await refreshTokens(t, { client: await secondClient(t), refreshToken: tokens.refresh_token! }), 400, 'invalid_grant')
    },
  },
  {
    id: 'refresh-resource',
    title: 'a refresh for another resource → invalid_target',
    spec: 'RFC 8707 §2.2',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice' })
      expectOAuthError(
        await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token!, resource: 'https://evil.example/mcp' }),
        400,
        'invalid_target',
      )
    },
  },

  // ---- dynamic client registration
  {
    id: 'register-public',
    title: 'registering a public client → 201 with client_id, client_id_issued_at, no secret, the metadata echoed',
    spec: 'RFC 7591 §3.2.1',
    async run(t) {
      const client = await registerClient(t, { client_name: 'Echo check' })
      assert(client.client_secret === undefined, 'a public client got a secret')
      assert(typeof client.client_id_issued_at === 'number', 'no client_id_issued_at')
      expectEqual(
        [client.client_name, client.redirect_uris, client.token_endpoint_auth_method],
        ['Echo check', [CALLBACK], 'none'],
        'the echoed metadata',
      )
    },
  },
  {
    id: 'register-confidential',
    title: 'without token_endpoint_auth_method → client_secret_basic, a secret that never expires, not cached',
    spec: 'RFC 7591 §2, §3.2.1',
    async run(t) {
      const reply = await t.send({ url: '/register', body: { redirect_uris: [HTTPS_CALLBACK] } })
      expectStatus(reply, 201)
      expectEqual(
        [reply.json.token_endpoint_auth_method, reply.json.client_secret_expires_at],
        ['client_secret_basic', 0],
        'auth method, secret expiry',
      )
      assert(typeof reply.json.client_secret === 'string' && reply.json.client_secret.length >= 32, 'no strong client_secret')
      expectEqual(reply.headers['cache-control'], 'no-store', 'Cache-Control')
    },
  },
  badRegistration('javascript', 'a javascript: redirect URI', ['javascript:alert(document.domain)//']),
  badRegistration('data', 'a data: redirect URI', ['data:text/html,<script>alert(1)</script>']),
  badRegistration('fragment', 'a redirect URI with a fragment', ['https://client.example/cb#frag']),
  badRegistration('http', 'an http redirect URI off loopback', ['http://client.example/cb']),
  badRegistration('relative', 'a relative redirect URI', ['/cb']),
  badRegistration('none', 'no redirect URIs', []),
  badRegistration('mixed', 'one good and one bad redirect URI', [HTTPS_CALLBACK, 'http://192.168.1.10/cb']),
  {
    id: 'register-bad-metadata',
    title: 'an unsupported auth method, grant or response type → 400 invalid_client_metadata',
    spec: 'RFC 7591 §2, §3.2.2',
    async run(t) {
      for (const bad of [
        { token_endpoint_auth_method: 'private_key_jwt' },
        { grant_types: ['password'] },
        { grant_types: ['refresh_token'] },
        { response_types: ['token'] },
        { client_name: 42 },
      ]) {
        expectOAuthError(
          await t.send({ url: '/register', body: { redirect_uris: [HTTPS_CALLBACK], ...bad } }),
          400,
          'invalid_client_metadata',
        )
      }
    },
  },
  {
    id: 'register-garbage',
    title: 'garbage at /register (bad JSON, an array, a form, 20 KB) → 4xx, never 5xx',
    spec: 'RFC 7591 §3.2.2',
    async run(t) {
      for (const req of [
        { body: '{"redirect_uris": [', headers: { 'Content-Type': 'application/json' } },
        { body: [HTTPS_CALLBACK] },
        { form: { redirect_uris: HTTPS_CALLBACK } },
        { body: { redirect_uris: [HTTPS_CALLBACK], client_name: 'x'.repeat(20_000) } },
      ]) {
        const reply = await t.send({ url: '/register', ...req })
        assert(reply.status >= 400 && reply.status < 500, `got ${reply.status}: ${reply.text.slice(0, 200)}`)
      }
    },
  },

  // ---- revocation
  {
    id: 'revoke-refresh',
    title: 'revoking a refresh token → 200, and the grant ends: its access token dies too',
    spec: 'RFC 7009 §2.1, §2.2',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice' })
      expectStatus(await revokeToken(t, { client: tokens.client, token: tokens.refresh_token!, hint: 'refresh_token' }), 200)
      await expectDead(t, tokens.access_token)
      expectOAuthError(await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token! }), 400, 'invalid_grant')
    },
  },
  {
    id: 'revoke-access',
    title: 'revoking an access token → 200, and /mcp refuses it at once',
    spec: 'RFC 7009 §2.1',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice' })
      rpcResult(await t.mcp(readNotes, { token: tokens.access_token }))
      expectStatus(await revokeToken(t, { client: tokens.client, token: tokens.access_token }), 200)
      await expectDead(t, tokens.access_token)
    },
  },
  {
    id: 'revoke-unknown',
    title: "revoking garbage or another client's token → 200, and that token lives on",
    spec: 'RFC 7009 §2.2',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice' })
      const other = await secondClient(t)
      for (const token of ['garbage', 'a.b.c', tokens.access_token]) expectStatus(await revokeToken(t, { client: other, token }), 200)
      rpcResult(await t.mcp(readNotes, { token: tokens.access_token }))
    },
  },
  {
    id: 'revoke-no-client',
    title: 'revocation without client authentication → 401 invalid_client',
    spec: 'RFC 7009 §2.1',
    async run(t) {
      expectOAuthError(await t.send({ url: '/revoke', form: { token: 'anything' } }), 401, 'invalid_client')
    },
  },

  // ---- introspection
  {
    id: 'introspect-no-auth',
    title: 'introspection without caller authentication, or by a public client → 401 invalid_client',
    spec: 'RFC 7662 §2.1, §4',
    async run(t) {
      const tokens = await obtainTokens(t, { user: 'alice' })
      const reply = await introspectToken(t, { token: tokens.access_token })
      expectOAuthError(reply, 401, 'invalid_client')
      assert(/^Basic /i.test(String(reply.headers['www-authenticate'])), 'no WWW-Authenticate: Basic challenge')
      expectOAuthError(await introspectToken(t, { client: tokens.client, token: tokens.access_token }), 401, 'invalid_client')
    },
  },
  {
    id: 'introspect-active',
    title: 'introspecting its own live tokens → active, with scope, client_id, sub, aud, iss, exp, iat, jti',
    spec: 'RFC 7662 §2.2',
    async run(t) {
      const client = await confidential(t)
      const tokens = await obtainTokens(t, { user: 'carol', client, scope: 'notes:admin' })
      const access = await introspectToken(t, { client, token: tokens.access_token })
      expectStatus(access, 200)
      const { active, scope, client_id, sub, aud, iss, token_type } = access.json
      expectEqual(
        { active, scope, client_id, sub, aud, iss, token_type },
        { active: true, scope: 'notes:admin', client_id: client.client_id, sub: 'carol', aud: t.mcpUrl, iss: t.base, token_type: 'Bearer' },
        'the introspection',
      )
      assert(
        ['exp', 'iat', 'jti'].every((claim) => access.json[claim] !== undefined),
        'exp, iat or jti missing',
      )
      expectEqual(access.headers['cache-control'], 'no-store', 'Cache-Control')
      const refresh = await introspectToken(t, { client, token: tokens.refresh_token! })
      expectEqual([refresh.json.active, refresh.json.token_type], [true, 'refresh_token'], "the refresh token's introspection")
    },
  },
  {
    id: 'introspect-inactive',
    title: 'garbage, a dev token this server never issued, a forged one, another client\'s → {"active": false}',
    spec: 'RFC 7662 §2.2',
    async run(t) {
      const client = await confidential(t)
      const othersToken = (await obtainTokens(t, { user: 'alice' })).access_token
      const devToken = await t.token({ scope: 'notes:read' })
      const [head, , signature] = othersToken.split('.')
      const claims = Buffer.from(JSON.stringify({ ...decodeJwt(othersToken), client_id: client.client_id })).toString('base64url')
      const forged = `${head}.${claims}.${signature}`
      for (const token of ['garbage', devToken, forged, othersToken]) await expectInactive(t, client, token)
    },
  },
  {
    id: 'dev-token-refused',
    title: 'a dev token from `npm run token` (a jti this server never issued) → 401 invalid_token at /mcp',
    spec: 'RFC 7009 §2, RFC 9068 §4',
    async run(t) {
      await expectDead(t, await t.token({ scope: 'notes:read' }))
    },
  },

  // ---- garbage at the HTML endpoints
  {
    id: 'pages-garbage',
    title: 'garbage at /authorize and its forms (no params, JSON, unknown request, GET) → 4xx page, never 5xx or a redirect',
    spec: 'OAuth 2.1 §4.1.2.1',
    async run(t) {
      const garbage: Req[] = [
        { url: '/authorize' },
        { url: '/authorize?client_id=a&client_id=b' },
        { url: `/authorize?client_id=${'%'.repeat(3)}` },
        { url: '/authorize/login', body: { request_id: 'x', username: 'alice' } },
        { url: '/authorize/login', form: { request_id: 'no-such-request', csrf_token: 'x', username: 'alice', password: 'wonderland' } },
        { url: '/authorize/consent', form: { request_id: 'x'.repeat(5000), decision: 'approve' } },
      ]
      for (const req of garbage) {
        const reply = await t.send(req)
        assert(reply.status >= 400 && reply.status < 500, `${req.url} answered ${reply.status}`)
        assert(reply.headers.location === undefined, `${req.url} redirected`)
      }
      expectStatus(await t.send({ url: '/authorize/consent' }), 405)
    },
  },
]
