// The flow page's memory: the exchanges the recorders handed over (already masked, flow-mask.ts), each
// placed between two lanes by its endpoint, with the spec section that governs it and its challenge parsed.
import { EventEmitter } from 'node:events'
import { type FlowExchange } from '@workshop/kit/flow-mask'
import { type Challenge, parseWwwAuthenticate } from '@workshop/kit/www-authenticate'

export type Lane = 'client' | 'browser' | 'mcp' | 'as' | 'provider'

export const LANES: { id: Lane; title: string }[] = [
  { id: 'client', title: 'client' },
  { id: 'browser', title: 'browser' },
  { id: 'mcp', title: 'MCP server' },
  { id: 'as', title: 'authorization server' },
  { id: 'provider', title: 'identity provider' },
]

export interface SpecLink {
  label: string
  url: string
}

export interface DrawnExchange extends FlowExchange {
  id: number
  from: Lane
  to: Lane
  path: string
  spec: SpecLink[]
  challenges?: Challenge[]
  /** one word for the outcome: ok, redirect, challenge, refused, error */
  outcome: 'ok' | 'redirect' | 'challenge' | 'refused' | 'error'
}

/** Who listens where: the lab's server, its companions (lab 7's provider), a client's callback. */
export interface Ports {
  server?: number
  companions: Record<string, number>
}

/** The ports of a started lab's processes. */
export function portsOf(running: { port: number; companions: Record<string, { port: number }> }): Ports {
  return { server: running.port, companions: Object.fromEntries(Object.entries(running.companions).map(([n, c]) => [n, c.port])) }
}

const RFC = (n: number, section?: string) => ({
  label: `RFC ${n}${section ? ` §${section}` : ''}`,
  url: `https://www.rfc-editor.org/rfc/rfc${n}${section ? `#section-${section}` : ''}`,
})
const OAUTH21 = (section: string) => ({
  label: `OAuth 2.1 §${section}`,
  url: `https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13#section-${section}`,
})
const MCP_AUTH = { label: 'MCP authorization', url: 'https://modelcontextprotocol.io/specification/draft/basic/authorization' }
const MCP_TRANSPORT = { label: 'MCP transports', url: 'https://modelcontextprotocol.io/specification/draft/basic/transports' }

/** Endpoints a person's browser visits (the authorization endpoint and its pages), not a client's code. */
const BROWSER_PATHS = /^\/(authorize|auth|interaction|session)(\/|$)/
/** The resource server's own endpoints; the rest of its port is the authorization server's. */
const MCP_PATHS = /^\/(mcp|\.well-known\/oauth-protected-resource)(\/|$)/

const ROLE_LANE: Record<string, Lane> = { server: 'mcp', client: 'client', idp: 'provider' }

function bodyField(body: string | undefined, name: string): string | undefined {
  if (!body) return undefined
  try {
    const json = JSON.parse(body)
    if (json && typeof json === 'object' && typeof json[name] === 'string') return json[name]
  } catch {
    // a form
  }
  return new URLSearchParams(body).get(name) ?? undefined
}

/** The sections that govern an exchange: what a learner reads to know why it went so. */
export function specOf(method: string, path: string, status: number, exchange: FlowExchange): SpecLink[] {
  const links: SpecLink[] = []
  const location = exchange.response.headers.location ?? ''
  if (MCP_PATHS.test(path) && path.startsWith('/mcp')) {
    if (status === 401) links.push(RFC(6750, '3'), RFC(9728, '5.1'), MCP_AUTH)
    else if (status === 403) links.push(RFC(6750, '3.1'), MCP_AUTH)
    else links.push(MCP_TRANSPORT)
  } else if (path.startsWith('/.well-known/oauth-protected-resource')) links.push(RFC(9728, '3'))
  else if (path.startsWith('/.well-known/oauth-authorization-server')) links.push(RFC(8414, '3'))
  else if (path.startsWith('/.well-known/openid-configuration'))
    links.push({ label: 'OIDC Discovery §4', url: 'https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig' })
  else if (/jwks/.test(path)) links.push(RFC(7517, '5'))
  else if (/^\/(register|reg)(\/|$)/.test(path)) links.push(RFC(7591, '3'))
  else if (/revoc|\/revoke/.test(path)) links.push(RFC(7009, '2'))
  else if (/introspect/.test(path)) links.push(RFC(7662, '2'))
  else if (/^\/token(\/|$)/.test(path)) {
    const grant = bodyField(exchange.request.body, 'grant_type')
    if (grant === 'refresh_token') links.push(OAUTH21('4.3'))
    else links.push(OAUTH21('4.1.3'), RFC(7636, '4.5'))
    links.push(RFC(8707, '2'))
    if (status >= 400) links.push(OAUTH21('3.2.4'))
  } else if (BROWSER_PATHS.test(path)) {
    links.push(OAUTH21('4.1.1'), RFC(7636, '4.3'))
    if (/[?&]code=/.test(location)) links.push(OAUTH21('4.1.2'))
    if (/[?&]iss=/.test(location)) links.push(RFC(9207, '2'))
  }
  return links
}

/** The lane that answers: by the port it listens on and the endpoint. */
function target(url: URL, exchange: FlowExchange, ports: Ports): Lane {
  const port = Number(url.port || 80)
  if (ports.companions.idp === port) return 'provider'
  if (exchange.side === 'served' && exchange.role === 'client') return 'client'
  if (ports.server !== undefined && port !== ports.server && /callback/.test(url.pathname)) return 'client'
  return MCP_PATHS.test(url.pathname) ? 'mcp' : 'as'
}

/** The lane that asked: the recording sender when there was one, else a browser for the browser's endpoints. */
function source(url: URL, exchange: FlowExchange): Lane {
  if (exchange.side === 'sent') return ROLE_LANE[exchange.role] ?? 'client'
  if (exchange.from) return ROLE_LANE[exchange.from] ?? 'client'
  const headers = exchange.request.headers
  if (BROWSER_PATHS.test(url.pathname) || headers['sec-fetch-dest'] !== undefined || /Mozilla/.test(headers['user-agent'] ?? '')) {
    return 'browser'
  }
  return 'client'
}

function outcome(exchange: FlowExchange): DrawnExchange['outcome'] {
  const status = exchange.response.status
  if (exchange.error || status === 0 || status >= 500) return 'error'
  if (status === 401 || status === 403) return 'challenge'
  if (status >= 400) return 'refused'
  if (status >= 300) return 'redirect'
  return 'ok'
}

/** Places an exchange: its lanes, path, outcome, spec and parsed challenge. */
export function draw(exchange: FlowExchange, id: number, ports: Ports): DrawnExchange {
  let url: URL
  try {
    url = new URL(exchange.url)
  } catch {
    url = new URL('http://invalid/')
  }
  const path = url.pathname
  const header = exchange.response.headers['www-authenticate']
  let challenges: Challenge[] | undefined
  if (header) {
    try {
      challenges = parseWwwAuthenticate(header)
    } catch {
      challenges = undefined // shown raw
    }
  }
  return {
    ...exchange,
    id,
    from: source(url, exchange),
    to: target(url, exchange, ports),
    path: `${path}${url.search}`,
    spec: specOf(exchange.method, path, exchange.response.status, exchange),
    challenges,
    outcome: outcome(exchange),
  }
}

/** The most the page keeps: a flood (lab 8's battery, a bench) keeps its latest exchanges. */
const KEEP = 2000

export class FlowStore extends EventEmitter {
  exchanges: DrawnExchange[] = []
  ports: Ports = { companions: {} }
  private raw = new Map<number, FlowExchange>()
  private next = 1

  /** A sent exchange whose receiver records too: dropped, the receiver's record says what it received. */
  private duplicate(exchange: FlowExchange): boolean {
    if (exchange.side !== 'sent' || !URL.canParse(exchange.url)) return false
    const port = Number(new URL(exchange.url).port || 80)
    return port === this.ports.server || Object.values(this.ports.companions).includes(port)
  }

  /** An exchange from a recorder. */
  add(exchange: FlowExchange): DrawnExchange | undefined {
    if (this.duplicate(exchange)) return undefined
    const id = this.next++
    const drawn = draw(exchange, id, this.ports)
    this.raw.set(id, exchange)
    this.exchanges.push(drawn)
    if (this.exchanges.length > KEEP) for (const gone of this.exchanges.splice(0, this.exchanges.length - KEEP)) this.raw.delete(gone.id)
    this.emit('exchange', drawn)
    return drawn
  }

  /**
   * Where the lab's processes listen, once they are ready: what they exchanged while starting (lab 7's
   * server reading its provider's metadata) is placed again, and sent copies of recorded exchanges dropped.
   */
  setPorts(ports: Ports): void {
    this.ports = ports
    this.exchanges = []
    for (const [id, exchange] of [...this.raw]) {
      if (this.duplicate(exchange)) this.raw.delete(id)
      else this.exchanges.push(draw(exchange, id, ports))
    }
    this.emit('reset', this.exchanges)
  }

  clear(): void {
    this.exchanges = []
    this.raw.clear()
    this.emit('clear')
  }
}
