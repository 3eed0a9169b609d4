// Who is asking: finding the client at /authorize, and authenticating it at /token, /revoke, /introspect.
import type { Request } from 'express'
import { z } from 'zod'
import { ClientMetadataDocumentError, fetchClientMetadataDocument, isUrlClientId } from './client-metadata-document.ts'
import { type Context, nowSeconds } from './context.ts'
import { OAuthError, PageError, invalidClient } from './errors.ts'
import { sameSecret, sha256 } from './secrets.ts'
import type { Client } from './store.ts'

/**
 * The client named by an authorization request. A URL client id is resolved by fetching its
 * metadata document (kept as long as its HTTP cache headers allow, within bounds: cacheLifetime);
 * any other id must have been registered.
 * Failures are pages, never redirects: without a trusted client there is no trusted redirect URI.
 */
export async function findClientForAuthorization(context: Context, clientId: string): Promise<Client> {
  const now = nowSeconds(context)
  if (isUrlClientId(clientId)) {
    const cached = context.store.findClient(clientId)
    if (cached?.source === 'metadata_document' && cached.cached_until !== null && now < cached.cached_until) return cached
    try {
      const client = await fetchClientMetadataDocument(clientId, now, { allowLoopback: context.allowLoopbackClientMetadata })
      context.store.saveClient(client) // the grant outlives the cache: /token and restarts find it here
      return client
    } catch (error) {
      if (error instanceof ClientMetadataDocumentError) throw new PageError(`This application could not be identified: ${error.message}.`)
      throw error
    }
  }
  const client = context.store.findClient(clientId)
  if (client === undefined) throw new PageError('This application is not registered with this server (unknown client_id).')
  return client
}

const Credentials = z.object({
  client_id: z.string().min(1).max(2000).optional(),
  client_secret: z.string().max(200).optional(),
})

/**
 * Client authentication at the back channel (OAuth 2.1 §2.4, RFC 6749 §2.3):
 * - client_secret_basic: HTTP Basic with the form-encoded id and secret;
 * - client_secret_post: client_id and client_secret in the form;
 * - none (public clients): client_id alone. OAuth 2.1 §2.1: a public client cannot keep
 *   a secret; PKCE and refresh-token rotation protect it instead.
 * Each client must use the method it registered, and only one (RFC 6749 §2.3).
 * Every failure is invalid_client, 401, without saying which part was wrong.
 */
export function authenticateClient(req: Request, context: Context, options: { allowPublic: boolean }): Client {
  const parsed = Credentials.safeParse(req.body ?? {})
  if (!parsed.success) throw new OAuthError('invalid_request', 'client_id and client_secret must each appear once')
  const form = parsed.data
  const header = req.headers.authorization

  let clientId: string | undefined
  let secret: string | undefined
  let method: Client['token_endpoint_auth_method']
  if (header !== undefined) {
    const basic = parseBasic(header)
    if (basic === undefined) throw invalidClient('The Authorization header is not valid HTTP Basic client authentication')
    if (form.client_secret !== undefined) throw new OAuthError('invalid_request', 'Use one client authentication method, not two')
    if (form.client_id !== undefined && form.client_id !== basic.id)
      throw invalidClient('client_id does not match the authenticated client')
    ;[clientId, secret, method] = [basic.id, basic.secret, 'client_secret_basic']
  } else if (form.client_secret !== undefined) {
    ;[clientId, secret, method] = [form.client_id, form.client_secret, 'client_secret_post']
  } else {
    ;[clientId, method] = [form.client_id, 'none']
  }
  if (clientId === undefined) throw invalidClient('Client authentication is required (public clients send client_id)')

  const client = context.store.findClient(clientId)
  // One message for unknown client, wrong secret and wrong method: no hints for a guesser.
  const failed = invalidClient('Client authentication failed')
  if (client === undefined || client.token_endpoint_auth_method !== method) throw failed
  if (method !== 'none' && !(client.secret_hash !== null && secret !== undefined && sameSecret(sha256(secret), client.secret_hash)))
    throw failed
  if (method === 'none' && !options.allowPublic) throw invalidClient("This endpoint needs a confidential client's credentials")
  context.store.touchClient(client.client_id, nowSeconds(context)) // in use: not one for pruning (RETENTION)
  return client
}

/** RFC 6749 §2.3.1: Basic base64(urlencode(id) ":" urlencode(secret)). */
function parseBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*)$/i.exec(header)
  if (!match) return undefined
  const decoded = Buffer.from(match[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon === -1) return undefined
  try {
    const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '))
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) }
  } catch {
    return undefined // malformed %-escapes
  }
}
