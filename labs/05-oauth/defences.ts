// The defences this lab is meant to have, in the words of lab 8's attacks (labs/08-attacks/attacks/types.ts).
// `npm run step 8 -- --target <this lab>` fails if an attack gets through one of them; the others are lessons to come.
import type { Defence } from '../08-attacks/attacks/types.ts'

export const defences: Defence[] = [
  'origin-check', // origin.ts: a foreign Origin gets 403 (DNS rebinding, web pages)
  'host-check', // server.ts: localhostHostValidation refuses a Host that is not this machine
  'json-only', // errors.ts: requireJsonBody, so only a body we parsed is executed
  'body-limit', // server.ts: express.json({ limit: '64kb' }), counted after inflating
  'parse-errors', // errors.ts: jsonErrors turns bad bodies into 4xx JSON-RPC errors
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
  'canonical-metadata', // metadata.ts: URLs from config.ts, never from the request's headers
  'scope-gate', // scopes.ts: requireScopes judges every parsed message
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
