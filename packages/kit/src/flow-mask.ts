// What the flow page may show of an HTTP exchange: everything but the secrets. The recorder
// (flow-recorder.ts) masks an exchange with these functions before it leaves the lab's process, so no
// stream, page or saved file ever holds a usable credential:
// - passwords never appear;
// - client secrets, refresh tokens, codes, code verifiers, cookies: masked but for their last 4 characters;
// - access tokens (JWTs, RFC 9068): replaced by their decoded header and claims, the signature dropped.

/** One exchange as the page draws it (its secrets already masked). */
export interface FlowExchange {
  /** the store's sequence number */
  id?: number
  /** served by the recording process, or sent by it */
  side: 'served' | 'sent'
  /** which process recorded it: "server", "idp", "client" (FLOW_ROLE) */
  role: string
  /** who sent it, when the sender was a recording process too (the x-flow-from header) */
  from?: string
  start: number
  end: number
  method: string
  /** the full URL, secrets in its query masked */
  url: string
  request: { headers: Record<string, string>; body?: string }
  response: { status: number; headers: Record<string, string>; body?: string }
  /** the JWTs it carried, decoded: where each was, its header and claims */
  jwts: DecodedJwt[]
  /** the request failed without an answer (a refused connection, a timeout) */
  error?: string
}

export interface DecodedJwt {
  label: string
  where: string
  header: Record<string, unknown>
  claims: Record<string, unknown>
}

/** Never shown, not even in part. */
const HIDDEN = new Set(['password', 'new_password', 'current_password'])
/** Shown by their last 4 characters only (RFC 6749 §2.3.1, §4.1.2, §6; RFC 7636 §4.1; RFC 7591 §3.2.1). */
const SECRET = new Set([
  'client_secret',
  'refresh_token',
  'code',
  'code_verifier',
  'access_token',
  'id_token',
  'token',
  'registration_access_token',
  'assertion',
  'client_assertion',
  'subject_token',
  'device_code',
])

export const JWT_PATTERN = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g
const IS_JWT = new RegExp(JWT_PATTERN.source)

/** The last 4 characters, the rest elided. */
export function maskSecret(value: string): string {
  if (value.length <= 4) return '…'
  return `…${value.slice(-4)}`
}

/** Collects the JWTs of one exchange as they are replaced, each under a label ("JWT 1"). */
export class JwtCollector {
  readonly jwts: DecodedJwt[] = []
  private seen = new Map<string, string>()

  /** `‹JWT n: header and claims below›` for a decodable JWT; the masked string otherwise. */
  replace(token: string, where: string): string {
    const known = this.seen.get(token)
    if (known) return known
    const [h, c] = token.split('.')
    try {
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'))
      const claims = JSON.parse(Buffer.from(c, 'base64url').toString('utf8'))
      if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null)
        throw new Error('not JSON objects')
      const label = `JWT ${this.jwts.length + 1}`
      this.jwts.push({ label, where, header, claims })
      const text = `‹${label}: decoded below, signature elided›`
      this.seen.set(token, text)
      return text
    } catch {
      return maskSecret(token)
    }
  }

  /** Every JWT in a text replaced. */
  scrub(text: string, where: string): string {
    return text.replace(JWT_PATTERN, (token) => this.replace(token, where))
  }
}

function maskValue(name: string, value: string, jwts: JwtCollector, where: string): string {
  const key = name.toLowerCase()
  if (HIDDEN.has(key)) return '‹hidden›'
  if (SECRET.has(key)) return IS_JWT.test(value) ? jwts.scrub(value, where) : maskSecret(value)
  return jwts.scrub(value, where)
}

function maskJson(value: unknown, jwts: JwtCollector, where: string, key = ''): unknown {
  if (typeof value === 'string') return maskValue(key, value, jwts, where)
  if (Array.isArray(value)) return value.map((item) => maskJson(item, jwts, where, key))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskJson(v, jwts, where, k)]))
  }
  return value
}

/** A query string or form body with its secret parameters masked. */
export function maskForm(text: string, jwts: JwtCollector, where: string): string {
  const params = new URLSearchParams(text)
  const out: string[] = []
  for (const [name, value] of params) {
    const shown = maskValue(name, value, jwts, where)
    // a masked value is shown as it reads (…a3B4), not percent-encoded: it is for reading, never for sending
    out.push(`${encodeURIComponent(name)}=${shown === value ? encodeURIComponent(value) : shown}`)
  }
  return out.join('&')
}

/** A URL with the secrets in its query masked (an authorization response's code, RFC 6749 §4.1.2). */
export function maskUrl(url: string, jwts: JwtCollector, where: string): string {
  const q = url.indexOf('?')
  if (q === -1) return jwts.scrub(url, where)
  const hash = url.indexOf('#', q)
  const query = url.slice(q + 1, hash === -1 ? undefined : hash)
  return `${jwts.scrub(url.slice(0, q), where)}?${maskForm(query, jwts, where)}${hash === -1 ? '' : jwts.scrub(url.slice(hash), where)}`
}

/** A body by its content type: JSON and forms parameter by parameter, anything else scanned for secrets. */
export function maskBody(body: string, contentType: string | undefined, jwts: JwtCollector, where: string): string {
  const type = (contentType ?? '').toLowerCase()
  const trimmed = body.trim()
  if (type.includes('json') || ((trimmed.startsWith('{') || trimmed.startsWith('[')) && !type.includes('html'))) {
    try {
      return JSON.stringify(maskJson(JSON.parse(body), jwts, where), null, 2)
    } catch {
      // not JSON after all: scanned as text below
    }
  }
  if (type.includes('x-www-form-urlencoded')) return maskForm(body, jwts, where)
  if (type.includes('event-stream')) {
    return body.replace(
      /^data: ?(.*)$/gm,
      (_line, data: string) => `data: ${maskBody(data, 'application/json', jwts, where).replace(/\n\s*/g, ' ')}`,
    )
  }
  // HTML, text: secret parameters written as name=value, then any JWT
  const named = body.replace(
    /\b(password|client_secret|refresh_token|code_verifier|code|access_token)(=|"\s*:\s*"|"\s+value=")([^&\s"'<]+)/gi,
    (_m, name: string, sep: string, value: string) => `${name}${sep}${maskValue(name, value, jwts, where)}`,
  )
  return jwts.scrub(named, where)
}

/** A header's value with its credentials masked. */
export function maskHeader(name: string, value: string, jwts: JwtCollector, where: string): string {
  const key = name.toLowerCase()
  if (key === 'authorization' || key === 'proxy-authorization') {
    const [scheme, credentials = ''] = value.split(/\s+/, 2)
    if (/^basic$/i.test(scheme)) {
      // RFC 6749 §2.3.1: client_id:client_secret, form-encoded then base64
      const decoded = Buffer.from(credentials, 'base64').toString('utf8')
      const colon = decoded.indexOf(':')
      if (colon === -1) return `${scheme} ${maskSecret(credentials)}`
      const unescape = (text: string) => {
        try {
          return decodeURIComponent(text)
        } catch {
          return text // not form-encoded after all
        }
      }
      return `${scheme} ‹${unescape(decoded.slice(0, colon))}:${maskSecret(unescape(decoded.slice(colon + 1)))}›`
    }
    return `${scheme} ${IS_JWT.test(credentials) ? jwts.scrub(credentials, where) : maskSecret(credentials)}`
  }
  if (key === 'cookie') {
    return value
      .split(/;\s*/)
      .map((pair) => pair.replace(/=(.*)$/, (_m, v: string) => `=${maskSecret(v)}`))
      .join('; ')
  }
  if (key === 'set-cookie') return value.replace(/^([^=]+)=([^;]*)/, (_m, n: string, v: string) => `${n}=${maskSecret(v)}`)
  if (key === 'location' || key === 'referer' || key === 'content-location') return maskUrl(value, jwts, where)
  return jwts.scrub(value, where)
}

/** Headers as one string each, credentials masked; the recorder's own x-flow-from left out. */
export function maskHeaders(
  headers: Record<string, string | string[] | number | undefined>,
  jwts: JwtCollector,
  where: string,
): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || name.toLowerCase() === FROM_HEADER) continue
    const values = Array.isArray(raw) ? raw.map(String) : [String(raw)]
    out[name.toLowerCase()] = values.map((v) => maskHeader(name, v, jwts, where)).join(name.toLowerCase() === 'set-cookie' ? '\n' : ', ')
  }
  return out
}

/** The header a recording process adds to what it sends, naming itself: the receiver's record says who called. */
export const FROM_HEADER = 'x-flow-from'

/** A command line (a check's curl) with its secrets masked: named parameters, Basic and Bearer credentials, JWTs. */
export function maskCommand(command: string): string {
  const jwts = new JwtCollector()
  return maskBody(command, 'text/plain', jwts, 'command')
    .replace(/\b(Basic|Bearer) ([A-Za-z0-9\-._~+/]+=*)/g, (_m, scheme: string, value: string) => `${scheme} ${maskSecret(value)}`)
    .replace(/‹JWT \d+: decoded below, signature elided›/g, '‹a JWT›')
}
