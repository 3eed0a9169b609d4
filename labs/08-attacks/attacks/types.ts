// What an attack is: a small function run against a lab's server, the rule that should stop it,
// and the one defence (from a fixed vocabulary) whose job that is.
import type { AttackContext } from '../context.ts'

/** What the attacks target, in the order the battery prints them. */
export const GROUPS = {
  transport: 'who may talk to the server at all: Origin, Host, content types',
  tokens: 'forged, altered and malformed access tokens',
  audience: 'real tokens in the wrong place: issuer and audience tricks, token passthrough',
  discovery: 'what the metadata and the challenge advertise',
  gate: 'a valid token doing more than its scopes allow',
  'pkce-and-codes': 'stealing, replaying and redirecting authorization codes',
  redirects: 'sending the code, or the user, somewhere else',
  refresh: 'refresh tokens, revocation and introspection',
  consent: 'the sign-in and consent pages',
  'client-metadata': 'client registration: metadata documents (SSRF) and dynamic registration',
  inputs: 'oversized and malformed requests',
} as const

export type Group = keyof typeof GROUPS

/**
 * The vocabulary of defences. Each lab's defences.ts lists the ones it is meant to have;
 * an attack that gets through one of those is a bug, one that gets through any other is the lesson.
 */
export const DEFENCES = {
  // the transport (lab 1)
  'origin-check': 'a present, foreign Origin is refused (MCP transports: DNS rebinding, CSRF from web pages)',
  'host-check': 'a Host that is not this machine is refused (DNS rebinding)',
  'json-only': 'only a body the server parsed as JSON itself is executed',
  'body-limit': 'bodies are size-limited while they are read, compressed or not',
  'parse-errors': 'garbage gets a 4xx: never a 5xx, a crash or a hang',
  'connection-limits': 'a client that trickles its request is cut off, and open connections are capped',
  'era-check': "a 2026-07-28 request's headers and _meta envelope must agree with each other and the body (the SDK's check)",
  // the access token (lab 2)
  'bearer-required': 'no credentials, another scheme or a malformed header: nothing runs',
  'header-only': 'tokens travel in the Authorization header, never in the URL',
  'alg-allow-list': 'RS256 only: "none" and HS256 are refused (RFC 8725 §3.1)',
  'signature-check': "the signature must verify with the issuer's published key",
  'no-header-keys': 'keys a token names itself (jwk, jku, x5u, x5c) are never used',
  'kid-check': 'a token must name (kid) a key the issuer publishes',
  'typ-check': 'typ must be at+jwt: an ID token is not an access token',
  'lifetime-check': 'exp is required and checked; nbf is honoured',
  'claims-check': 'sub, client_id and jti are required (RFC 9068 §2.2)',
  'issuer-check': 'iss is the issuer, byte for byte',
  'audience-check': 'aud is this resource: tokens for anyone else are refused (no passthrough)',
  // discovery (lab 3)
  'canonical-metadata': 'metadata and challenges name the configured URLs, never ones taken from the request',
  // the scope gate (lab 4)
  'scope-gate': 'every message that runs (batches, notifications included) needs its scope',
  // the authorization server (lab 5)
  revocation: 'a revoked refresh token, or any token of a revoked grant, is refused by the authorization server',
  'live-token-check': 'the resource server asks whether an access token still stands, so revocation bites at once',
  'pkce-s256': 'PKCE is required, S256 only, and the verifier must match',
  'code-single-use': 'a code works once; a second redemption kills the tokens of the first',
  'client-binding': 'codes and refresh tokens work only for their client; clients see only their own tokens',
  'code-binding': 'at /token, redirect_uri and resource must be the ones the code was issued for',
  'exact-redirect-uri': 'redirect URIs are compared as exact strings (only a loopback port may vary)',
  'no-open-redirect': 'an untrusted client or redirect URI gets an error page, never a redirect',
  'resource-indicator': "tokens are issued only for this server's resource (RFC 8707)",
  'refresh-rotation': 'refresh tokens rotate; a reused one ends the whole grant',
  'refresh-scope': 'a refresh can narrow the scope, never widen it',
  'consent-integrity': "consent comes from this browser's own form, after sign-in, for at most the user's scopes",
  'anti-framing': 'the sign-in and consent pages cannot be framed (clickjacking)',
  'ssrf-guard': 'client ID metadata URLs that point inside (loopback, private) are never fetched',
  'registration-checks': 'dynamic registration refuses dangerous redirect URIs',
  'introspection-auth': 'introspection answers only authenticated callers',
} as const

export type Defence = keyof typeof DEFENCES

export type Outcome = { outcome: 'blocked' | 'got through' | 'n/a'; evidence: string }

export interface Attack {
  id: string
  title: string
  group: Group
  defence: Defence
  /** the rule that should stop it: an RFC or MCP section */
  rule: string
  run(ctx: AttackContext): Promise<Outcome>
}

/** The target stopped it; the evidence says how (status, error code). */
export const blocked = (evidence: string): Outcome => ({ outcome: 'blocked', evidence })
/** The attacker achieved something observable: a tool ran, a token was issued, a redirect went to them… */
export const gotThrough = (evidence: string): Outcome => ({ outcome: 'got through', evidence })
/** The target has nothing to attack here (no /authorize on lab 3, no token check on lab 1…). */
export const notApplicable = (evidence: string): Outcome => ({ outcome: 'n/a', evidence })
