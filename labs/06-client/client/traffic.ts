// Every request the client makes passes through here: it is narrated under the leg it belongs
// to, with the MCP headers and the _meta envelope of 2026-07-28, and the discovery documents are
// checked (RFC 9728 §3.3 is ours; SDK 2 checks RFC 8414 §3.3 too, and this check runs first).
import type { FetchLike } from '@modelcontextprotocol/client'
import { chalk } from 'zx'
import { type Leg, LegFailed, leg, say, summarise, summariseForm } from './narrate.ts'

export interface TrafficHooks {
  /** the MCP server's URL, exactly as the user gave it */
  serverUrl: string
  /** a 403 insufficient_scope went by: the client must step up (MCP step-up) */
  onInsufficientScope(scope: string): void
  /** a 401 answered a request that carried our token: what we discovered may be stale */
  onTokenRefused(): void
}

const LEGS = {
  bare: { title: 'The bare request', spec: 'MCP authorization §Authorization Flow Steps, RFC 6750 §3' },
  resource: { title: 'Protected-resource metadata', spec: 'RFC 9728 §3, MCP authorization §Protected Resource Metadata Discovery' },
  issuer: { title: 'Authorization-server metadata', spec: 'RFC 8414 §3, MCP authorization §Authorization Server Metadata Discovery' },
  register: { title: 'Registration', spec: 'MCP authorization §Client Registration, RFC 7591 §3 (the fallback)' },
  token: { title: 'Token exchange', spec: 'OAuth 2.1 §4.1.3, RFC 7636 §4.5, RFC 8707 §2.2' },
  refresh: { title: 'Refresh', spec: 'OAuth 2.1 §4.3, §4.3.1 (rotation)' },
  revoke: { title: 'Revocation', spec: 'RFC 7009 §2' },
  era: { title: 'The protocol era', spec: 'MCP 2026-07-28 §server/discover (2025: §Lifecycle, initialize)', soft: true },
  call: { title: 'Calling tools', spec: 'RFC 6750 §2.1, MCP authorization §Access Token Usage', soft: true },
} satisfies Record<string, Leg>

/** The requests that settle which revision client and server speak, rather than do work. */
const ERA_METHODS = new Set(['server/discover', 'initialize', 'notifications/initialized'])
/** 2026-07-28's per-request headers (Streamable HTTP §Request Headers): a gateway can route on them; the server acts on the body. */
const MCP_HEADERS = ['MCP-Protocol-Version', 'Mcp-Method', 'Mcp-Name']

export function narratingFetch(hooks: TrafficHooks): FetchLike & { endpoints: Record<string, string> } {
  const endpoints: Record<string, string> = {}
  let envelopeShown = false

  const legOf = (url: URL, init: RequestInit | undefined, body: string): Leg | undefined => {
    if (url.pathname.startsWith('/.well-known/oauth-protected-resource')) return LEGS.resource
    if (/^\/\.well-known\/(oauth-authorization-server|openid-configuration)/.test(url.pathname)) return LEGS.issuer
    if (url.href === hooks.serverUrl) {
      if (!new Headers(init?.headers).has('authorization')) return LEGS.bare
      return ERA_METHODS.has(jsonRpc(body)?.method) ? LEGS.era : LEGS.call
    }
    if (url.href === endpoints.registration_endpoint) return LEGS.register
    if (url.href === endpoints.revocation_endpoint) return LEGS.revoke
    if (url.href === endpoints.token_endpoint) return /grant_type=refresh_token/.test(body) ? LEGS.refresh : LEGS.token
    return undefined
  }

  const fetchFn = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input))
    const body = typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : ''
    // The SDK's optional GET for a server-sent event stream: one line, not a leg.
    if ((init?.method ?? 'GET') === 'GET' && url.href === hooks.serverUrl) {
      const response = await fetch(url, init)
      say(
        chalk.dim(
          `(GET ${url.pathname} for an optional event stream: ${response.status}` +
            `${response.status === 405 ? ', this server is stateless' : ''})`,
        ),
      )
      return response
    }
    const current = legOf(url, init, body)
    if (current) leg(current)
    if (current === LEGS.register) {
      // MCP's order: pre-registration, then a client ID metadata document (an https URL that is our client_id), then this.
      const cimd = endpoints.client_id_metadata_document_supported ? 'supports' : 'does not support'
      say(`a client ID metadata document comes first; this server ${cimd} them, and we host none (--client-metadata-url):`)
      say('dynamic registration, the fallback (deprecated by 2026-07-28, still allowed)')
    }
    say(`${chalk.magenta('→')} ${init?.method ?? 'GET'} ${url.href}`)
    if (url.href === hooks.serverUrl) {
      const headers = new Headers(init?.headers)
      const shown = MCP_HEADERS.filter((name) => headers.has(name)).map((name) => `${name}: ${headers.get(name)}`)
      say(chalk.dim(`  ${shown.length > 0 ? shown.join('  ') : 'no MCP-Protocol-Version header: a 2025-era request'}`))
      const meta = jsonRpc(body)?.params?._meta
      if (meta?.['io.modelcontextprotocol/protocolVersion'] && !envelopeShown) {
        envelopeShown = true // 2026-07-28 has no initialize: every request says who it is, in params._meta
        say(chalk.dim(`  _meta: ${JSON.stringify(meta)}`))
      }
    }
    if (body) say(chalk.dim(`  ${describeRequestBody(body)}`))

    const response = await fetch(url, init)
    say(`${chalk.magenta('←')} ${statusColour(response.status)}  ${chalk.dim(response.headers.get('content-type') ?? '')}`)
    const challenge = response.headers.get('www-authenticate')
    if (challenge) say(chalk.dim(`  WWW-Authenticate: ${challenge}`))
    const json = await readJson(response)
    if (json) for (const line of describeResponse(current, json)) say(chalk.dim(`  ${line}`))

    if (response.ok && current === LEGS.resource) checkResourceMetadata(json, hooks.serverUrl, url)
    if (response.ok && current === LEGS.issuer) {
      checkIssuerMetadata(json, url)
      Object.assign(endpoints, json)
    }
    if (response.status === 403 && /error="insufficient_scope"/.test(challenge ?? '')) {
      const scope = /scope="([^"]*)"/.exec(challenge ?? '')?.[1] ?? ''
      hooks.onInsufficientScope(scope)
    }
    if (response.status === 401 && current === LEGS.call) {
      // The resource may have moved to another authorization server: discover again from this
      // challenge, so credentials of the old one are never sent to the new one (MCP authorization
      // §Authorization Server Binding; they are filed per issuer, and the new issuer gets a new registration).
      say(chalk.dim('  our token was refused: discovering again, in case the authorization server changed'))
      hooks.onTokenRefused()
    }
    return response
  }
  return Object.assign(fetchFn, { endpoints })
}

/**
 * RFC 9728 §3.3: the metadata must name the resource whose well-known URL we fetched: the MCP
 * server's URL for the path-inserted (or header-given) URL, its origin for the root fallback.
 * Anything else is someone else's metadata: refuse it.
 */
function checkResourceMetadata(json: any, serverUrl: string, fetchedFrom: URL): void {
  const { origin } = new URL(serverUrl)
  const fromRoot = fetchedFrom.pathname === '/.well-known/oauth-protected-resource'
  const expected = fromRoot ? [serverUrl, origin, `${origin}/`] : [serverUrl]
  if (!expected.includes(json?.resource)) {
    throw new LegFailed(`metadata names the resource ${json?.resource}, not ${expected.join(' or ')}: refusing it (RFC 9728 §3.3)`)
  }
}

/**
 * RFC 8414 §3.3: the issuer in the document must be the one whose well-known URL we fetched
 * (else a mix-up: another server's metadata). The SDK leaves this check to us.
 * MCP: refuse an authorization server that does not offer PKCE with S256.
 */
function checkIssuerMetadata(json: any, fetchedFrom: URL): void {
  const suffix = /^\/\.well-known\/(?:oauth-authorization-server|openid-configuration)/
  const expected = fetchedFrom.pathname.startsWith('/.well-known/')
    ? `${fetchedFrom.origin}${fetchedFrom.pathname.replace(suffix, '')}`
    : fetchedFrom.href.replace(/\/\.well-known\/openid-configuration$/, '')
  if (json?.issuer !== expected) throw new LegFailed(`metadata issuer ${json?.issuer} is not ${expected}: refusing it (RFC 8414 §3.3)`)
  if (!json?.code_challenge_methods_supported?.includes('S256')) {
    throw new LegFailed(
      'the authorization server does not advertise PKCE S256: refusing it (MCP authorization §Authorization Code Protection)',
    )
  }
}

/** The JSON-RPC message of a request body, when it is one. */
function jsonRpc(body: string): any {
  try {
    const message = JSON.parse(body)
    const first = Array.isArray(message) ? message[0] : message
    return first?.jsonrpc ? first : undefined
  } catch {
    return undefined
  }
}

/** A response's JSON: plain (2026-07-28, OAuth endpoints) or the last event of a 2025-era SSE answer. */
async function readJson(response: Response): Promise<any> {
  const type = response.headers.get('content-type') ?? ''
  if (/json/.test(type))
    return response
      .clone()
      .json()
      .catch(() => undefined)
  if (!/text\/event-stream/.test(type)) return undefined
  const data = [...(await response.clone().text()).matchAll(/^data: ?(.*)$/gm)].at(-1)?.[1]
  try {
    return data ? JSON.parse(data) : undefined
  } catch {
    return undefined
  }
}

function describeRequestBody(body: string): string {
  if (!body.startsWith('{') && !body.startsWith('[')) return summariseForm(body)
  try {
    const message = JSON.parse(body)
    const first = Array.isArray(message) ? message[0] : message
    if (first?.jsonrpc) return `${first.method}${first.params?.name ? ` ${first.params.name}` : ''}`
    return summarise(message, ['client_name', 'redirect_uris', 'grant_types', 'token_endpoint_auth_method', 'scope']).join('  ')
  } catch {
    return body.slice(0, 80)
  }
}

function describeResponse(current: Leg | undefined, json: any): string[] {
  switch (current) {
    case LEGS.resource:
      return summarise(json, ['resource', 'authorization_servers', 'scopes_supported'])
    case LEGS.issuer:
      return summarise(json, [
        'issuer',
        'authorization_endpoint',
        'token_endpoint',
        'registration_endpoint',
        'code_challenge_methods_supported',
        'authorization_response_iss_parameter_supported',
        'client_id_metadata_document_supported',
      ])
    case LEGS.register:
      return summarise(json, ['client_id', 'redirect_uris', 'token_endpoint_auth_method'])
    case LEGS.token:
    case LEGS.refresh:
      return summarise(json, ['token_type', 'expires_in', 'scope', 'access_token', 'refresh_token', 'error', 'error_description'])
    case LEGS.era:
      if (json?.result?.supportedVersions) return [`supportedVersions: ${JSON.stringify(json.result.supportedVersions)}`]
      if (json?.result?.protocolVersion) return [`protocolVersion: ${json.result.protocolVersion} (2025: the initialize handshake)`]
      return json?.error?.code !== undefined
        ? [`error ${json.error.code}: ${json.error.message} → the client falls back to initialize (2025)`]
        : []
    case LEGS.call:
    case LEGS.bare: {
      const text = json?.result?.content?.[0]?.text ?? json?.result?.serverInfo?.name ?? json?.error?.message ?? json?.error_description
      const cache = json?.result?.cacheScope ? `  (cacheScope: ${json.result.cacheScope}, ttlMs: ${json.result.ttlMs})` : ''
      return text ? [`${String(text).split('\n').join(' ⏎ ').slice(0, 120)}${cache}`] : []
    }
    default:
      return summarise(json, ['error', 'error_description'])
  }
}

function statusColour(status: number): string {
  const text = String(status)
  return status < 300 ? chalk.green(text) : status < 400 ? chalk.cyan(text) : chalk.yellow(text)
}
