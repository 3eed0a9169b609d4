// Lab 7's checks need what a person and a browser do at an identity provider's pages: follow
// redirects, keep cookies, fill in the login and consent forms. This file is that tiny user agent,
// plus the client side of OAuth (discovery, registration, PKCE, code exchange, refresh, revocation).
//
// As a command, it prints an access token for the README's "Try it by hand":
//   npx tsx scripts/lib/idp-flow.ts http://127.0.0.1:9000/mcp alice wonderland "notes:read notes:write"
import { randomBytes } from 'node:crypto'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { authorizationRequestUrl, pkcePair } from './authorization-request.ts'
import { type Reply, type Req, send as httpSend } from './http.ts'
import { CookieJar, firstForm, pageText } from './user-agent.ts'

export type Send = (req: Req) => Promise<Reply>

export interface ServerMetadata {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  registration_endpoint: string
  revocation_endpoint: string
  introspection_endpoint: string
  jwks_uri: string
  [name: string]: unknown
}

export class FlowError extends Error {
  name = 'FlowError'
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new FlowError(message)
}

/** A user agent reduced to what OAuth pages need: cookies, redirects, forms. */
export class Browser {
  /** what it keeps: the cookies of every server it has been to */
  readonly jar = new CookieJar()

  constructor(private readonly send: Send = httpSend) {}

  /** One request, with this browser's cookies; the cookies it sets are kept. Redirects are not followed. */
  async request(req: Req): Promise<Reply> {
    const reply = await this.send({ ...req, headers: { ...req.headers, ...this.jar.header(req.url) } })
    this.jar.take(req.url, reply.headers['set-cookie'])
    return reply
  }

  /** GETs `url` and follows redirects until one leaves for `stopAt` (the client's redirect URI), or a page is shown. */
  async navigate(url: string, stopAt: string): Promise<{ reply: Reply; url: string; redirectedTo?: string }> {
    let current = url
    for (let hops = 0; hops < 10; hops++) {
      const reply = await this.request({ url: current })
      const location = reply.headers.location
      if (reply.status < 300 || reply.status >= 400 || location === undefined) return { reply, url: current }
      const next = new URL(location, current).href
      if (next.startsWith(stopAt)) return { reply, url: current, redirectedTo: next }
      current = next
    }
    throw new FlowError(`more than 10 redirects from ${url}`)
  }

  /** Submits the page's first form: its hidden fields, then `fields` (e.g. username, or decision=approve). */
  async submit(page: { reply: Reply; url: string }, fields: Record<string, string>, stopAt: string) {
    const form = firstForm(page.reply.text)
    check(form !== undefined, `no form on ${page.url} (HTTP ${page.reply.status})`)
    const action = new URL(form.action || page.url, page.url).href
    const reply = await this.request({ url: action, method: 'POST', form: { ...form.hidden, ...fields } })
    const location = reply.headers.location
    if (reply.status >= 300 && reply.status < 400 && location !== undefined) {
      const next = new URL(location, action).href
      return next.startsWith(stopAt) ? { reply, url: action, redirectedTo: next } : this.navigate(next, stopAt)
    }
    return { reply, url: action }
  }
}

/** From nothing but the MCP URL: 401 → RFC 9728 metadata → RFC 8414 metadata, issuer checked (RFC 8414 §3.3). */
export async function discover(
  mcpUrl: string,
  send: Send = httpSend,
): Promise<{ issuer: string; server: ServerMetadata; scopes: string[] }> {
  const bare = await send({
    url: mcpUrl,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: { jsonrpc: '2.0', id: 1, method: 'ping' },
  })
  const metadataUrl = bare.challenge?.params.resource_metadata
  check(bare.status === 401 && metadataUrl !== undefined, `expected a 401 with resource_metadata from ${mcpUrl}, got HTTP ${bare.status}`)
  const resource = (await send({ url: metadataUrl })).json
  const issuer = resource?.authorization_servers?.[0]
  check(typeof issuer === 'string', 'the resource metadata names no authorization server')
  const { origin, pathname } = new URL(issuer)
  const server = (await send({ url: `${origin}/.well-known/oauth-authorization-server${pathname.replace(/\/$/, '')}` }))
    .json as ServerMetadata
  check(server?.issuer === issuer, `the provider's metadata says issuer ${server?.issuer}, not ${issuer}`)
  return { issuer, server, scopes: resource.scopes_supported ?? [] }
}

/** RFC 7591: a public client (no secret: it could not keep one) that may refresh. */
export async function registerClient(
  server: ServerMetadata,
  redirectUri: string,
  send: Send = httpSend,
  name = 'workshop check client',
): Promise<string> {
  const reply = await send({
    url: server.registration_endpoint,
    body: {
      client_name: name,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
  })
  check(
    reply.status === 201 && typeof reply.json?.client_id === 'string',
    `registration answered HTTP ${reply.status}: ${reply.text.slice(0, 200)}`,
  )
  return reply.json.client_id
}

export interface AuthorizeOptions {
  server: ServerMetadata
  clientId: string
  redirectUri: string
  resource: string
  scope: string
  username: string
  password: string
  browser?: Browser
  /** extra or replaced authorization request parameters (undefined removes one) */
  params?: Record<string, string | undefined>
}

export interface Authorized {
  code: string
  verifier: string
  /** the pages the browser went through, for checks that look at them */
  loginPage?: Reply
  consentPage?: Reply
}

/** The front channel, as a browser does it: authorize → login form → consent form → back to the client. */
export async function authorize(options: AuthorizeOptions): Promise<Authorized> {
  const browser = options.browser ?? new Browser()
  const { verifier, challenge } = pkcePair()
  const state = randomBytes(16).toString('base64url')
  const { clientId, redirectUri, scope, resource } = options
  const url = authorizationRequestUrl(
    options.server.authorization_endpoint,
    { clientId, redirectUri, scope, state, challenge, resource },
    options.params,
  )

  let step = await browser.navigate(url, options.redirectUri)
  let loginPage: Reply | undefined
  let consentPage: Reply | undefined
  for (let pages = 0; step.redirectedTo === undefined; pages++) {
    check(
      pages < 4 && step.reply.status === 200,
      `the provider showed HTTP ${step.reply.status} at ${step.url}: ${pageText(step.reply.text)}`,
    )
    if (/name="password"/.test(step.reply.text)) {
      loginPage = step.reply
      step = await browser.submit(step, { username: options.username, password: options.password }, options.redirectUri)
    } else if (/name="decision"/.test(step.reply.text)) {
      consentPage = step.reply
      step = await browser.submit(step, { decision: 'approve' }, options.redirectUri)
    } else {
      throw new FlowError(`a page with neither a login nor a consent form at ${step.url}`)
    }
  }
  const back = new URL(step.redirectedTo)
  check(back.searchParams.get('state') === state, 'the state came back changed: not our request (RFC 6749 §10.12)')
  check(
    back.searchParams.get('iss') === options.server.issuer,
    `iss is ${back.searchParams.get('iss')}, not ${options.server.issuer} (RFC 9207 §2.4: mix-up)`,
  )
  const error = back.searchParams.get('error')
  check(error === null, `the provider answered error=${error}: ${back.searchParams.get('error_description') ?? ''}`)
  const code = back.searchParams.get('code')
  check(code !== null, 'the redirect carries no code')
  return { code, verifier, loginPage, consentPage }
}

/** The back channel: the code and its verifier for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5, RFC 8707 §2.2). */
export function exchangeCode(
  options: { server: ServerMetadata; clientId: string; redirectUri: string; resource: string; code: string; verifier: string },
  send: Send = httpSend,
): Promise<Reply> {
  return send({
    url: options.server.token_endpoint,
    form: {
      grant_type: 'authorization_code',
      code: options.code,
      code_verifier: options.verifier,
      redirect_uri: options.redirectUri,
      client_id: options.clientId,
      resource: options.resource,
    },
  })
}

export function refresh(server: ServerMetadata, clientId: string, refreshToken: string, send: Send = httpSend): Promise<Reply> {
  return send({ url: server.token_endpoint, form: { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId } })
}

export function revoke(
  server: ServerMetadata,
  clientId: string,
  token: string,
  hint: 'access_token' | 'refresh_token',
  send: Send = httpSend,
): Promise<Reply> {
  return send({ url: server.revocation_endpoint, form: { token, token_type_hint: hint, client_id: clientId } })
}

export interface Tokens {
  access_token: string
  refresh_token?: string
  scope?: string
  token_type: string
  expires_in: number
}

export interface Session {
  issuer: string
  server: ServerMetadata
  clientId: string
  redirectUri: string
  tokens: Tokens
  authorized: Authorized
  tokenReply: Reply
}

/** The whole walk for one user: discover, register, authorize in a fresh browser, exchange the code. */
export async function signIn(options: {
  mcpUrl: string
  username: string
  password: string
  scope: string
  resource?: string
  send?: Send
  browser?: Browser
}): Promise<Session> {
  const send = options.send ?? httpSend
  const { issuer, server } = await discover(options.mcpUrl, send)
  const redirectUri = 'http://127.0.0.1:9/callback' // a loopback client's redirect (RFC 8252 §7.3); the flow stops before it
  const clientId = await registerClient(server, redirectUri, send)
  const resource = options.resource ?? options.mcpUrl
  const authorized = await authorize({
    server,
    clientId,
    redirectUri,
    resource,
    scope: options.scope,
    username: options.username,
    password: options.password,
    browser: options.browser ?? new Browser(send),
  })
  const tokenReply = await exchangeCode(
    { server, clientId, redirectUri, resource, code: authorized.code, verifier: authorized.verifier },
    send,
  )
  check(
    tokenReply.status === 200 && typeof tokenReply.json?.access_token === 'string',
    `the token endpoint answered HTTP ${tokenReply.status}: ${tokenReply.text.slice(0, 200)}`,
  )
  return { issuer, server, clientId, redirectUri, tokens: tokenReply.json as Tokens, authorized, tokenReply }
}

// As a command: print an access token (stdout only, so `export TOKEN=$(…)` works).
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === fileURLToPath(pathToFileURL(process.argv[1]))) {
  const [mcpUrl, username = 'alice', password = 'wonderland', scope = 'notes:read notes:write'] = process.argv.slice(2)
  if (mcpUrl === undefined) {
    console.error('usage: npx tsx scripts/lib/idp-flow.ts <mcp-url> [username] [password] [scope]')
    process.exit(2)
  }
  try {
    const session = await signIn({ mcpUrl, username, password, scope })
    process.stdout.write(`${session.tokens.access_token}\n`)
  } catch (error) {
    console.error(`could not get a token: ${(error as Error).message}`)
    process.exit(1)
  }
}
