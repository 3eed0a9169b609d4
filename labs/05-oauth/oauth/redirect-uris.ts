// Redirect URIs: which ones a client may register, and when a request's URI matches a registered one.
// The redirect URI is where the code goes: a loose rule here hands codes to an attacker.
import { classifyAddress } from './ssrf.ts'

/** The loopback IP literals a native app listens on (RFC 8252 §7.3, §8.3: not "localhost"). */
const LOOPBACK_IP = /^http:\/\/(127\.0\.0\.1|\[::1\])(:\d{1,5})?(?=[/?#]|$)/

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost'])

/**
 * Why `uri` cannot be registered, or undefined if it can (OAuth 2.1 §2.3.1, §8.4.2; RFC 7591 §2).
 * Allowed: https URLs, and http URLs on this machine (loopback) for native and CLI clients.
 */
export function redirectUriProblem(uri: string): string | undefined {
  // #region exercise: redirect-uri-rules
  let url: URL
  try {
    url = new URL(uri)
  } catch {
    return 'a redirect URI must be an absolute URL'
  }
  // RFC 6749 §3.1.2: the redirect URI MUST NOT include a fragment component.
  if (uri.includes('#')) return 'a redirect URI must not contain a fragment (#)'
  // javascript:, data:, file:, custom schemes… only the two web schemes are accepted here.
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `the ${url.protocol} scheme is not allowed; use https (or http on 127.0.0.1)`
  // OAuth 2.1 §1.5, §8.4.2: plain http only when the traffic never leaves the machine.
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname))
    return 'http is only allowed for loopback hosts (127.0.0.1, [::1], localhost); use https'
  if (url.username !== '' || url.password !== '') return 'a redirect URI must not contain a user name or password'
  return undefined
  // #endregion
}

/** Is the URI's host this machine (127.0.0.0/8, [::1], localhost)? Whatever program listens there gets the code. */
export function isLoopbackUri(uri: string): boolean {
  const host = URL.parse(uri)?.hostname.replace(/^\[|\]$/g, '')
  return host !== undefined && (host === 'localhost' || host.endsWith('.localhost') || classifyAddress(host) === 'loopback')
}

/**
 * OAuth 2.1 §4.1.1 (and §2.3.1): compare redirect URIs as exact strings, with one exception.
 * RFC 8252 §7.3: a loopback IP redirect may use any port, because a native app gets a free
 * port from the OS each time it runs. Only the port may differ, nothing else: not the
 * scheme, the host, the path, a trailing slash, the case, or the query.
 */
export function redirectUriMatches(requested: string, registered: string): boolean {
  if (requested === registered) return true
  if (!LOOPBACK_IP.test(requested) || !LOOPBACK_IP.test(registered)) return false
  if (!URL.canParse(requested)) return false // e.g. port 99999
  return withoutLoopbackPort(requested) === withoutLoopbackPort(registered)
}

function withoutLoopbackPort(uri: string): string {
  return uri.replace(LOOPBACK_IP, 'http://$1')
}

/** OAuth 2.1 §4.1.1: with several registered URIs the request must name one; with one, it may leave it out. */
export function chooseRedirectUri(requested: string | undefined, registered: string[]): string | undefined {
  if (requested === undefined) return registered.length === 1 ? registered[0] : undefined
  return registered.some((uri) => redirectUriMatches(requested, uri)) ? requested : undefined
}
