// The authorization code flow, driven the way a browser and a client drive it, with no back doors:
// register, open /authorize, fill in the sign-in form, approve on the consent page, read the
// code from the redirect's Location (nothing needs to listen at the loopback redirect URI),
// then redeem it at /token with the PKCE verifier. Checks and tests build on these steps.
import { randomBytes } from 'node:crypto'
import { type PkcePair, authorizationRequestUrl, pkcePair } from './authorization-request.ts'
import { passwordOf } from './demo-users.ts'
import { type CheckContext, assert, expectEqual, expectStatus } from './checks.ts'
import type { Reply } from './http.ts'
import { CookieJar, type HtmlForm, pageText, parseForms } from './user-agent.ts'

/** Where the checks' clients say they listen. Nothing does: the code is read from the Location header. */
export const CALLBACK = 'http://127.0.0.1:8976/callback'

// ---- clients

export interface RegisteredClient {
  client_id: string
  client_secret?: string
  token_endpoint_auth_method: string
  redirect_uris: string[]
  [member: string]: unknown
}

/** POST /register (RFC 7591) with sensible defaults: a public client with the loopback callback. */
export async function registerClient(t: CheckContext, metadata: Record<string, unknown> = {}): Promise<RegisteredClient> {
  const reply = await t.send({
    url: '/register',
    body: {
      client_name: 'Workshop checks',
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    },
  })
  expectStatus(reply, 201)
  assert(typeof reply.json?.client_id === 'string', 'the registration response has no client_id')
  return reply.json as RegisteredClient
}

const sharedClients = new Map<string, Promise<RegisteredClient>>()

/**
 * A client registered once per server under `name` and reused, so that many checks do not
 * register many clients (registration is rate-limited). `metadata` applies on first use.
 */
export function sharedClient(t: CheckContext, name: string, metadata: Record<string, unknown> = {}): Promise<RegisteredClient> {
  const key = `${t.base} ${name}`
  let client = sharedClients.get(key)
  if (client === undefined) {
    client = registerClient(t, { client_name: `Workshop checks (${name})`, ...metadata })
    client.catch(() => sharedClients.delete(key))
    sharedClients.set(key, client)
  }
  return client
}

/** The public client (token_endpoint_auth_method "none") the flow uses unless told otherwise. */
export function defaultClient(t: CheckContext): Promise<RegisteredClient> {
  return sharedClient(t, 'public')
}

/** How a client authenticates at /token, /revoke and /introspect, by its registered method (RFC 6749 §2.3). */
export function clientCredentials(client: RegisteredClient): { headers: Record<string, string>; form: Record<string, string> } {
  switch (client.token_endpoint_auth_method) {
    case 'client_secret_basic': {
      // RFC 6749 §2.3.1: each part form-urlencoded before base64
      const encode = (s: string) => encodeURIComponent(s).replace(/%20/g, '+')
      const basic = Buffer.from(`${encode(client.client_id)}:${encode(client.client_secret ?? '')}`).toString('base64')
      return { headers: { Authorization: `Basic ${basic}` }, form: {} }
    }
    case 'client_secret_post':
      return { headers: {}, form: { client_id: client.client_id, client_secret: client.client_secret ?? '' } }
    default:
      return { headers: {}, form: { client_id: client.client_id } }
  }
}

// ---- what a browser reads

/** The one form of a page, failing with the page's text when there is none. */
export function onlyForm(reply: Reply): HtmlForm {
  const forms = parseForms(reply.text)
  assert(forms.length === 1, `expected one form on the page, found ${forms.length}: ${pageText(reply.text)}`)
  return forms[0]
}

// ---- the front channel: /authorize, sign-in, consent, redirect

export interface AuthorizeOptions {
  client?: RegisteredClient
  scope?: string
  pkce?: PkcePair
  state?: string
  redirectUri?: string
  /** parameters to add or replace; undefined removes one (e.g. { resource: undefined }) */
  params?: Record<string, string | undefined>
}

/** An authorization in progress: the browser's cookies and what the client must remember. */
export interface Attempt {
  client: RegisteredClient
  pkce: PkcePair
  state: string
  redirectUri: string
  jar: CookieJar
  /** the answer to GET /authorize: the sign-in page, an error page, or a redirect */
  reply: Reply
}

/** The authorization request URL (OAuth 2.1 §4.1.1) with PKCE, state and resource, as an MCP client builds it. */
export function authorizationUrl(
  t: CheckContext,
  options: Required<Pick<AuthorizeOptions, 'pkce' | 'state' | 'redirectUri'>> & AuthorizeOptions & { client: RegisteredClient },
): string {
  const { client, redirectUri, scope, state, pkce } = options
  return authorizationRequestUrl(
    '/authorize',
    { clientId: client.client_id, redirectUri, scope, state, challenge: pkce.challenge, resource: t.mcpUrl },
    options.params,
  )
}

/** GET /authorize as a browser would. */
export async function startAuthorization(t: CheckContext, options: AuthorizeOptions = {}): Promise<Attempt> {
  const client = options.client ?? (await defaultClient(t))
  const attempt = {
    client,
    pkce: options.pkce ?? pkcePair(),
    state: options.state ?? randomBytes(8).toString('hex'),
    redirectUri: options.redirectUri ?? client.redirect_uris[0],
    jar: new CookieJar(),
  }
  const url = t.url(authorizationUrl(t, { ...options, ...attempt }))
  const reply = await t.send({ url })
  attempt.jar.take(url, reply.headers['set-cookie'])
  return { ...attempt, reply }
}

/** Submits a page's form with some fields filled in, carrying the browser's cookies. */
export async function submitForm(t: CheckContext, attempt: Attempt, form: HtmlForm, values: Record<string, string>): Promise<Reply> {
  assert(form.method === 'post', `the form's method is ${form.method}, not post`)
  const url = t.url(form.action)
  const reply = await t.send({ url, headers: attempt.jar.header(url), form: { ...form.fields, ...values } })
  attempt.jar.take(url, reply.headers['set-cookie'])
  return reply
}

/** Fills in the sign-in form. Returns the next page (the consent page on success). */
export async function signIn(t: CheckContext, attempt: Attempt, user: string, password = passwordOf(user)): Promise<Reply> {
  expectStatus(attempt.reply, 200)
  return submitForm(t, attempt, onlyForm(attempt.reply), { username: user, password })
}

/** Presses Allow or Deny on the consent page. Returns the redirect. */
export function decide(t: CheckContext, attempt: Attempt, consentPage: Reply, decision: 'approve' | 'deny'): Promise<Reply> {
  expectStatus(consentPage, 200)
  const form = onlyForm(consentPage)
  assert(
    form.buttons.some((b) => b.name === 'decision' && b.value === decision),
    `the consent page has no ${decision} button`,
  )
  return submitForm(t, attempt, form, { decision })
}

export interface AuthorizationResponse {
  /** the redirect target without its query */
  target: string
  params: Record<string, string>
}

/** Reads a redirect to the client (302 or 303) without following it: nothing listens there. */
export function readRedirect(reply: Reply): AuthorizationResponse {
  expectStatus(reply, 302, 303)
  const location = reply.headers.location
  assert(typeof location === 'string', 'the redirect has no Location header')
  const url = new URL(location)
  return { target: `${url.origin}${url.pathname}`, params: Object.fromEntries(url.searchParams) }
}

export interface Authorized extends Attempt {
  code: string
}

/** The whole front channel: GET /authorize → sign in → approve → a code for the client, with state and iss checked. */
export async function authorizeAs(t: CheckContext, options: AuthorizeOptions & { user: string; password?: string }): Promise<Authorized> {
  const attempt = await startAuthorization(t, options)
  const consentPage = await signIn(t, attempt, options.user, options.password)
  const { target, params } = readRedirect(await decide(t, attempt, consentPage, 'approve'))
  expectEqual(target, new URL(attempt.redirectUri).origin + new URL(attempt.redirectUri).pathname, 'the redirect target')
  assert(params.error === undefined, `the authorization failed: ${params.error} ${params.error_description ?? ''}`)
  expectEqual(params.state, attempt.state, 'state in the authorization response (OAuth 2.1 §4.1.2)')
  expectEqual(params.iss, t.base, 'iss in the authorization response (RFC 9207 §2)')
  assert(typeof params.code === 'string' && params.code.length > 0, 'the authorization response has no code')
  return { ...attempt, code: params.code }
}

// ---- the back channel: /token, /revoke, /introspect

function compact(record: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, string] => e[1] !== undefined))
}

/** POST /token with grant_type=authorization_code. Fields set to undefined are left out. */
export function exchangeCode(
  t: CheckContext,
  options: {
    client: RegisteredClient
    code: string
    verifier?: string
    redirectUri?: string
    resource?: string
    extra?: Record<string, string | undefined>
  },
): Promise<Reply> {
  const credentials = clientCredentials(options.client)
  return t.send({
    url: '/token',
    headers: credentials.headers,
    form: compact({
      grant_type: 'authorization_code',
      code: options.code,
      code_verifier: options.verifier,
      redirect_uri: options.redirectUri,
      resource: options.resource,
      ...credentials.form,
      ...options.extra,
    }),
  })
}

export interface Tokens {
  access_token: string
  refresh_token?: string
  scope: string
  expires_in: number
  token_type: string
  client: RegisteredClient
}

/** Authorization code flow end to end, as `user`: the tokens a real client would hold. */
export async function obtainTokens(t: CheckContext, options: AuthorizeOptions & { user: string; password?: string }): Promise<Tokens> {
  const authorized = await authorizeAs(t, options)
  const reply = await exchangeCode(t, {
    client: authorized.client,
    code: authorized.code,
    verifier: authorized.pkce.verifier,
    redirectUri: authorized.redirectUri,
    resource: t.mcpUrl,
  })
  expectStatus(reply, 200)
  assert(typeof reply.json?.access_token === 'string', 'the token response has no access_token')
  return { ...reply.json, client: authorized.client } as Tokens
}

export function refreshTokens(
  t: CheckContext,
  options: { client: RegisteredClient; refreshToken: string; scope?: string; resource?: string },
): Promise<Reply> {
  const credentials = clientCredentials(options.client)
  return t.send({
    url: '/token',
    headers: credentials.headers,
    form: compact({
      grant_type: 'refresh_token',
      refresh_token: options.refreshToken,
      scope: options.scope,
      resource: options.resource,
      ...credentials.form,
    }),
  })
}

export function introspectToken(t: CheckContext, options: { client?: RegisteredClient; token: string }): Promise<Reply> {
  const credentials = options.client ? clientCredentials(options.client) : { headers: {}, form: {} }
  return t.send({ url: '/introspect', headers: credentials.headers, form: { token: options.token, ...credentials.form } })
}

export function revokeToken(t: CheckContext, options: { client: RegisteredClient; token: string; hint?: string }): Promise<Reply> {
  const credentials = clientCredentials(options.client)
  return t.send({
    url: '/revoke',
    headers: credentials.headers,
    form: compact({ token: options.token, token_type_hint: options.hint, ...credentials.form }),
  })
}
