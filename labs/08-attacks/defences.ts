// Which defences each lab is meant to have, in the words of the attacks (attacks/types.ts), and where
// each one lives in that lab's code. `npm run step 8 -- --target N` fails when an attack gets through a
// defence lab N has; an attack that gets through a defence lab N does not have yet is the lesson to come.
// This table is lab 8's own bookkeeping: the labs themselves know nothing of it.
import type { Defence } from './attacks/types.ts'

// Lab 1: who may talk to the server at all.
const transport: Defence[] = [
  'origin-check', // origin.ts: a foreign Origin gets 403 (DNS rebinding, web pages)
  'host-check', // server.ts: localhostHostValidation refuses a Host that is not this machine
  'json-only', // errors.ts: requireJsonBody, so only a body we parsed is executed
  'body-limit', // server.ts: express.json({ limit: '64kb' }), counted after inflating
  'parse-errors', // errors.ts: jsonErrors turns bad bodies into 4xx JSON-RPC errors
  'connection-limits', // serve.ts: headersTimeout, requestTimeout and maxConnections
  'era-check', // mcp.ts: createMcpHandler refuses headers that disagree with the envelope or the body
]

// Lab 2: the access token, verified by hand.
const bearer: Defence[] = [
  'bearer-required', // bearer.ts: no, foreign or malformed credentials get a 401/400 challenge
  'header-only', // bearer.ts: a token in the URL gets 400 invalid_request
  'alg-allow-list', // bearer.ts: algorithms: ['RS256']
  'signature-check', // bearer.ts: jwtVerify with our own key set
  'no-header-keys', // bearer.ts: trustedKeysOnly refuses jwk, jku, x5u, x5c
  'kid-check', // bearer.ts: trustedKeysOnly requires a kid from our key set
  'typ-check', // bearer.ts: typ: 'at+jwt'
  'lifetime-check', // bearer.ts: requiredClaims exp (and nbf when present)
  'claims-check', // bearer.ts: AccessTokenClaims requires sub, client_id, jti
  'issuer-check', // bearer.ts: issuer, byte for byte
  'audience-check', // bearer.ts: audience = this server's MCP URL
]

// Lab 3: discovery.
const metadata: Defence[] = [
  'canonical-metadata', // metadata.ts: URLs from config.ts, never from the request's headers
]

// Lab 4: the scope gate.
const gate: Defence[] = [
  'scope-gate', // scopes.ts: requireScopes judges every parsed message
]

// Lab 5: the hand-written authorization server, in the same process.
const handWritten: Defence[] = [
  'revocation', // oauth/revoke.ts: revoking a refresh token ends its grant
  'live-token-check', // bearer.ts: isActive asks the authorization server about the jti
  'pkce-s256', // oauth/authorize.ts, oauth/grant-authorization-code.ts, oauth/pkce.ts
  'code-single-use', // oauth/grant-authorization-code.ts: a replay revokes the grant
  'client-binding', // codes, refresh tokens, /revoke and /introspect check the client
  'code-binding', // oauth/grant-authorization-code.ts: redirect_uri and resource as at /authorize
  'exact-redirect-uri', // oauth/redirect-uris.ts: exact strings, loopback port only
  'no-open-redirect', // oauth/authorize.ts: client and redirect URI checked before any redirect
  'resource-indicator', // oauth/authorize.ts, oauth/grant-refresh-token.ts: only this resource
  'refresh-rotation', // oauth/grant-refresh-token.ts: reuse revokes the grant
  'refresh-scope', // oauth/grant-refresh-token.ts: narrow, never widen
  'consent-integrity', // oauth/csrf.ts, oauth/pending.ts, oauth/consent.ts
  'anti-framing', // oauth/pages.ts: X-Frame-Options DENY, frame-ancestors 'none'
  'ssrf-guard', // oauth/client-metadata-document.ts, oauth/ssrf.ts
  'registration-checks', // oauth/register.ts, oauth/redirect-uris.ts
  'introspection-auth', // oauth/introspect.ts: confidential clients only
]

// Lab 7: the authorization server is now oidc-provider, in its own process (idp/): configuration, not code.
const certified: Defence[] = [
  'revocation', // idp/provider.ts: revocation enabled; a revoked refresh token ends its grant
  'pkce-s256', // idp/provider.ts: pkce.required, S256 only
  'code-single-use', // oidc-provider: a reused code is refused and its grant revoked
  'client-binding', // oidc-provider: codes, refresh tokens and revocation check the client
  'code-binding', // oidc-provider: redirect_uri and resource as at the authorization request
  'exact-redirect-uri', // oidc-provider: exact matching; idp/provider.ts: http only on loopback
  'no-open-redirect', // idp/pages.ts renderError: a bad client or redirect_uri gets a page
  'resource-indicator', // idp/provider.ts: resourceIndicators, unknown resources → invalid_target
  'refresh-rotation', // idp/provider.ts: rotateRefreshToken; a reused one ends the grant
  'refresh-scope', // oidc-provider: a refresh cannot ask for more than was granted
  'consent-integrity', // idp/interactions.ts: CSRF token + interaction cookie; grants only the user's scopes
  'anti-framing', // idp/server.ts: X-Frame-Options DENY, frame-ancestors 'none' on every page
  'registration-checks', // oidc-provider and idp/provider.ts's redirect URI validator
  'introspection-auth', // idp/provider.ts: introspection for the resource server's own client only
  'ssrf-guard', // idp/client-id-metadata.ts, idp/ssrf.ts: a client id URL is fetched only from a public address, on port 443
  // live-token-check only with TOKEN_VALIDATION=introspection (introspection.ts asks the provider on every
  // call). By default the resource server checks JWTs offline (keys.ts), so a revoked access token works
  // until it expires (10 minutes): the trade-off in lab 7's README. (The same variable reaches the battery.)
  ...(process.env.TOKEN_VALIDATION === 'introspection' ? (['live-token-check'] as const) : []),
]

/** Each lab's defences, by its folder. Lab 6 adds a client, not a server: it runs lab 5's. */
export const LAB_DEFENCES: Readonly<Record<string, readonly Defence[]>> = {
  '01-transport': transport,
  '02-jwks': [...transport, ...bearer],
  '03-metadata': [...transport, ...bearer, ...metadata],
  '04-scopes': [...transport, ...bearer, ...metadata, ...gate],
  '05-oauth': [...transport, ...bearer, ...metadata, ...gate, ...handWritten],
  '07-idp': [...transport, ...bearer, ...metadata, ...gate, ...certified],
}
