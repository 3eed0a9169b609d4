// Client ID metadata documents (MCP 2025-11-25 "Client Registration"; draft-ietf-oauth-client-id-metadata-document):
// the client id is an https URL, and the JSON document at that URL is the client's registration.
// MCP prefers this to dynamic registration: nothing to store per client, and the URL's host
// tells the user who the client is. The price: this server fetches URLs strangers choose.
import { lookup } from 'node:dns/promises'
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import { z } from 'zod'
import { redirectUriProblem } from './redirect-uris.ts'
import { isFetchableAddress } from './ssrf.ts'
import type { Client } from './store.ts'

export class ClientMetadataDocumentError extends Error {
  name = 'ClientMetadataDocumentError'
}

export interface FetchOptions {
  /** lab only (ALLOW_LOOPBACK_CLIENT_METADATA=1): accept http://127.0.0.1, [::1] and localhost */
  allowLoopback: boolean
  timeoutMs?: number
  maxBytes?: number
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

/** Does this client id name a metadata document (rather than a registered client)? */
export function isUrlClientId(clientId: string): boolean {
  return /^https?:\/\//i.test(clientId)
}

/** Why this URL cannot be a client id, or undefined (draft §3, "Client Identifier"). */
export function clientIdUrlProblem(clientId: string, allowLoopback: boolean): string | undefined {
  let url: URL
  try {
    url = new URL(clientId)
  } catch {
    return 'the client id is not a valid URL'
  }
  const loopbackHost = LOOPBACK_HOSTS.has(url.hostname)
  // Production accepts https only: the document's integrity rests on TLS. The lab may opt in
  // to http on this machine so a learner can serve a JSON file with one command.
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowLoopback && loopbackHost)) {
    return allowLoopback ? 'a client id URL must use https (http only on 127.0.0.1 or localhost)' : 'a client id URL must use https'
  }
  if (url.pathname === '/') return 'a client id URL must have a path'
  if (clientId.includes('#')) return 'a client id URL must not contain a fragment'
  if (url.username !== '' || url.password !== '') return 'a client id URL must not contain a user name or password'
  if (url.search !== '') return 'a client id URL should not contain a query string'
  // Our call: only the default https port, so a client id cannot aim our fetch at some
  // internal service's port. Real client ids are plain https URLs; the lab's loopback opt-in may use any port.
  if (url.port !== '' && !(allowLoopback && loopbackHost)) return 'a client id URL must use the default https port'
  // "." and ".." segments, upper-case hosts, ":443"… must not hide behind URL normalisation:
  // the document's client_id is compared to this exact string.
  if (url.href !== clientId) return 'a client id URL must be in normal form (no dot segments, lower-case host)'
  return undefined
}

/**
 * How long a fetched document may be used without fetching it again, in seconds. MCP (Client ID
 * Metadata Documents): the server SHOULD cache it respecting HTTP cache headers (RFC 9111), and may
 * bound what they say:
 * - no-store, no-cache, max-age=0 or an Expires already past: not at all. The document's owner wants
 *   every change seen at once (a redirect URI withdrawn after a leak, say), so each authorization
 *   request fetches it again; the rate limit on GET /authorize bounds how often a stranger can make us.
 * - max-age, else Expires minus Date (RFC 9111 §4.2.1): that long, but at least FLOOR, a minute, so a
 *   burst of sign-ins costs one fetch, and at most CEILING, a day, so a change reaches us within a day
 *   whatever the document claimed (a year-long max-age would pin a compromised redirect URI for a year).
 * - neither: HEURISTIC, five minutes (RFC 9111 §4.2.2 lets a cache choose).
 */
export const DOCUMENT_CACHE = { floor: 60, ceiling: 24 * 3600, heuristic: 300 }

export function cacheLifetime(headers: IncomingHttpHeaders, now: number): number {
  const directives = (headers['cache-control'] ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim())
  const maxAge = directives
    .find((d) => d.startsWith('max-age='))
    ?.slice('max-age='.length)
    .replace(/^"(.*)"$/, '$1')
  let lifetime: number
  if (directives.some((d) => /^no-(store|cache)\b/.test(d))) lifetime = 0
  else if (maxAge !== undefined)
    lifetime = /^\d+$/.test(maxAge) ? Number(maxAge) : 0 // §4.2.1: an invalid max-age is stale
  else if (headers.expires !== undefined) {
    // §5.3: an invalid date ("0", say) is in the past; §4.2.1: without Date, count from when it arrived
    const date = httpDate(headers.date) ?? now * 1000
    lifetime = Math.floor(((httpDate(headers.expires) ?? 0) - date) / 1000)
  } else return DOCUMENT_CACHE.heuristic
  return lifetime <= 0 ? 0 : Math.min(Math.max(lifetime, DOCUMENT_CACHE.floor), DOCUMENT_CACHE.ceiling)
}

/** RFC 9110 §5.6.7 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") in milliseconds, else undefined. */
function httpDate(value: string | undefined): number | undefined {
  return value !== undefined && /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(value)
    ? Date.parse(value)
    : undefined
}

// The document: RFC 7591 client metadata (draft §4). Unknown members are ignored.
const ClientMetadataDocument = z.object({
  client_id: z.string(),
  client_name: z.string().trim().min(1).max(100).optional(),
  redirect_uris: z.array(z.string().max(2000)).min(1).max(10),
  // draft §4.1: no shared secret is possible with a public document: no client_secret_* methods.
  // (private_key_jwt, which the draft allows, is not implemented by this server.)
  token_endpoint_auth_method: z.literal('none').optional(),
  grant_types: z
    .array(z.enum(['authorization_code', 'refresh_token']))
    .min(1)
    .optional(),
  response_types: z.array(z.literal('code')).min(1).optional(),
  client_secret: z.never({ error: 'a metadata document must not contain a client_secret' }).optional(),
})

/** Fetches, checks and returns the client described by the document at `clientId`. */
export async function fetchClientMetadataDocument(clientId: string, now: number, options: FetchOptions): Promise<Client> {
  const problem = clientIdUrlProblem(clientId, options.allowLoopback)
  if (problem) throw new ClientMetadataDocumentError(problem)
  const { body, headers } = await fetchJson(new URL(clientId), options)
  const parsed = ClientMetadataDocument.safeParse(body)
  if (!parsed.success)
    throw new ClientMetadataDocumentError(`the client's metadata document is not acceptable: ${parsed.error.issues[0]?.message}`)
  const document = parsed.data
  // draft §4: the document's client_id equals its URL, by simple string comparison.
  if (document.client_id !== clientId) throw new ClientMetadataDocumentError("the document's client_id is not the URL it was fetched from")
  for (const uri of document.redirect_uris) {
    const why = redirectUriProblem(uri)
    if (why) throw new ClientMetadataDocumentError(`the client's metadata document lists a bad redirect URI: ${why}`)
  }
  return {
    client_id: clientId,
    secret_hash: null,
    token_endpoint_auth_method: 'none',
    redirect_uris: document.redirect_uris,
    grant_types: document.grant_types ?? ['authorization_code'], // RFC 7591 §2 default
    response_types: document.response_types ?? ['code'],
    client_name: document.client_name ?? null,
    source: 'metadata_document',
    issued_at: now,
    cached_until: now + cacheLifetime(headers, now),
  }
}

/**
 * GET the URL with every guard on: resolve the host once and connect only to vetted
 * addresses (so DNS cannot answer differently between check and connect), no redirects,
 * a deadline, a size limit counted while the body streams in, and a JSON content type.
 */
async function fetchJson(url: URL, options: FetchOptions): Promise<{ body: unknown; headers: IncomingHttpHeaders }> {
  const timeoutMs = options.timeoutMs ?? 3000
  const maxBytes = options.maxBytes ?? 5 * 1024
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: { address: string; family: number }[]
  try {
    addresses = await lookup(host, { all: true, verbatim: true })
  } catch {
    throw new ClientMetadataDocumentError(`the client id's host ${url.hostname} does not resolve`)
  }
  // Every address must be acceptable: one private answer among public ones is still a way in.
  if (addresses.length === 0 || !addresses.every((a) => isFetchableAddress(a.address, options.allowLoopback))) {
    throw new ClientMetadataDocumentError(
      `the client id's host ${url.hostname} is a private, loopback or reserved address; this server will not fetch it`,
    )
  }
  // The connection may only go to the addresses just vetted (Node tries them in turn when it asks for all).
  const pinnedLookup: LookupFunction = (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, addresses)
    else callback(null, addresses[0].address, addresses[0].family)
  }

  return new Promise((resolve, reject) => {
    const fail = (message: string) => {
      clearTimeout(timer)
      request.destroy()
      reject(new ClientMetadataDocumentError(message))
    }
    const timer = setTimeout(() => fail(`fetching the client's metadata document took longer than ${timeoutMs / 1000} s`), timeoutMs)
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest
    const request = send(
      url,
      { method: 'GET', headers: { Accept: 'application/json' }, lookup: pinnedLookup, agent: false },
      (res: IncomingMessage) => {
        // No redirects: one could lead anywhere, including past the address check.
        if (res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400)
          return fail(`the client's metadata document answered with a redirect (HTTP ${res.statusCode}), which is not followed`)
        if (res.statusCode !== 200) return fail(`the client's metadata document answered HTTP ${res.statusCode}`)
        if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(res.headers['content-type'] ?? '')) {
          return fail("the client's metadata document is not served as application/json")
        }
        if (Number(res.headers['content-length'] ?? 0) > maxBytes)
          return fail(`the client's metadata document is larger than ${maxBytes} bytes`)
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxBytes) return fail(`the client's metadata document is larger than ${maxBytes} bytes`)
          chunks.push(chunk)
        })
        res.on('error', () => fail("the client's metadata document could not be read"))
        res.on('end', () => {
          clearTimeout(timer)
          try {
            resolve({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')), headers: res.headers })
          } catch {
            reject(new ClientMetadataDocumentError("the client's metadata document is not valid JSON"))
          }
        })
      },
    )
    request.on('error', () => {
      clearTimeout(timer)
      reject(new ClientMetadataDocumentError(`the client's metadata document could not be fetched from ${url.host}`))
    })
    request.end()
  })
}
