// A client's handle on an authorization server, built from its RFC 8414 metadata alone, so the same
// code drives lab 5's hand-written server and lab 7's oidc-provider: register clients, walk the front
// channel as a browser does (cookies, redirects, forms), call the back channel. The checks drive it with
// real curl commands, lab 8's attacks and the tests with node:http: whichever `send` it is given.
import { randomBytes } from 'node:crypto'
import { type PkcePair, authorizationRequestUrl, pkcePair } from './authorization-request.ts'
import { DEMO_USERS, passwordOf } from './demo-users.ts'
import { type ServerMetadata, discover, issuerMetadata } from './discovery.ts'
import { type Reply, type Send, send as httpSend } from './http.ts'
import { Browser, type Page, formOf, locationOf, pageText } from './user-agent.ts'

export { type Page, formOf, locationOf } from './user-agent.ts'

/** Where the workshop's clients say they listen. Nothing does: the code is read from the Location header. */
export const CALLBACK = 'http://127.0.0.1:8976/callback'

export interface RegisteredClient {
  client_id: string
  client_secret?: string
  token_endpoint_auth_method: string
  redirect_uris: string[]
  [member: string]: unknown
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

/** An authorization in progress: what the client remembers, and the browser with its cookies. */
export interface Attempt extends Page {
  client: RegisteredClient
  pkce: PkcePair
  state: string
  redirectUri: string
  browser: Browser
}

export interface StartOptions {
  client?: RegisteredClient
  scope?: string
  pkce?: PkcePair
  /** the client's state (OAuth 2.1 §4.1.1); a fresh random one by default */
  state?: string
  redirectUri?: string
  /** parameters to add or replace; undefined removes one */
  params?: Record<string, string | undefined>
}

export interface Tokens {
  access_token: string
  refresh_token?: string
  scope?: string
  client: RegisteredClient
}

export class AuthorizationServer {
  private clients = new Map<string, Promise<RegisteredClient>>()
  /** every code, token and client secret this server handed out: none may ever appear in its log */
  readonly secrets = new Set<string>(DEMO_USERS.map((u) => u.password))

  /** `metadata`: the server's RFC 8414 document; `resource`: the MCP server tokens are asked for (RFC 8707). */
  constructor(
    readonly metadata: ServerMetadata,
    readonly resource: string,
    private readonly send: Send = httpSend,
  ) {}

  get origin(): string {
    return new URL(this.metadata.authorization_endpoint).origin
  }

  /** RFC 7591 registration, as sent. */
  async register(body: Record<string, unknown>): Promise<Reply> {
    if (!this.metadata.registration_endpoint) throw new Error(`${this.metadata.issuer} advertises no registration_endpoint (RFC 7591)`)
    return this.keep(await this.send({ url: this.metadata.registration_endpoint, body }))
  }

  /** Remembers the secrets in a reply (client_secret, access and refresh tokens). */
  private keep(reply: Reply): Reply {
    for (const name of ['client_secret', 'access_token', 'refresh_token', 'id_token']) {
      if (typeof reply.json?.[name] === 'string') this.secrets.add(reply.json[name])
    }
    return reply
  }

  /** A new client (RFC 7591): public, the loopback redirect, refresh allowed, unless `metadata` says otherwise. */
  async registerClient(metadata: Record<string, unknown> = {}): Promise<RegisteredClient> {
    const reply = await this.register({
      client_name: 'Workshop client',
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      ...metadata,
    })
    if (reply.status !== 201 || typeof reply.json?.client_id !== 'string')
      throw new Error(`registration answered ${reply.status}: ${reply.text.slice(0, 200)}`)
    return reply.json as RegisteredClient
  }

  /** A client registered once under `name` and reused (registration is rate-limited); `metadata` applies on first use. */
  client(name: string, metadata: Record<string, unknown> = {}): Promise<RegisteredClient> {
    let client = this.clients.get(name)
    if (client === undefined) {
      client = this.registerClient({ client_name: name, ...metadata })
      client.catch(() => this.clients.delete(name))
      this.clients.set(name, client)
    }
    return client
  }

  /** The authorization request URL an MCP client builds (OAuth 2.1 §4.1.1): PKCE, state, resource. */
  authorizationUrl(options: StartOptions & { client: RegisteredClient; pkce: PkcePair; state: string; redirectUri: string }): string {
    const { client, redirectUri, scope, state, pkce } = options
    return authorizationRequestUrl(
      this.metadata.authorization_endpoint,
      { clientId: client.client_id, redirectUri, scope, state, challenge: pkce.challenge, resource: this.resource },
      options.params,
    )
  }

  /** Opens the authorization URL in a fresh browser: the sign-in page, an error page, or a redirect out. */
  async start(options: StartOptions = {}): Promise<Attempt> {
    const client = options.client ?? (await this.client('public'))
    const pkce = options.pkce ?? pkcePair()
    const state = options.state ?? randomBytes(8).toString('hex')
    const redirectUri = options.redirectUri ?? client.redirect_uris[0]
    const browser = this.browser()
    const page = await this.open(browser, this.authorizationUrl({ ...options, client, pkce, state, redirectUri }))
    return { ...page, client, pkce, state, redirectUri, browser }
  }

  /** A fresh browser that sends the way this client does. */
  browser(): Browser {
    return new Browser(this.send)
  }

  /** GETs `url` and follows redirects while they stay on this server; stops at a page or a redirect away. */
  async open(browser: Browser, url: string): Promise<Page> {
    return this.follow(browser, { reply: await browser.request({ url }), url })
  }

  async follow(browser: Browser, page: Page): Promise<Page> {
    for (let hops = 0; hops < 10; hops++) {
      const next = locationOf(page)
      if (next === undefined || next.origin !== this.origin) return page
      page = { reply: await browser.request({ url: next.href }), url: next.href }
    }
    throw new Error('more than 10 redirects inside the authorization server')
  }

  /** Posts `page`'s form with `fields` added; `drop` leaves hidden fields out, `browser` posts from another one. */
  async submit(
    attempt: Attempt,
    page: Page,
    fields: Record<string, string>,
    options: { drop?: (name: string) => boolean; browser?: Browser; action?: string } = {},
  ): Promise<Page> {
    const form = formOf(page)
    if (form === undefined) throw new Error(`no form on the page (HTTP ${page.reply.status})`)
    const hidden = Object.fromEntries(Object.entries(form.hidden).filter(([name]) => !options.drop?.(name)))
    const browser = options.browser ?? attempt.browser
    const url = options.action ?? form.action
    return this.follow(browser, { reply: await browser.request({ url, method: 'POST', form: { ...hidden, ...fields } }), url })
  }

  /** Fills in the sign-in form: the next page is the consent page on success. */
  signIn(attempt: Attempt, user: string, password = passwordOf(user)): Promise<Page> {
    return this.submit(attempt, attempt, { username: user, password })
  }

  /** Presses Allow (or Deny) on the consent page: the browser is sent back to the client. */
  decide(attempt: Attempt, consentPage: Page, decision: 'approve' | 'deny', extra: Record<string, string> = {}): Promise<Page> {
    return this.submit(attempt, consentPage, { decision, ...extra })
  }

  /** Signs in as `user` and presses Allow; where the browser is sent, if anywhere. */
  async approve(attempt: Attempt, user = 'alice'): Promise<{ page: Page; location?: URL }> {
    if (attempt.reply.status !== 200 || formOf(attempt) === undefined) return { page: attempt }
    const consentPage = await this.signIn(attempt, user)
    if (consentPage.reply.status !== 200 || !/name="decision"/.test(consentPage.reply.text)) return { page: consentPage }
    const page = await this.decide(attempt, consentPage, 'approve')
    return { page, location: locationOf(page) }
  }

  /** The honest front channel: a code for the client, or an error saying where it stopped. */
  async authorize(options: StartOptions & { user?: string } = {}): Promise<Attempt & { code: string }> {
    const attempt = await this.start(options)
    const { page, location } = await this.approve(attempt, options.user)
    const code = location?.searchParams.get('code')
    if (code) this.secrets.add(code)
    if (!code)
      throw new Error(`no code: the authorization ended with HTTP ${page.reply.status} ${location?.href ?? pageText(page.reply.text, 150)}`)
    return { ...attempt, code }
  }

  /** POST to a back-channel endpoint, authenticated the way the client registered (RFC 6749 §2.3). */
  private back(url: string, client: RegisteredClient | undefined, form: Record<string, string | undefined>): Promise<Reply> {
    const credentials = client ? clientCredentials(client) : { headers: {}, form: {} }
    const fields = Object.fromEntries(
      Object.entries({ ...form, ...credentials.form }).filter((e): e is [string, string] => e[1] !== undefined),
    )
    return this.send({ url, headers: credentials.headers, form: fields }).then((reply) => this.keep(reply))
  }

  exchange(options: {
    client: RegisteredClient
    code: string
    verifier?: string
    redirectUri?: string
    resource?: string
  }): Promise<Reply> {
    return this.back(this.metadata.token_endpoint, options.client, {
      grant_type: 'authorization_code',
      code: options.code,
      code_verifier: options.verifier,
      redirect_uri: options.redirectUri,
      resource: options.resource,
    })
  }

  refresh(options: { client: RegisteredClient; refreshToken: string; scope?: string; resource?: string }): Promise<Reply> {
    return this.back(this.metadata.token_endpoint, options.client, {
      grant_type: 'refresh_token',
      refresh_token: options.refreshToken,
      scope: options.scope,
      resource: options.resource,
    })
  }

  revoke(options: { client: RegisteredClient; token: string }): Promise<Reply> {
    return this.back(this.metadata.revocation_endpoint, options.client, { token: options.token })
  }

  introspect(options: { client?: RegisteredClient; token: string }): Promise<Reply> {
    return this.back(this.metadata.introspection_endpoint, options.client, { token: options.token })
  }

  /** Code flow end to end as `user`: the tokens a real client would hold. */
  async tokens(options: StartOptions & { user?: string } = {}): Promise<Tokens> {
    const { code, client, pkce, redirectUri } = await this.authorize(options)
    const reply = await this.exchange({ client, code, verifier: pkce.verifier, redirectUri, resource: this.resource })
    if (reply.status !== 200 || typeof reply.json?.access_token !== 'string')
      throw new Error(`the token endpoint answered ${reply.status}: ${reply.text.slice(0, 200)}`)
    return { ...reply.json, client }
  }
}

/** The authorization server whose issuer is `issuer`, from its metadata; tokens are asked for `resource`. */
export async function authorizationServerAt(issuer: string, resource: string, send: Send = httpSend): Promise<AuthorizationServer> {
  const metadata = await issuerMetadata(issuer, send)
  if (metadata === undefined) throw new Error(`${issuer} serves no authorization server metadata`)
  return new AuthorizationServer(metadata, resource, send)
}

/**
 * The whole walk for one demo user, from nothing but the MCP URL: discover, register, sign in and
 * approve in a fresh browser, redeem the code. What `npm run sign-in` prints, and what the bench uses.
 */
export async function signIn(
  mcpUrl: string,
  options: { user?: string; scope?: string; send?: Send } = {},
): Promise<Tokens & { server: AuthorizationServer }> {
  const { metadata, resource } = await discover(mcpUrl, options.send)
  const server = new AuthorizationServer(metadata, resource, options.send)
  return { ...(await server.tokens({ user: options.user ?? 'alice', scope: options.scope })), server }
}
