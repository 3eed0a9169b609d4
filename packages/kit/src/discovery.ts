// Discovery, as an MCP client does it from nothing but the server's URL: a bare call gets a 401 whose
// challenge names the protected-resource metadata (RFC 9728 §5.1); that names the authorization server;
// its own metadata (RFC 8414) names the endpoints. Each document is checked on the way, as a careful
// client must. The checks, `npm run sign-in`, the conformance and interop runs and lab 8 all start here.
import { type Reply, type Send, mcpHeaders, rpc, send as httpSend } from './http.ts'
import type { Challenge } from './www-authenticate.ts'

export class DiscoveryError extends Error {
  name = 'DiscoveryError'
}

export interface ServerMetadata {
  issuer: string
  authorization_endpoint: string
  token_endpoint: string
  // the workshop's two authorization servers have all of these; another one may not
  registration_endpoint: string
  revocation_endpoint: string
  introspection_endpoint: string
  jwks_uri: string
  [name: string]: unknown
}

export interface Discovery {
  /** the 401's Bearer challenge (RFC 6750 §3) */
  challenge: Challenge
  resourceMetadataUrl: string
  resourceMetadata: Record<string, any>
  /** the resource's canonical identifier (RFC 9728 §2), equal to the MCP URL */
  resource: string
  issuer: string
  metadata: ServerMetadata
  /** what the resource says it understands (scopes_supported) */
  scopes: string[]
}

/** RFC 8414 §3.1 inserts the well-known path before the issuer's path; OpenID Connect Discovery §4 appends it. */
export function metadataUrls(issuer: string): string[] {
  const { origin, pathname } = new URL(issuer)
  const path = pathname.replace(/\/$/, '')
  return [`${origin}/.well-known/oauth-authorization-server${path}`, `${origin}${path}/.well-known/openid-configuration`]
}

function json(reply: Reply, url: string): Record<string, any> {
  if (reply.status !== 200) throw new DiscoveryError(`${url} answered HTTP ${reply.status}`)
  if (!/^application\/json/.test(reply.headers['content-type'] ?? '') || typeof reply.json !== 'object' || reply.json === null)
    throw new DiscoveryError(`${url} is not a JSON document (Content-Type: ${reply.headers['content-type']})`)
  return reply.json
}

/**
 * The issuer's metadata from the first of its well-known URLs that has it; undefined when none does.
 * RFC 8414 §3.3: the issuer inside must be the one asked about, or someone else answered.
 */
export async function issuerMetadata(issuer: string, send: Send = httpSend): Promise<ServerMetadata | undefined> {
  for (const url of metadataUrls(issuer)) {
    const reply = await send({ url, headers: { Accept: 'application/json' } })
    if (reply.status === 404) continue
    const metadata = json(reply, url)
    if (metadata.issuer !== issuer) throw new DiscoveryError(`${url} describes issuer ${metadata.issuer}, not ${issuer} (RFC 8414 §3.3)`)
    return metadata as ServerMetadata
  }
  return undefined
}

/** From nothing but the MCP URL to the authorization server's endpoints. */
export async function discover(mcpUrl: string, send: Send = httpSend): Promise<Discovery> {
  const bare = await send({ url: mcpUrl, headers: mcpHeaders(), body: rpc('tools/list') })
  const challenge = bare.challenge
  if (bare.status !== 401 || challenge === undefined)
    throw new DiscoveryError(`expected 401 with a Bearer challenge from ${mcpUrl}, got HTTP ${bare.status}`)
  // RFC 9728 §5.1 names it in the challenge; MCP clients fall back to the well-known URL (§3.1).
  const resourceMetadataUrl =
    challenge.params.resource_metadata ?? `${new URL(mcpUrl).origin}/.well-known/oauth-protected-resource${new URL(mcpUrl).pathname}`
  const resourceMetadata = json(await send({ url: resourceMetadataUrl }), resourceMetadataUrl)
  // RFC 9728 §3.3: the metadata must be about the resource the client asked for.
  if (resourceMetadata.resource !== mcpUrl)
    throw new DiscoveryError(`the resource metadata is about ${resourceMetadata.resource}, not ${mcpUrl} (RFC 9728 §3.3)`)
  const issuer = resourceMetadata.authorization_servers?.[0]
  if (typeof issuer !== 'string') throw new DiscoveryError('the resource metadata names no authorization server (RFC 9728 §2)')
  const metadata = await issuerMetadata(issuer, send)
  if (metadata === undefined) throw new DiscoveryError(`no metadata for ${issuer} at ${metadataUrls(issuer).join(' or ')}`)
  return {
    challenge,
    resourceMetadataUrl,
    resourceMetadata,
    resource: mcpUrl,
    issuer,
    metadata,
    scopes: resourceMetadata.scopes_supported ?? [],
  }
}
