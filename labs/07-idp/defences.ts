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
  // The authorization server is now oidc-provider, in its own process (idp/): configuration, not code.
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
  // until it expires (10 minutes): the trade-off in the README. (The same variable reaches the battery.)
  ...(process.env.TOKEN_VALIDATION === 'introspection' ? (['live-token-check'] as const) : []),
]
