// Client ID metadata documents (MCP 2025-11-25 "Client Registration"; draft-ietf-oauth-client-id-metadata-document):
// the client id is an https URL, and the JSON document at that URL is the client's registration.
// oidc-provider fetches and checks the document (features.clientIdMetadataDocument); this file is
// the part a certified provider leaves to you: which URLs it may fetch, and how. The price of the
// feature is that this server fetches URLs strangers choose (server-side request forgery), so the
// rules are lab 5's (labs/05-oauth/oauth/client-metadata-document.ts), applied through oidc-provider's hooks.
import { lookup } from 'node:dns/promises'
import { request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import { isFetchableAddress } from './ssrf.ts'

export interface FetchPolicy {
  /** lab only (ALLOW_LOOPBACK_CLIENT_METADATA=1): accept https://127.0.0.1, [::1] and localhost, on any port */
  allowLoopback: boolean
  timeoutMs?: number
  maxBytes?: number
}

class RefusedUrl extends Error {
  name = 'RefusedUrl'
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

/**
 * Why this server will not fetch this client id, or undefined (draft §3, "Client Identifier").
 * oidc-provider already insists on https, no dot segments, no fragment, no user name or password.
 */
export function clientIdUrlProblem(clientId: string, policy: FetchPolicy): string | undefined {
  const url = URL.parse(clientId)
  if (url?.protocol !== 'https:') return 'a client id URL must use https'
  const loopbackHost = LOOPBACK_HOSTS.has(url.hostname)
  if (url.pathname === '/') return 'a client id URL must have a path'
  if (url.search !== '') return 'a client id URL should not contain a query string'
  // Our call: only the default https port, so a client id cannot aim our fetch at some internal
  // service's port. Real client ids are plain https URLs; the lab's loopback opt-in may use any port.
  if (url.port !== '' && !(policy.allowLoopback && loopbackHost)) return 'a client id URL must use the default https port'
  // Upper-case hosts, ":443", percent-encoded dots… must not hide behind URL normalisation:
  // the document's client_id is compared to this exact string (draft §4).
  if (url.href !== clientId) return 'a client id URL must be in normal form (lower-case host, no default port)'
  return undefined
}

/**
 * Where the URL's host resolves, if every address may be fetched (the draft's Security Considerations on SSRF, RFC 6890). One private
 * answer among public ones is still a way in, so all must pass.
 */
export async function vettedAddresses(url: URL, policy: FetchPolicy): Promise<{ address: string; family: number }[]> {
  let addresses: { address: string; family: number }[]
  try {
    addresses = await lookup(url.hostname.replace(/^\[|\]$/g, ''), { all: true, verbatim: true })
  } catch {
    throw new RefusedUrl(`the client id's host ${url.hostname} does not resolve`)
  }
  if (addresses.length === 0 || !addresses.every((a) => isFetchableAddress(a.address, policy.allowLoopback))) {
    throw new RefusedUrl(`the client id's host ${url.hostname} is a private, loopback or reserved address; this server will not fetch it`)
  }
  return addresses
}

/** features.clientIdMetadataDocument.allowFetch: the policy, checked before any connection, with a reason the user sees. */
export async function fetchRefusal(clientId: string, policy: FetchPolicy): Promise<string | undefined> {
  const problem = clientIdUrlProblem(clientId, policy)
  if (problem) return problem
  try {
    await vettedAddresses(new URL(clientId), policy)
    return undefined
  } catch (error) {
    if (error instanceof RefusedUrl) return error.message
    throw error
  }
}

/**
 * oidc-provider's `fetch` hook: every outgoing request it makes (metadata documents, a client's jwks_uri)
 * goes through here. oidc-provider's default refuses special-use addresses only once connected, when the
 * target has already been reached; this one resolves the host, vets every address, and connects only to
 * those (so DNS cannot answer differently between check and connect). No redirects, a deadline, a size
 * limit counted while the body streams in, JSON only.
 */
export function guardedFetch(policy: FetchPolicy) {
  const timeoutMs = policy.timeoutMs ?? 3000
  const maxBytes = policy.maxBytes ?? 5 * 1024 // lab 5's limit, and oidc-provider's own for documents
  return async (input: string | URL, init: { method?: string; headers?: HeadersInit; signal?: AbortSignal } = {}): Promise<Response> => {
    const url = new URL(input)
    if (url.protocol !== 'https:') throw new RefusedUrl('this server fetches https URLs only')
    if ((init.method ?? 'GET') !== 'GET') throw new RefusedUrl('this server only GETs documents')
    const addresses = await vettedAddresses(url, policy)
    const pinnedLookup: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, addresses)
      else callback(null, addresses[0].address, addresses[0].family)
    }
    const accept = new Headers(init.headers).get('accept') ?? 'application/json'

    return new Promise((resolve, reject) => {
      const fail = (message: string) => {
        clearTimeout(timer)
        request.destroy()
        reject(new RefusedUrl(message))
      }
      const timer = setTimeout(() => fail(`${url.host} took longer than ${timeoutMs / 1000} s`), timeoutMs)
      init.signal?.addEventListener('abort', () => fail(`fetching from ${url.host} was aborted`), { once: true })
      const request = httpsRequest(url, { method: 'GET', headers: { Accept: accept }, lookup: pinnedLookup, agent: false }, (res) => {
        const status = res.statusCode ?? 0
        // No redirects: one could lead anywhere, including past the address check.
        if (status >= 300 && status < 400) return fail(`${url.host} answered with a redirect (HTTP ${status}), which is not followed`)
        if (status !== 200) return fail(`${url.host} answered HTTP ${status}`)
        if (!/^application\/([\w.-]+\+)?json\s*(;|$)/i.test(res.headers['content-type'] ?? '')) {
          return fail(`${url.host} did not answer with application/json`)
        }
        if (Number(res.headers['content-length'] ?? 0) > maxBytes)
          return fail(`the document at ${url.host} is larger than ${maxBytes} bytes`)
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > maxBytes) return fail(`the document at ${url.host} is larger than ${maxBytes} bytes`)
          chunks.push(chunk)
        })
        res.on('error', () => fail(`the document at ${url.host} could not be read`))
        res.on('end', () => {
          clearTimeout(timer)
          const headers = new Headers()
          for (const name of ['content-type', 'cache-control', 'expires']) {
            const value = res.headers[name]
            if (typeof value === 'string') headers.set(name, value)
          }
          resolve(new Response(Buffer.concat(chunks), { status, headers }))
        })
      })
      request.on('error', (error) => {
        clearTimeout(timer)
        reject(new RefusedUrl(`${url.host} could not be reached: ${error.message}`))
      })
      request.end()
    })
  }
}
