// Lab 5's authorization-server checks: the whole flow done the way a browser and a client do it,
// then every negative case of the checklist. check.ts runs them after the resource-server checks.
// The flow's steps go out as curl commands through the kit's AuthorizationServer (`await t.oauth()`);
// a request made by hand (an odd form, a crafted registration, a token at /mcp) is its own `curl`.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeJwt, decodeProtectedHeader } from 'jose'
import { $ } from 'zx'
import {
  CheckContext,
  type Reply,
  CALLBACK,
  JSON_RPC,
  assert,
  bearer,
  check,
  exchange,
  expectChallenge,
  expectEqual,
  expectStatus,
  pageText,
  parseForms,
  pkcePair,
  rpc,
  rpcResult,
} from '@workshop/kit/checks'
import { freePort, startProcess } from '@workshop/kit/lab-process'
import type { Attempt, AuthorizationServer, RegisteredClient, StartOptions } from '@workshop/kit/oauth-client'

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })
const HTTPS_CALLBACK = 'https://client.example/cb'

// ---- clients the checks share (registered once per server)
const confidential = (as: AuthorizationServer) => as.client('confidential', { token_endpoint_auth_method: 'client_secret_basic' })
const secondClient = (as: AuthorizationServer) => as.client('second public')
const twoRedirects = (as: AuthorizationServer) => as.client('two redirect URIs', { redirect_uris: [HTTPS_CALLBACK, CALLBACK] })

// ---- requests made by hand

/** Form fields as curl arguments, each `--data-urlencode name=value` (application/x-www-form-urlencoded). */
const form = (fields: Record<string, string>): string[] =>
  Object.entries(fields).flatMap(([name, value]) => ['--data-urlencode', `${name}=${value}`])

/** POST /token with a hand-made form, and any more curl arguments (e.g. -u for HTTP Basic). */
const token = (t: CheckContext, fields: Record<string, string>, more: string[] = []) =>
  exchange($`curl -si ${t.url('/token')} ${form(fields)} ${more}`)

/** POST /register with a JSON body as written (RFC 7591 §3.1). */
const register = (t: CheckContext, body: unknown) =>
  exchange($`curl -si ${t.url('/register')} -H 'Content-Type: application/json' --data ${JSON.stringify(body)}`)

/** read_notes at /mcp with an access token. */
const readWith = (t: CheckContext, accessToken: string) =>
  exchange($`curl -si ${t.mcp} ${JSON_RPC} ${bearer(accessToken)} --data ${readNotes}`)

// ---- what a browser reads

/** The one form of a page, failing with the page's text when there is none. */
function onlyForm(reply: Reply) {
  const forms = parseForms(reply.text)
  assert(forms.length === 1, `expected one form on the page, found ${forms.length}: ${pageText(reply.text)}`)
  return forms[0]
}

/** A redirect to the client (302 or 303), read and not followed: nothing listens there. */
function readRedirect(reply: Reply): { target: string; params: Record<string, string> } {
  expectStatus(reply, 302, 303)
  const location = reply.headers.location
  assert(typeof location === 'string', 'the redirect has no Location header')
  const url = new URL(location)
  return { target: `${url.origin}${url.pathname}`, params: Object.fromEntries(url.searchParams) }
}

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
  expectChallenge(await readWith(t, accessToken), 401, 'invalid_token')
}

async function expectInactive(as: AuthorizationServer, caller: RegisteredClient, token: string): Promise<void> {
  const reply = await as.introspect({ client: caller, token })
  expectStatus(reply, 200)
  expectEqual(reply.json, { active: false }, 'introspection')
}

// ---- check factories

/** /authorize with one thing wrong: an error redirected to the client, with state and iss. */
const authorizeError = (id: string, title: string, spec: string, error: string, options: (t: CheckContext) => StartOptions) =>
  check(id, `${title} → redirect with error=${error}, state and iss`, spec, async (t) => {
    expectRedirectedError(t, await (await t.oauth()).start(options(t)), error)
  })

/** A redirect URI that must not match the registered https://client.example/cb: an error page, no redirect. */
const redirectMismatch = (id: string, what: string, redirectUri: string) =>
  check(`redirect-${id}`, `redirect_uri ${what} → error page, no redirect`, 'OAuth 2.1 §4.1.1, §4.1.2.1', async (t) => {
    const as = await t.oauth()
    expectErrorPage((await as.start({ client: await twoRedirects(as), redirectUri })).reply)
  })

/** A code redeemed with something wrong. The code comes from a fresh, honest authorization. */
const redeemError = (
  id: string,
  title: string,
  spec: string,
  error: string,
  redeem: (as: AuthorizationServer, code: string, verifier: string) => Promise<Reply>,
) =>
  check(id, `${title} → ${error}`, spec, async (t) => {
    const as = await t.oauth()
    const { code, pkce } = await as.authorize({ user: 'alice' })
    expectOAuthError(await redeem(as, code, pkce.verifier), 400, error)
  })

/** A verifier of the wrong form (RFC 7636 §4.1), sent with its own challenge: only its form can refuse it. */
const malformedVerifier = (id: string, title: string, verifier: string) =>
  check(id, `${title}, its challenge matching → invalid_grant`, 'RFC 7636 §4.1', async (t) => {
    const as = await t.oauth()
    const { code } = await as.authorize({ user: 'alice', pkce: pkcePair(verifier) })
    expectOAuthError(await as.exchange({ client: await as.client('public'), code, verifier }), 400, 'invalid_grant')
  })

/** A registration whose redirect URI must be refused with invalid_redirect_uri (RFC 7591 §3.2.2). */
const badRegistration = (id: string, what: string, redirectUris: unknown) =>
  check(`register-${id}`, `registering ${what} → 400 invalid_redirect_uri`, 'RFC 7591 §3.2.2, OAuth 2.1 §2.3.1', async (t) => {
    const body = { client_name: 'bad', redirect_uris: redirectUris, token_endpoint_auth_method: 'none' }
    expectOAuthError(await register(t, body), 400, 'invalid_redirect_uri')
  })

export const oauthChecks = [
  // ---- the happy path, as a browser does it
  check(
    'flow',
    'register → /authorize → sign in → consent → code with state and iss → tokens → /mcp',
    'OAuth 2.1 §4.1, RFC 7636, RFC 9207 §2, RFC 8707',
    async (t) => {
      const as = await t.oauth()
      const client = await as.registerClient({ client_name: 'Flow check' })
      const attempt = await as.start({ client, scope: 'notes:read notes:write' })
      expectStatus(attempt.reply, 200)
      const login = onlyForm(attempt.reply)
      assert(
        'username' in login.fields && 'password' in login.fields && login.fields.csrf_token,
        'the sign-in form lacks username, password or a CSRF token',
      )
      const consentPage = await as.signIn(attempt, 'alice')
      expectStatus(consentPage.reply, 200)
      for (const text of ['Flow check', client.client_id, '127.0.0.1:8976', 'notes:read', 'notes:write']) {
        assert(consentPage.reply.text.includes(text), `the consent page does not show ${text}`)
      }
      assert(
        onlyForm(consentPage.reply).buttons.some((b) => b.name === 'decision' && b.value === 'approve'),
        'the consent page has no approve button',
      )
      const { target, params } = readRedirect((await as.decide(attempt, consentPage, 'approve')).reply)
      expectEqual(target, CALLBACK, 'the redirect target')
      expectEqual(params.state, attempt.state, 'state')
      expectEqual(params.iss, t.base, 'iss (RFC 9207)')
      const reply = await as.exchange({
        client,
        code: params.code,
        verifier: attempt.pkce.verifier,
        redirectUri: CALLBACK,
        resource: t.mcp,
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
      const result = rpcResult(await readWith(t, reply.json.access_token))
      assert(result.content?.[0]?.text?.startsWith('Notes of alice'), `unexpected answer: ${result.content?.[0]?.text}`)
    },
  ),
  // ---- discovery
  check(
    'as-metadata',
    'RFC 8414 metadata: issuer exact, S256 only, iss and metadata documents advertised, every endpoint served',
    'RFC 8414 §3, RFC 9207 §3, MCP authorization',
    async (t) => {
      const reply = await exchange($`curl -si ${t.url('/.well-known/oauth-authorization-server')}`)
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
        const emptyPost = name === 'authorization_endpoint' ? [] : ['--data', '']
        const probe = await exchange($`curl -si ${m[name]} ${emptyPost}`)
        assert(probe.status !== 404 && probe.status < 500, `${name} answers ${probe.status}`)
      }
      expectStatus(await exchange($`curl -si ${m.jwks_uri}`), 200)
    },
  ),

  check(
    'access-token-profile',
    'the access token is an RFC 9068 JWT: typ at+jwt, kid, iss, sub, aud = the MCP URL, client_id, scope, jti, short exp',
    'RFC 9068 §2, RFC 8707 §2',
    async (t) => {
      const tokens = await (await t.oauth()).tokens({ user: 'alice', scope: 'notes:read' })
      const header = decodeProtectedHeader(tokens.access_token)
      const claims = decodeJwt(tokens.access_token)
      const jwks = (await exchange($`curl -si ${t.url('/.well-known/jwks.json')}`)).json
      expectEqual([header.alg, header.typ, header.kid], ['RS256', 'at+jwt', jwks.keys[0].kid], 'alg, typ, kid')
      expectEqual(
        [claims.iss, claims.sub, claims.aud, claims.client_id, claims.scope],
        [t.base, 'alice', t.mcp, tokens.client.client_id, 'notes:read'],
        'iss, sub, aud, client_id, scope',
      )
      assert(typeof claims.jti === 'string' && claims.jti.length >= 16, 'no usable jti')
      const lifetime = Number(claims.exp) - Number(claims.iat)
      assert(lifetime >= 60 && lifetime <= 900, `the token lives ${lifetime} s: expected 1 to 15 minutes`)
    },
  ),
  check(
    'page-headers',
    'sign-in, consent and error pages forbid framing and caching; the CSRF cookie is HttpOnly and SameSite',
    'OAuth 2.1 §7.10, RFC 7034, MCP security best practices',
    async (t) => {
      const as = await t.oauth()
      const attempt = await as.start()
      const pages = {
        'sign-in page': attempt.reply,
        'consent page': (await as.signIn(attempt, 'alice')).reply,
        'error page': await exchange($`curl -si ${t.url('/authorize?client_id=nobody')}`),
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
  ),
  check(
    'consent-scopes',
    'consent grants only what the user has: bob asking for read and write is told he cannot grant write, and gets read',
    'RFC 6749 §3.3, MCP security best practices',
    async (t) => {
      const as = await t.oauth()
      const attempt = await as.start({ scope: 'notes:read notes:write' })
      const consentPage = await as.signIn(attempt, 'bob')
      assert(
        /notes:write<\/code>, which bob cannot grant/.test(consentPage.reply.text),
        'the consent page does not say bob cannot grant notes:write',
      )
      const { params } = readRedirect((await as.decide(attempt, consentPage, 'approve')).reply)
      const reply = await as.exchange({ client: attempt.client, code: params.code, verifier: attempt.pkce.verifier })
      expectStatus(reply, 200)
      expectEqual(reply.json.scope, 'notes:read', 'the granted scope')
    },
  ),
  check('default-scope', 'no scope requested → the default, notes:read notes:write', 'RFC 6749 §3.3', async (t) => {
    expectEqual((await (await t.oauth()).tokens({ user: 'alice' })).scope, 'notes:read notes:write', 'scope')
  }),
  check(
    'deny',
    'Deny on the consent page → redirect with error=access_denied, state and iss',
    'OAuth 2.1 §4.1.2.1, RFC 9207 §2',
    async (t) => {
      const as = await t.oauth()
      const attempt = await as.start()
      const consentPage = await as.signIn(attempt, 'alice')
      assert(
        onlyForm(consentPage.reply).buttons.some((b) => b.name === 'decision' && b.value === 'deny'),
        'the consent page has no deny button',
      )
      const { params } = readRedirect((await as.decide(attempt, consentPage, 'deny')).reply)
      expectEqual(
        [params.error, params.state, params.iss, params.code],
        ['access_denied', attempt.state, t.base, undefined],
        'error, state, iss, code',
      )
    },
  ),
  check(
    'wrong-password',
    'a wrong password → the sign-in page again (401), no redirect; the right one then works',
    'OAuth 2.1 §4.1.1',
    async (t) => {
      const as = await t.oauth()
      const attempt = await as.start()
      const again = await as.signIn(attempt, 'alice', 'not-the-password')
      expectErrorPage(again.reply, 401)
      assert(again.reply.text.includes('Wrong username or password'), 'no error message on the sign-in page')
      expectStatus((await as.submit(attempt, again, { username: 'alice', password: 'wonderland' })).reply, 200)
    },
  ),
  check(
    'sign-in-limit',
    'five wrong passwords, for known users or not, end the sign-in: the right one is then refused too (an error page, no redirect)',
    'OAuth 2.1 §7.1 (guessing)',
    async (t) => {
      const as = await t.oauth()
      const attempt = await as.start()
      let page = await as.signIn(attempt, 'alice', 'wrong-1')
      for (let tries = 2; tries <= 5; tries++) {
        const username = tries % 2 === 0 ? 'mallory' : 'alice' // a guesser tries usernames too
        page = await as.submit(attempt, page, { username, password: `wrong-${tries}` })
      }
      expectErrorPage(page.reply, 401)
      const right = await as.submit(attempt, attempt, { username: 'alice', password: 'wonderland' })
      expectErrorPage(right.reply, 400)
      assert(!/name="decision"/.test(right.reply.text), 'the right password still led to the consent page')
    },
  ),
  check('login-csrf', 'sign-in POST without its CSRF token → 403, no redirect', 'RFC 6749 §10.12', async (t) => {
    const as = await t.oauth()
    const attempt = await as.start()
    expectErrorPage((await as.submit(attempt, attempt, { csrf_token: '', username: 'alice', password: 'wonderland' })).reply, 403)
  }),
  check(
    'consent-csrf',
    'consent POST without the CSRF token, with a wrong one, or from a browser without the cookie → 403, no redirect',
    'RFC 6749 §10.12, MCP security best practices',
    async (t) => {
      const as = await t.oauth()
      const attempt = await as.start()
      const consentPage = await as.signIn(attempt, 'alice')
      const approve = { decision: 'approve' }
      expectErrorPage((await as.submit(attempt, consentPage, approve, { drop: (name) => name === 'csrf_token' })).reply, 403)
      expectErrorPage((await as.submit(attempt, consentPage, { ...approve, csrf_token: 'x'.repeat(43) })).reply, 403)
      expectErrorPage((await as.submit(attempt, consentPage, approve, { browser: as.browser() })).reply, 403) // no cookie: another browser
      // The refusals changed nothing: the genuine form still works.
      expectEqual(
        readRedirect((await as.decide(attempt, consentPage, 'approve')).reply).params.iss,
        t.base,
        'iss after the genuine consent',
      )
    },
  ),
  check('consent-before-sign-in', 'consent POST before signing in → error page, no redirect', 'OAuth 2.1 §4.1.1', async (t) => {
    const as = await t.oauth()
    const attempt = await as.start()
    // the sign-in page's request_id and csrf_token, posted to the consent form's action
    expectErrorPage((await as.submit(attempt, attempt, { decision: 'approve' }, { action: t.url('/authorize/consent') })).reply)
  }),

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
    params: { resource: `${t.mcp}/` },
  })),
  authorizeError(
    'resource-path-case',
    'resource with the path in upper case (/MCP)',
    'RFC 8707 §2, RFC 3986 §6.2.2.1',
    'invalid_target',
    (t) => ({
      params: { resource: t.mcp.replace(/\/mcp$/, '/MCP') },
    }),
  ),
  check(
    'resource-upper-case',
    'resource with the scheme in upper case (HTTP://…) is the same resource: tokens whose aud is the canonical URL',
    'MCP authorization (canonical server URI), RFC 3986 §6.2.2.1, RFC 8707 §2',
    async (t) => {
      const as = await t.oauth()
      const resource = t.mcp.replace(/^http:/, 'HTTP:')
      const { code, pkce, client } = await as.authorize({ user: 'alice', params: { resource } })
      const tokens = await as.exchange({ client, code, verifier: pkce.verifier, resource })
      expectStatus(tokens, 200)
      expectEqual(decodeJwt(tokens.json.access_token).aud, t.mcp, 'aud')
      const refreshed = await as.refresh({ client, refreshToken: tokens.json.refresh_token, resource })
      expectStatus(refreshed, 200)
      rpcResult(await readWith(t, refreshed.json.access_token))
    },
  ),
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
  check(
    'param-repeated',
    'a repeated parameter (two code_challenge) → redirect with error=invalid_request, state and iss',
    'RFC 6749 §3.1',
    async (t) => {
      const client = await (await t.oauth()).client('public')
      const pkce = pkcePair()
      const query = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: CALLBACK, state: 's1' })
      query.append('resource', t.mcp)
      query.append('code_challenge_method', 'S256')
      query.append('code_challenge', pkce.challenge)
      query.append('code_challenge', pkcePair().challenge) // twice
      const { params } = readRedirect(await exchange($`curl -si ${t.url(`/authorize?${query}`)}`))
      expectEqual([params.error, params.state, params.iss], ['invalid_request', 's1', t.base], 'error, state, iss')
    },
  ),

  // ---- /authorize: errors the user sees (never redirected)
  check('unknown-client', 'an unknown or missing client_id → error page, no redirect', 'OAuth 2.1 §4.1.2.1', async (t) => {
    const as = await t.oauth()
    const nobody = { client_id: 'no-such-client', token_endpoint_auth_method: 'none', redirect_uris: [CALLBACK] }
    expectErrorPage((await as.start({ client: nobody })).reply)
    expectErrorPage((await as.start({ params: { client_id: undefined } })).reply)
  }),
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
  check('redirect-missing', 'no redirect_uri while the client registered two → error page, no redirect', 'OAuth 2.1 §4.1.1', async (t) => {
    const as = await t.oauth()
    expectErrorPage((await as.start({ client: await twoRedirects(as), params: { redirect_uri: undefined } })).reply)
  }),
  check(
    'redirect-loopback-port',
    'a loopback IP redirect on another port is accepted, and the code goes to that port',
    'RFC 8252 §7.3, OAuth 2.1 §4.1.1',
    async (t) => {
      const as = await t.oauth()
      const redirectUri = 'http://127.0.0.1:45678/callback'
      const attempt = await as.start({ redirectUri })
      const { target, params } = readRedirect((await as.decide(attempt, await as.signIn(attempt, 'alice'), 'approve')).reply)
      expectEqual(target, redirectUri, 'the redirect URI')
      assert(params.error === undefined, `the authorization failed: ${params.error} ${params.error_description ?? ''}`)
      assert(typeof params.code === 'string' && params.code.length > 0, 'no code')
    },
  ),
  check(
    'client-metadata-refused',
    'URL client ids not to fetch (http, private, link-local, mapped IPv6, odd port, no path) → error page, no redirect',
    'draft-ietf-oauth-client-id-metadata-document §3, SSRF',
    async (t) => {
      const as = await t.oauth()
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
        const attempt = await as.start({ client: { client_id: clientId, token_endpoint_auth_method: 'none', redirect_uris: [CALLBACK] } })
        expectErrorPage(attempt.reply)
      }
    },
  ),

  // ---- /token: the code
  redeemError('verifier-missing', 'redeeming a code without code_verifier', 'RFC 7636 §4.5, §4.6', 'invalid_grant', async (as, code) =>
    as.exchange({ client: await as.client('public'), code }),
  ),
  redeemError('verifier-wrong', 'redeeming a code with another (well-formed) verifier', 'RFC 7636 §4.6', 'invalid_grant', async (as, c) =>
    as.exchange({ client: await as.client('public'), code: c, verifier: pkcePair().verifier }),
  ),
  malformedVerifier('verifier-short', 'a 42-character verifier', 'a'.repeat(42)),
  malformedVerifier('verifier-long', 'a 129-character verifier', 'a'.repeat(129)),
  check(
    'verifier-case',
    'a code whose challenge was sent in another case, redeemed with the right verifier → invalid_grant',
    'RFC 7636 §4.6 (the challenges compared exactly)',
    async (t) => {
      const as = await t.oauth()
      const pkce = pkcePair()
      const swapped = [...pkce.challenge].map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join('')
      const { code } = await as.authorize({ user: 'alice', pkce: { ...pkce, challenge: swapped } })
      expectOAuthError(await as.exchange({ client: await as.client('public'), code, verifier: pkce.verifier }), 400, 'invalid_grant')
    },
  ),
  malformedVerifier('verifier-odd', 'a verifier with characters outside the unreserved set', `${'a'.repeat(42)}+/=`),
  redeemError(
    'verifier-is-challenge',
    'the challenge sent back as the verifier',
    'RFC 7636 §4.6',
    'invalid_grant',
    async (as, code, verifier) => as.exchange({ client: await as.client('public'), code, verifier: pkcePair(verifier).challenge }),
  ),
  redeemError('code-other-client', 'a code redeemed by another client', 'RFC 6749 §4.1.3', 'invalid_grant', async (as, code, verifier) =>
    as.exchange({ client: await secondClient(as), code, verifier }),
  ),
  redeemError(
    'code-redirect-uri',
    'a redirect_uri at /token other than the one at /authorize',
    'OAuth 2.1 §10.2, RFC 6749 §4.1.3',
    'invalid_grant',
    async (as, code, verifier) => as.exchange({ client: await as.client('public'), code, verifier, redirectUri: `${CALLBACK}/x` }),
  ),
  redeemError(
    'code-resource',
    'a resource at /token other than the one approved',
    'RFC 8707 §2.2',
    'invalid_target',
    async (as, code, verifier) => as.exchange({ client: await as.client('public'), code, verifier, resource: 'https://evil.example/mcp' }),
  ),
  check('code-unknown', 'a code this server never issued → invalid_grant, not cached', 'RFC 6749 §5.2, OAuth 2.1 §3.2.3', async (t) => {
    const as = await t.oauth()
    expectOAuthError(
      await as.exchange({ client: await as.client('public'), code: 'x'.repeat(43), verifier: pkcePair().verifier }),
      400,
      'invalid_grant',
    )
  }),
  check(
    'code-reuse',
    'a code redeemed twice → invalid_grant, and the tokens of the first redemption die (introspection and /mcp)',
    'OAuth 2.1 §4.1.3',
    async (t) => {
      const as = await t.oauth()
      const client = await confidential(as)
      const { code, pkce } = await as.authorize({ user: 'alice', client })
      const first = await as.exchange({ client, code, verifier: pkce.verifier })
      expectStatus(first, 200)
      rpcResult(await readWith(t, first.json.access_token))
      expectOAuthError(await as.exchange({ client, code, verifier: pkce.verifier }), 400, 'invalid_grant')
      await expectInactive(as, client, first.json.access_token)
      await expectInactive(as, client, first.json.refresh_token)
      await expectDead(t, first.json.access_token)
      expectOAuthError(await as.refresh({ client, refreshToken: first.json.refresh_token }), 400, 'invalid_grant')
    },
  ),

  // ---- /token: the rest
  check(
    'grant-types',
    'password, client_credentials and made-up grants → unsupported_grant_type; no grant_type → invalid_request',
    'OAuth 2.1 §3.2.4, §10',
    async (t) => {
      const { client_id } = await (await t.oauth()).client('public')
      for (const grant of ['password', 'client_credentials', 'implicit', 'urn:ietf:params:oauth:grant-type:device_code']) {
        const reply = await token(t, { grant_type: grant, client_id, username: 'alice', password: 'wonderland' })
        expectOAuthError(reply, 400, 'unsupported_grant_type')
      }
      expectOAuthError(await token(t, { client_id }), 400, 'invalid_request')
    },
  ),
  check(
    'client-authentication',
    'wrong, missing or doubled client credentials → 401 invalid_client with WWW-Authenticate: Basic (doubled: 400)',
    'RFC 6749 §2.3, §5.2',
    async (t) => {
      const as = await t.oauth()
      const client = await confidential(as)
      const { code, pkce } = await as.authorize({ user: 'alice', client })
      const [id, secret] = [client.client_id, client.client_secret!]
      const grant = { grant_type: 'authorization_code', code, code_verifier: pkce.verifier }
      const attempts: [Record<string, string>, string[]][] = [
        [grant, ['-u', `${id}:wrong-secret`]],
        [{ ...grant, client_id: id }, []], // a confidential client posing as public
        [{ ...grant, client_id: id, client_secret: secret }, []], // registered for basic, not post
        [grant, ['-u', 'no-such-client:x']],
        [grant, []], // nobody at all
      ]
      for (const [fields, credentials] of attempts) {
        const reply = await token(t, fields, credentials)
        expectOAuthError(reply, 401, 'invalid_client')
        assert(/^Basic /i.test(String(reply.headers['www-authenticate'])), 'no WWW-Authenticate: Basic challenge')
      }
      expectOAuthError(await token(t, { ...grant, client_secret: secret }, ['-u', `${id}:${secret}`]), 400, 'invalid_request')
    },
  ),
  check(
    'token-garbage',
    'garbage at /token (JSON, empty, repeated or oversized parameters, bad Basic) → 4xx, never 5xx',
    'RFC 6749 §5.2',
    async (t) => {
      const { client_id } = await (await t.oauth()).client('public')
      const refresh = form({ grant_type: 'refresh_token', refresh_token: 'x' })
      const garbage = [
        ['-H', 'Content-Type: application/json', '--data', JSON.stringify({ grant_type: 'authorization_code', client_id })],
        ['--data', ''],
        ['--data', `grant_type=refresh_token&refresh_token=a&refresh_token=b&client_id=${client_id}`],
        ['--data', `grant_type=authorization_code&client_id=${client_id}&code=${'a'.repeat(20_000)}`],
        ['--data', 'grant_type=%ZZ&client_id=%E0%A4%A'],
        ['-H', 'Authorization: Basic %%%', ...refresh],
        ['-H', `Authorization: Basic ${Buffer.from('no-colon').toString('base64')}`, ...refresh],
      ]
      for (const args of garbage) {
        const reply = await exchange($`curl -si ${t.url('/token')} ${args}`)
        assert(reply.status >= 400 && reply.status < 500, `got ${reply.status}: ${reply.text.slice(0, 200)}`)
        assert(typeof reply.json?.error === 'string', 'no JSON error body')
      }
    },
  ),

  // ---- refresh tokens
  check(
    'refresh-rotation',
    'refreshing rotates the refresh token; reusing one two rotations back → invalid_grant and the whole family dies',
    'OAuth 2.1 §4.3.1, RFC 9700 §4.14.2',
    async (t) => {
      const as = await t.oauth()
      const tokens = await as.tokens({ user: 'alice' })
      const first = await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
      expectStatus(first, 200)
      expectEqual(first.headers['cache-control'], 'no-store', 'Cache-Control')
      assert(
        typeof first.json.refresh_token === 'string' && first.json.refresh_token !== tokens.refresh_token,
        'the refresh token was not rotated',
      )
      rpcResult(await readWith(t, first.json.access_token))
      const second = await as.refresh({ client: tokens.client, refreshToken: first.json.refresh_token })
      expectStatus(second, 200)
      // The first token again, after its successor was used: no lost answer, a replay.
      expectOAuthError(await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! }), 400, 'invalid_grant')
      // The thief or the client: the server cannot tell, so every token of the grant is dead.
      expectOAuthError(await as.refresh({ client: tokens.client, refreshToken: second.json.refresh_token }), 400, 'invalid_grant')
      await expectDead(t, second.json.access_token)
      await expectDead(t, first.json.access_token)
    },
  ),
  check(
    'refresh-retry',
    'a refresh retried with the same token (its answer lost) → new tokens; the ones it replaces die, the family lives',
    'RFC 9700 §4.14.2, OAuth 2.1 §4.3.1',
    async (t) => {
      const as = await t.oauth()
      const tokens = await as.tokens({ user: 'alice' })
      const lost = await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
      expectStatus(lost, 200)
      const retry = await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
      expectStatus(retry, 200)
      assert(retry.json.refresh_token !== lost.json.refresh_token, 'the retry got the same refresh token again')
      // At most one successor is live: the answer the client never saw is dead.
      await expectDead(t, lost.json.access_token)
      rpcResult(await readWith(t, retry.json.access_token))
      const next = await as.refresh({ client: tokens.client, refreshToken: retry.json.refresh_token })
      expectStatus(next, 200)
      rpcResult(await readWith(t, next.json.access_token))
    },
  ),
  check(
    'refresh-replaced',
    'the refresh token a retry replaced, presented later → invalid_grant and the whole family dies',
    'RFC 9700 §4.14.2, OAuth 2.1 §4.3.1',
    async (t) => {
      const as = await t.oauth()
      const tokens = await as.tokens({ user: 'alice' })
      const first = await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
      const retry = await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
      expectStatus(retry, 200)
      // Both answers arrived somewhere: two parties hold the family (a thief raced the client).
      expectOAuthError(await as.refresh({ client: tokens.client, refreshToken: first.json.refresh_token }), 400, 'invalid_grant')
      expectOAuthError(await as.refresh({ client: tokens.client, refreshToken: retry.json.refresh_token }), 400, 'invalid_grant')
      await expectDead(t, retry.json.access_token)
    },
  ),
  check(
    'refresh-retry-late',
    'a retry after the reuse interval is reuse → invalid_grant, and the family dies (its own server, REFRESH_REUSE_INTERVAL_S=0)',
    'RFC 9700 §4.14.2, OAuth 2.1 §4.3.1',
    async (t) => {
      // No check waits on the clock: this server's interval is over as soon as a token has rotated.
      const dataDir = mkdtempSync(join(tmpdir(), 'lab5-reuse-interval-'))
      const server = await startProcess(
        'lab 5 (reuse interval 0)',
        fileURLToPath(new URL('./server.ts', import.meta.url)),
        await freePort(),
        {
          env: { DATA_DIR: dataDir, REFRESH_REUSE_INTERVAL_S: '0' },
        },
      )
      try {
        const there = new CheckContext(server.base)
        const as = await there.oauth()
        const tokens = await as.tokens({ user: 'alice' })
        const lost = await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
        expectStatus(lost, 200)
        expectOAuthError(await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! }), 400, 'invalid_grant')
        await expectDead(there, lost.json.access_token)
        expectOAuthError(await as.refresh({ client: tokens.client, refreshToken: lost.json.refresh_token }), 400, 'invalid_grant')
      } finally {
        await server.stop()
        rmSync(dataDir, { recursive: true, force: true })
      }
    },
  ),
  check('refresh-narrow', 'a refresh may narrow the scope for one access token; the grant keeps its scope', 'RFC 6749 §6', async (t) => {
    const as = await t.oauth()
    const tokens = await as.tokens({ user: 'alice', scope: 'notes:read notes:write' })
    const narrow = await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token!, scope: 'notes:read' })
    expectStatus(narrow, 200)
    expectEqual(narrow.json.scope, 'notes:read', 'the narrowed scope')
    const again = await as.refresh({ client: tokens.client, refreshToken: narrow.json.refresh_token, scope: 'notes:read notes:write' })
    expectStatus(again, 200)
    expectEqual(again.json.scope, 'notes:read notes:write', 'the scope of the next refresh')
  }),
  check('refresh-widen', 'a refresh asking for more scope than granted → invalid_scope', 'RFC 6749 §6, OAuth 2.1 §4.3.1', async (t) => {
    const as = await t.oauth()
    const tokens = await as.tokens({ user: 'alice', scope: 'notes:read' })
    for (const scope of ['notes:read notes:write', 'notes:admin']) {
      expectOAuthError(await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token!, scope }), 400, 'invalid_scope')
    }
  }),
  check(
    'refresh-other-client',
    'a refresh token presented by another client → invalid_grant',
    'RFC 6749 §6, OAuth 2.1 §4.3.1',
    async (t) => {
      const as = await t.oauth()
      const tokens = await as.tokens({ user: 'alice' })
      expectOAuthError(await as.refresh({ client: await secondClient(as), refreshToken: tokens.refresh_token! }), 400, 'invalid_grant')
    },
  ),
  check('refresh-resource', 'a refresh for another resource → invalid_target', 'RFC 8707 §2.2', async (t) => {
    const as = await t.oauth()
    const tokens = await as.tokens({ user: 'alice' })
    expectOAuthError(
      await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token!, resource: 'https://evil.example/mcp' }),
      400,
      'invalid_target',
    )
  }),

  // ---- dynamic client registration
  check(
    'register-public',
    'registering a public client → 201 with client_id, client_id_issued_at, no secret, the metadata echoed',
    'RFC 7591 §3.2.1',
    async (t) => {
      const client = await (await t.oauth()).registerClient({ client_name: 'Echo check' })
      assert(client.client_secret === undefined, 'a public client got a secret')
      assert(typeof client.client_id_issued_at === 'number', 'no client_id_issued_at')
      expectEqual(
        [client.client_name, client.redirect_uris, client.token_endpoint_auth_method],
        ['Echo check', [CALLBACK], 'none'],
        'the echoed metadata',
      )
    },
  ),
  check(
    'register-confidential',
    'without token_endpoint_auth_method → client_secret_basic, a secret that never expires, not cached',
    'RFC 7591 §2, §3.2.1',
    async (t) => {
      const reply = await register(t, { redirect_uris: [HTTPS_CALLBACK] })
      expectStatus(reply, 201)
      expectEqual(
        [reply.json.token_endpoint_auth_method, reply.json.client_secret_expires_at],
        ['client_secret_basic', 0],
        'auth method, secret expiry',
      )
      assert(typeof reply.json.client_secret === 'string' && reply.json.client_secret.length >= 32, 'no strong client_secret')
      expectEqual(reply.headers['cache-control'], 'no-store', 'Cache-Control')
    },
  ),
  badRegistration('javascript', 'a javascript: redirect URI', ['javascript:alert(document.domain)//']),
  badRegistration('data', 'a data: redirect URI', ['data:text/html,<script>alert(1)</script>']),
  badRegistration('fragment', 'a redirect URI with a fragment', ['https://client.example/cb#frag']),
  badRegistration('http', 'an http redirect URI off loopback', ['http://client.example/cb']),
  badRegistration('relative', 'a relative redirect URI', ['/cb']),
  badRegistration('fragment-empty', 'a redirect URI ending in an empty fragment (#)', ['https://client.example/cb#']),
  badRegistration('userinfo', 'a redirect URI with a user name', ['https://alice@client.example/cb']),
  check(
    'register-loopback-lookalike',
    'registering http on a host that only looks like loopback (127.0.0.1.evil.example, localhost in the path) → 400 invalid_redirect_uri',
    'OAuth 2.1 §8.4.2, RFC 8252 §8.3 (the host compared whole)',
    async (t) => {
      for (const uri of ['http://127.0.0.1.evil.example/cb', 'http://localhost.evil.example/cb', 'http://evil.example/127.0.0.1/cb']) {
        const body = { client_name: 'bad', redirect_uris: [uri], token_endpoint_auth_method: 'none' }
        expectOAuthError(await register(t, body), 400, 'invalid_redirect_uri')
      }
    },
  ),

  badRegistration('none', 'no redirect URIs', []),
  badRegistration('mixed', 'one good and one bad redirect URI', [HTTPS_CALLBACK, 'http://192.168.1.10/cb']),
  check(
    'register-bad-metadata',
    'an unsupported auth method, grant or response type → 400 invalid_client_metadata',
    'RFC 7591 §2, §3.2.2',
    async (t) => {
      for (const bad of [
        { token_endpoint_auth_method: 'private_key_jwt' },
        { grant_types: ['password'] },
        { grant_types: ['refresh_token'] },
        { response_types: ['token'] },
        { client_name: 42 },
      ]) {
        expectOAuthError(await register(t, { redirect_uris: [HTTPS_CALLBACK], ...bad }), 400, 'invalid_client_metadata')
      }
    },
  ),
  check('register-garbage', 'garbage at /register (bad JSON, an array, a form, 20 KB) → 4xx, never 5xx', 'RFC 7591 §3.2.2', async (t) => {
    const json = ['-H', 'Content-Type: application/json', '--data']
    for (const args of [
      [...json, '{"redirect_uris": ['],
      [...json, JSON.stringify([HTTPS_CALLBACK])],
      form({ redirect_uris: HTTPS_CALLBACK }),
      [...json, JSON.stringify({ redirect_uris: [HTTPS_CALLBACK], client_name: 'x'.repeat(20_000) })],
    ]) {
      const reply = await exchange($`curl -si ${t.url('/register')} ${args}`)
      assert(reply.status >= 400 && reply.status < 500, `got ${reply.status}: ${reply.text.slice(0, 200)}`)
    }
  }),

  // ---- revocation
  check(
    'revoke-refresh',
    'revoking a refresh token → 200, and the grant ends: its access token dies too',
    'RFC 7009 §2.1, §2.2',
    async (t) => {
      const as = await t.oauth()
      const tokens = await as.tokens({ user: 'alice' })
      const revoke = form({ token: tokens.refresh_token!, token_type_hint: 'refresh_token', client_id: tokens.client.client_id })
      expectStatus(await exchange($`curl -si ${t.url('/revoke')} ${revoke}`), 200)
      await expectDead(t, tokens.access_token)
      expectOAuthError(await as.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! }), 400, 'invalid_grant')
    },
  ),
  check('revoke-access', 'revoking an access token → 200, and /mcp refuses it at once', 'RFC 7009 §2.1', async (t) => {
    const as = await t.oauth()
    const tokens = await as.tokens({ user: 'alice' })
    rpcResult(await readWith(t, tokens.access_token))
    expectStatus(await as.revoke({ client: tokens.client, token: tokens.access_token }), 200)
    await expectDead(t, tokens.access_token)
  }),
  check('revoke-unknown', "revoking garbage or another client's token → 200, and that token lives on", 'RFC 7009 §2.2', async (t) => {
    const as = await t.oauth()
    const tokens = await as.tokens({ user: 'alice' })
    const other = await secondClient(as)
    for (const token of ['garbage', 'a.b.c', tokens.access_token]) expectStatus(await as.revoke({ client: other, token }), 200)
    rpcResult(await readWith(t, tokens.access_token))
  }),
  check('revoke-no-client', 'revocation without client authentication → 401 invalid_client', 'RFC 7009 §2.1', async (t) => {
    expectOAuthError(await exchange($`curl -si ${t.url('/revoke')} ${form({ token: 'anything' })}`), 401, 'invalid_client')
  }),

  // ---- introspection
  check(
    'introspect-no-auth',
    'introspection without caller authentication, or by a public client → 401 invalid_client',
    'RFC 7662 §2.1, §4',
    async (t) => {
      const as = await t.oauth()
      const tokens = await as.tokens({ user: 'alice' })
      const reply = await as.introspect({ token: tokens.access_token })
      expectOAuthError(reply, 401, 'invalid_client')
      assert(/^Basic /i.test(String(reply.headers['www-authenticate'])), 'no WWW-Authenticate: Basic challenge')
      expectOAuthError(await as.introspect({ client: tokens.client, token: tokens.access_token }), 401, 'invalid_client')
    },
  ),
  check(
    'introspect-active',
    'introspecting its own live tokens → active, with scope, client_id, sub, aud, iss, exp, iat, jti',
    'RFC 7662 §2.2',
    async (t) => {
      const as = await t.oauth()
      const client = await confidential(as)
      const tokens = await as.tokens({ user: 'carol', client, scope: 'notes:admin' })
      const access = await as.introspect({ client, token: tokens.access_token })
      expectStatus(access, 200)
      const { active, scope, client_id, sub, aud, iss, token_type } = access.json
      expectEqual(
        { active, scope, client_id, sub, aud, iss, token_type },
        { active: true, scope: 'notes:admin', client_id: client.client_id, sub: 'carol', aud: t.mcp, iss: t.base, token_type: 'Bearer' },
        'the introspection',
      )
      assert(
        ['exp', 'iat', 'jti'].every((claim) => access.json[claim] !== undefined),
        'exp, iat or jti missing',
      )
      expectEqual(access.headers['cache-control'], 'no-store', 'Cache-Control')
      const refresh = await as.introspect({ client, token: tokens.refresh_token! })
      expectEqual([refresh.json.active, refresh.json.token_type], [true, 'refresh_token'], "the refresh token's introspection")
    },
  ),
  check(
    'introspect-inactive',
    'garbage, a dev token this server never issued, a forged one, another client\'s → {"active": false}',
    'RFC 7662 §2.2',
    async (t) => {
      const as = await t.oauth()
      const client = await confidential(as)
      const othersToken = (await as.tokens({ user: 'alice' })).access_token
      const devToken = await t.token({ scope: 'notes:read' })
      const [head, , signature] = othersToken.split('.')
      const claims = Buffer.from(JSON.stringify({ ...decodeJwt(othersToken), client_id: client.client_id })).toString('base64url')
      const forged = `${head}.${claims}.${signature}`
      for (const token of ['garbage', devToken, forged, othersToken]) await expectInactive(as, client, token)
    },
  ),
  check(
    'dev-token-refused',
    'a dev token from `npm run token` (a jti this server never issued) → 401 invalid_token at /mcp',
    'RFC 7009 §2, RFC 9068 §4',
    async (t) => {
      await expectDead(t, await t.token({ scope: 'notes:read' }))
    },
  ),

  // ---- garbage at the HTML endpoints
  check(
    'pages-garbage',
    'garbage at /authorize and its forms (no params, JSON, unknown request, GET) → 4xx page, never 5xx or a redirect',
    'OAuth 2.1 §4.1.2.1',
    async (t) => {
      const [login, consent] = [t.url('/authorize/login'), t.url('/authorize/consent')]
      const garbage = [
        [t.url('/authorize')],
        [t.url('/authorize?client_id=a&client_id=b')],
        [t.url(`/authorize?client_id=${'%'.repeat(3)}`)],
        [login, '-H', 'Content-Type: application/json', '--data', JSON.stringify({ request_id: 'x', username: 'alice' })],
        [login, ...form({ request_id: 'no-such-request', csrf_token: 'x', username: 'alice', password: 'wonderland' })],
        [consent, ...form({ request_id: 'x'.repeat(5000), decision: 'approve' })],
      ]
      for (const [url, ...args] of garbage) {
        const reply = await exchange($`curl -si ${url} ${args}`)
        assert(reply.status >= 400 && reply.status < 500, `${url} answered ${reply.status}`)
        assert(reply.headers.location === undefined, `${url} redirected`)
      }
      expectStatus(await exchange($`curl -si ${consent}`), 405)
    },
  ),
]
