// The attacker's toolkit. Before attacking, the battery sizes the target up the way any client
// would: a bare call to /mcp, the challenge, the metadata it points to, the issuer's keys. Then it
// gets tokens honestly (a dev token where the lab takes them, a user's consent where there is an
// authorization server), because a forged token is only a fair test if everything but the one
// forged detail is genuine: the real issuer, the real audience, a live token id.
import { createPrivateKey, type KeyObject, randomUUID } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type JWK, type JWTPayload, SignJWT, decodeJwt } from 'jose'
import { rawRequest } from '@workshop/kit/attack-kit'
import { type ServerMetadata, issuerMetadata } from '@workshop/kit/discovery'
import { type Reply, type Req, mcpHeaders, rpc, send } from '@workshop/kit/http'
import { readDevKey } from '@workshop/kit/keys'
import { ROOT } from '@workshop/kit/paths'
import { type MintOptions, mintAccessToken } from '@workshop/kit/tokens'
import { pageText } from '@workshop/kit/user-agent'
import { type Outcome, blocked, gotThrough, notApplicable } from './attacks/types.ts'
import { AuthorizationServer } from '@workshop/kit/oauth-client'

export interface Target {
  base: string // http://127.0.0.1:PORT
  mcpUrl: string
  /** a bare call to /mcp was refused with 401: the server wants a token */
  needsToken: boolean
  /** the canonical resource: the protected-resource metadata's `resource`, else the MCP URL */
  resource: string
  /** the first authorization server the metadata names, else the server itself (labs 2–4 are their own issuer) */
  issuer: string
  resourceMetadata?: Record<string, any>
  issuerMetadata?: Record<string, any>
  /** the keys the issuer publishes (its jwks_uri) */
  jwks: JWK[]
  /** the issuer publishes the workshop's dev key (keys/), as labs 2–6 do */
  devKeyTrusted: boolean
  /** how the battery gets genuine tokens */
  tokens: 'not needed' | 'dev key' | 'authorization server' | 'unavailable'
}

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })
const isLoopback = (url: unknown) => typeof url === 'string' && ['127.0.0.1', 'localhost', '[::1]'].includes(URL.parse(url)?.hostname ?? '')

/** GET a JSON document, or undefined. Only loopback URLs: the battery never leaves this machine. */
async function fetchJson(url: string | undefined): Promise<Record<string, any> | undefined> {
  if (url === undefined || !isLoopback(url)) return undefined
  const reply = await send({ url })
  return reply.status === 200 && typeof reply.json === 'object' && reply.json !== null ? reply.json : undefined
}

/** The issuer's RFC 8414 (or OpenID) metadata, if it serves any on this machine. */
async function metadataOf(issuer: string): Promise<Record<string, any> | undefined> {
  if (!isLoopback(issuer)) return undefined
  return issuerMetadata(issuer).catch(() => undefined)
}

/** An authorization server the battery can drive: it names the endpoints a client needs, all on this machine. */
function drivable(metadata: Record<string, any> | undefined): boolean {
  return ['authorization_endpoint', 'token_endpoint', 'registration_endpoint'].every((name) => isLoopback(metadata?.[name]))
}

/** What the target says about itself: nothing here depends on which lab it is. */
export async function discoverTarget(base: string): Promise<Target> {
  base = base.replace(/\/$/, '')
  const mcpUrl = `${base}/mcp`
  const bare = await send({ url: mcpUrl, headers: mcpHeaders(), body: readNotes })
  const needsToken = bare.status === 401
  const resourceMetadata = await fetchJson(bare.challenge?.params.resource_metadata)
  const resource = typeof resourceMetadata?.resource === 'string' ? resourceMetadata.resource : mcpUrl
  const issuer = typeof resourceMetadata?.authorization_servers?.[0] === 'string' ? resourceMetadata.authorization_servers[0] : base
  const issuerMetadata = await metadataOf(issuer)
  const jwks: JWK[] = (await fetchJson(issuerMetadata?.jwks_uri ?? `${issuer}/.well-known/jwks.json`))?.keys ?? []
  const { kid } = await readDevKey()
  const devKeyTrusted = jwks.some((key) => key.kid === kid)
  const tokens = !needsToken ? 'not needed' : drivable(issuerMetadata) ? 'authorization server' : devKeyTrusted ? 'dev key' : 'unavailable'
  return { base, mcpUrl, needsToken, resource, issuer, resourceMetadata, issuerMetadata, jwks, devKeyTrusted, tokens }
}

/** One line on what was found, for the battery's header. */
export function describeTarget(target: Target): string {
  if (!target.needsToken) return 'no token needed: a bare call to /mcp runs the tool'
  const where = target.resourceMetadata
    ? `issuer ${target.issuer} (from its resource metadata)`
    : `no resource metadata; assuming it is its own issuer, ${target.issuer}`
  const how = {
    'dev key': "the issuer publishes the workshop's dev key: tokens minted with keys/",
    'authorization server': 'tokens from the authorization server, after a demo user signs in and consents',
    unavailable: 'no way to get a genuine token: token attacks are n/a',
    'not needed': '',
  }[target.tokens]
  return `bearer tokens; ${where}; ${how}`
}

/**
 * The private key behind a kid the issuer publishes, if it is on this machine: the workshop's dev key
 * (labs 2–6), or a key an identity provider keeps in the data folder (lab 7's *-secrets.json). With it
 * the battery signs "as the issuer": tokens the issuer could really have issued, wrong in one detail.
 */
async function issuerKey(target: Target): Promise<{ key: KeyObject; kid: string } | undefined> {
  const published = new Set(target.jwks.map((key) => key.kid))
  const dev = await readDevKey()
  if (published.has(dev.kid)) return { key: dev.privateKey, kid: dev.kid }
  const dataDir = process.env.DATA_DIR ?? join(ROOT, 'data')
  if (!existsSync(dataDir)) return undefined
  for (const file of readdirSync(dataDir).filter((name) => name.endsWith('-secrets.json'))) {
    try {
      const keys: { jwk: JWK }[] = JSON.parse(readFileSync(join(dataDir, file), 'utf8')).signingKeys ?? []
      const found = keys.find(({ jwk }) => jwk.kid !== undefined && published.has(jwk.kid) && jwk.d !== undefined)
      if (found) return { key: createPrivateKey({ key: found.jwk as never, format: 'jwk' }), kid: found.jwk.kid! }
    } catch {
      // not a secrets file we understand
    }
  }
  return undefined
}

/** What a reply amounts to, in a few words: "401 invalid_token: The token has expired". */
export function describe(reply: Pick<Reply, 'status' | 'headers' | 'text'> & { json?: any; error?: string }): string {
  if (reply.status <= 0) return `no answer (${reply.error ?? 'connection failed'})`
  const json = reply.json ?? tryJson(reply)
  const location = reply.headers.location
  let detail = ''
  if (reply.status >= 300 && reply.status < 400 && typeof location === 'string') {
    const url = URL.parse(location, 'http://server.invalid')
    const error = url?.searchParams.get('error')
    detail = `→ ${url ? `${url.origin}${url.pathname}` : location}${error ? ` error=${error}` : ''}`
  } else if (typeof json?.error === 'string') {
    detail = `${json.error}${json.error_description ? `: ${json.error_description}` : ''}`
  } else if (typeof json?.error?.message === 'string') {
    detail = json.error.message
  } else if (/^text\/html/.test(String(reply.headers['content-type']))) {
    detail = `page: ${pageText(reply.text.slice(reply.text.indexOf('</h1>') + 5))}` // the words after its heading
  }
  const text = `${reply.status}${detail ? ` ${detail}` : ''}`
  return text.length > 100 ? `${text.slice(0, 99)}…` : text
}

function tryJson(reply: { headers: Reply['headers']; text: string }): any {
  if (!/json/.test(String(reply.headers['content-type']))) return undefined
  try {
    return JSON.parse(reply.text)
  } catch {
    return undefined
  }
}

/** The text of the tool's (or resource's, or prompt's) result, if the call ran; undefined if refused. */
export function ranText(reply: Reply): string | undefined {
  if (reply.status !== 200) return undefined
  const results = (Array.isArray(reply.json) ? reply.json : [reply.json])
    .map((message) => message?.result)
    .filter((r) => r !== undefined && !r.isError)
  if (results.length === 0) return undefined
  const texts = results.map((r) => r.content?.[0]?.text ?? r.contents?.[0]?.text ?? r.messages?.[0]?.content?.text ?? JSON.stringify(r))
  return texts.join(' | ').replace(/\s+/g, ' ')
}

/** What a token response grants: its `scope` (RFC 6749 §5.1), else the JWT's; and its audience, if it is a JWT. */
export function granted(tokenResponse: { access_token?: string; scope?: string }): { scope: string; aud: string } {
  let claims: JWTPayload = {}
  try {
    claims = decodeJwt(String(tokenResponse.access_token))
  } catch {
    // an opaque token: only the response says what it carries
  }
  return {
    scope: String(tokenResponse.scope ?? claims.scope ?? ''),
    aud: claims.aud === undefined ? '(an opaque token)' : JSON.stringify(claims.aud),
  }
}

const short = (text: string, max = 70) => (text.length > max ? `${text.slice(0, max - 1)}…` : text)
const dropUndefined = <T extends object>(record: T): T => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T

type Changes = { claims?: JWTPayload; header?: Record<string, unknown> }

export class AttackContext {
  /** the target's authorization server, when it has one the battery can drive (labs 5–7) */
  readonly as: AuthorizationServer | undefined
  /** the demo user whose account the attacker holds on an authorization server (read and write) */
  readonly user = 'alice'
  /** the sub of dev tokens: an account of the attacker's own, so nobody else's notes are touched */
  readonly sub = `attacker-${randomUUID().slice(0, 8)}`
  private tokens = new Map<string, Promise<string | undefined>>()
  private minted: string[] = []
  private signer: Promise<{ key: KeyObject; kid: string } | undefined> | undefined

  constructor(readonly target: Target) {
    this.as =
      target.tokens === 'authorization server'
        ? new AuthorizationServer(target.issuerMetadata as ServerMetadata, target.resource)
        : undefined
  }

  get port(): number {
    return Number(new URL(this.target.base).port)
  }

  /** One request to the target; a path is taken relative to its base URL. */
  send(req: Req): Promise<Reply> {
    return send({ ...req, url: new URL(req.url, this.target.base).href })
  }

  /** POSTs one JSON-RPC message (or a batch, or a raw string) to /mcp. */
  mcp(message: unknown, options: { token?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    return this.send({ url: this.target.mcpUrl, headers: mcpHeaders(options.token, options.headers), body: message })
  }

  /** A genuine access token for the attacker's own account, with these scopes (memoised), or undefined if none can be had. */
  token(scope = 'notes:read'): Promise<string | undefined> {
    let token = this.tokens.get(scope)
    if (token === undefined) {
      token = this.freshToken(scope)
      this.tokens.set(scope, token)
    }
    return token
  }

  /** A token of its own, for attacks that spend it. */
  async freshToken(scope = 'notes:read'): Promise<string | undefined> {
    if (this.as) return (await this.as.tokens({ user: this.user, scope })).access_token
    if (this.target.tokens === 'unavailable') return undefined
    // Labs 2–4 take dev tokens; lab 1 ignores whatever it is sent, but the attack still sends one.
    const token = await mintAccessToken({
      port: this.port,
      sub: this.sub,
      scope,
      claims: { iss: this.target.issuer, aud: this.target.resource },
    })
    this.minted.push(token)
    return token
  }

  /**
   * Mint options for @workshop/kit/forge: the claims of a genuine token (issuer, audience, sub,
   * client_id, live jti), the target's kid, and `changes` (undefined removes a claim or a header).
   */
  async forgeOptions(changes: Changes = {}): Promise<MintOptions | undefined> {
    const claims = await this.genuineClaims()
    if (claims === undefined) return undefined
    const kid = this.target.jwks[0]?.kid
    return { port: this.port, claims: { ...claims, ...changes.claims }, header: { ...(kid ? { kid } : {}), ...changes.header } }
  }

  /** A genuine token's claims; for an opaque token (lab 7 with introspection), what its JWT would say. */
  private async genuineClaims(): Promise<JWTPayload | undefined> {
    const genuine = await this.token('notes:read')
    if (genuine === undefined) return undefined
    try {
      return decodeJwt(genuine)
    } catch {
      const now = Math.floor(Date.now() / 1000)
      return {
        iss: this.target.issuer,
        aud: this.target.resource,
        sub: this.user,
        client_id: 'attacker',
        scope: 'notes:read',
        jti: randomUUID(),
        iat: now,
        exp: now + 600,
      }
    }
  }

  /** Signs `changes.claims` as the issuer would (RS256, its kid, typ at+jwt). `anyKey`: the dev key when the issuer's is not at hand. */
  private async sign(changes: Changes, anyKey = false): Promise<string | undefined> {
    this.signer ??= issuerKey(this.target)
    const signer = (await this.signer) ?? (anyKey ? await readDevKey().then((dev) => ({ key: dev.privateKey, kid: dev.kid })) : undefined)
    if (signer === undefined) return undefined
    const now = Math.floor(Date.now() / 1000)
    const claims = dropUndefined({ iat: now, exp: now + 600, ...changes.claims })
    const header = dropUndefined({ alg: 'RS256', typ: 'at+jwt', kid: signer.kid, ...changes.header })
    return new SignJWT(claims).setProtectedHeader(header as never).sign(signer.key)
  }

  private signingWorks: Promise<boolean> | undefined

  /**
   * "The issuer signed this": a genuine token's claims with `changes`, signed with the issuer's own key.
   * Only where that key is at hand AND the re-signed, unchanged token is accepted; otherwise a refusal
   * would prove nothing, and the attack is n/a.
   */
  async signedByIssuer(changes: Changes): Promise<string | undefined> {
    const anyKey = !this.target.needsToken // lab 1 takes anything: any key will do
    this.signingWorks ??= (async () => {
      const claims = await this.genuineClaims()
      const token = claims && (await this.sign({ claims }, anyKey))
      return token !== undefined && ranText(await this.mcp(readNotes, { token })) !== undefined
    })()
    if (!(await this.signingWorks)) return undefined
    return this.sign({ claims: { ...(await this.genuineClaims()), ...changes.claims }, header: changes.header }, anyKey)
  }

  /** Presents a token at /mcp: got through if the tool ran. */
  async present(token: string | undefined, call: unknown = readNotes, headers?: Record<string, string>): Promise<Outcome> {
    if (token === undefined)
      return notApplicable(
        this.target.tokens === 'unavailable' ? 'no genuine token can be had from this target' : 'cannot make this token for this target',
      )
    return this.outcomeOf(await this.mcp(call, { token, headers }))
  }

  /** got through if the call ran (what it answered), else blocked (how it was refused). */
  outcomeOf(reply: Reply): Outcome {
    const ran = ranText(reply)
    return ran !== undefined ? gotThrough(`the call ran: ${short(ran)}`) : blocked(describe(reply))
  }

  /** The genuine tokens, codes and client secrets the battery obtained (for a scan of the target's logs). */
  secrets(): string[] {
    return [...(this.as?.secrets ?? []), ...this.minted]
  }

  /** Plants a note in the attacker's account and returns its text: a canary a sneaky purge would kill. */
  async plantCanary(): Promise<string | undefined> {
    const writer = await this.token('notes:read notes:write')
    const text = `canary ${randomUUID().slice(0, 8)}`
    const reply = await this.mcp(rpc('tools/call', { name: 'add_note', arguments: { text } }), { token: writer })
    return ranText(reply) === undefined ? undefined : text
  }

  async canaryAlive(text: string): Promise<boolean> {
    const reader = await this.token('notes:read')
    return ranText(await this.mcp(readNotes, { token: reader }))?.includes(text) ?? false
  }

  /** Does the server still answer at all? (after an attack that might have crashed it) */
  async alive(): Promise<boolean> {
    return (await rawRequest(`${this.target.base}/mcp`, { timeoutMs: 10_000 })).status > 0
  }
}

/** An attack on the authorization server: n/a for a target without one the battery can drive. */
export function onAuthorizationServer(
  run: (ctx: AttackContext, as: AuthorizationServer) => Promise<Outcome>,
): (ctx: AttackContext) => Promise<Outcome> {
  return async (ctx) => {
    if (ctx.as) return run(ctx, ctx.as)
    return notApplicable(
      ctx.target.issuerMetadata?.authorization_endpoint
        ? 'its authorization server is not one the battery can drive'
        : 'no authorization server here (no authorization_endpoint)',
    )
  }
}
