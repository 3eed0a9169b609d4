// The Bearer scheme (RFC 6750): every request to /mcp must carry a valid access token.
import type { RequestHandler, Response } from 'express'
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose'
import { z } from 'zod'
import type { Caller } from './notes.ts'

export interface BearerOptions {
  issuer: string
  /** this server's canonical URL: a token for anyone else is not for us (RFC 8707, MCP "token passthrough") */
  audience: string
  keys: JSONWebKeySet
  /** the parameters every challenge carries (RFC 6750 §3), e.g. { realm: 'mcp' } */
  challenge: Record<string, string>
}

// RFC 9068 §2.2: the claims an access token must carry. Checked with zod at the boundary.
const AccessTokenClaims = z.object({
  sub: z.string().min(1),
  client_id: z.string().min(1),
  jti: z.string().min(1),
  scope: z.string().default(''),
})

// RFC 6750 §2.1: b64token syntax
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i

export function requireBearer(options: BearerOptions): RequestHandler {
  const getKey = trustedKeysOnly(createLocalJWKSet(options.keys))
  const challenge = (res: Response, status: 400 | 401, error?: string, error_description?: string) =>
    sendChallenge(res, status, { ...options.challenge, error, error_description })
  return async (req, res, next) => {
    // OAuth 2.1 §5.2: tokens travel in the header only, never in the URL, where logs keep them.
    if (new URL(req.originalUrl, 'http://x').searchParams.has('access_token')) {
      return challenge(res, 400, 'invalid_request', 'Send the token in the Authorization header, not in the URL')
    }
    const header = req.headers.authorization
    // RFC 6750 §3.1: a request without credentials gets a challenge with no error code.
    if (header === undefined || !/^bearer(\s|$)/i.test(header)) return challenge(res, 401)
    const token = BEARER.exec(header)?.[1]
    if (token === undefined) return challenge(res, 400, 'invalid_request', 'The Authorization header is not Bearer followed by one token')
    try {
      // #region exercise: verify-token
      const { payload } = await jwtVerify(token, getKey, {
        algorithms: ['RS256'], // RFC 8725 §3.1: an allow-list, so "none" and HS256 are refused
        typ: 'at+jwt', // RFC 9068 §4: an ID token or other JWT is not an access token
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['exp', 'iat'], // nbf, when present, is checked too (RFC 7519 §4.1.5)
      })
      const claims = AccessTokenClaims.parse(payload)
      const caller: Caller = { sub: claims.sub, scopes: claims.scope.split(' ').filter(Boolean) }
      res.locals.caller = caller
      // #endregion
      next()
    } catch (error) {
      // Fail closed: any surprise while verifying means "no". The reason goes to the client, never the token.
      return challenge(res, 401, 'invalid_token', describe(error))
    }
  }
}

/** RFC 8725 §3.10/§2.4: never use keys named by the token itself (jwk, jku, x5u, x5c); require a kid we know. */
function trustedKeysOnly(jwks: JWTVerifyGetKey): JWTVerifyGetKey {
  return (header, token) => {
    if ('jwk' in header || 'jku' in header || 'x5u' in header || 'x5c' in header) {
      throw new errors.JOSENotSupported('keys supplied by the token are not trusted')
    }
    if (typeof header.kid !== 'string') throw new errors.JWKSNoMatchingKey('the token names no key (kid)')
    return jwks(header, token)
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired'
  if (error instanceof errors.JWTClaimValidationFailed) return `The token's ${error.claim} claim is not acceptable`
  if (error instanceof errors.JWKSNoMatchingKey) return 'The token is not signed by a key this server knows'
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is not signed with RS256'
  if (error instanceof z.ZodError) return 'The token lacks sub, client_id or jti'
  return 'The token is not valid'
}

/** RFC 6750 §3: the challenge, with an error code only when credentials were sent.
 *  Values are fixed strings without quotes or backslashes, so they need no escaping. */
export function sendChallenge(res: Response, status: number, params: Record<string, string | undefined>): void {
  // #region exercise: challenge
  const header = Object.entries(params)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}="${value}"`)
    .join(', ')
  res.status(status).set('WWW-Authenticate', `Bearer ${header}`)
  res.json(
    params.error
      ? { error: params.error, error_description: params.error_description }
      : { error_description: 'This server needs an access token: see WWW-Authenticate' },
  )
  // #endregion
}
