// Minting tokens for a grant: an RFC 9068 JWT access token, and a rotating refresh token.
import { randomUUID } from 'node:crypto'
import { SignJWT } from 'jose'
import { type Context, LIFETIMES, nowSeconds } from './context.ts'
import { randomToken, sha256 } from './secrets.ts'
import type { Grant, IssuedTokens } from './store.ts'

/** RFC 6749 §5.1 (OAuth 2.1 §3.2.3): the successful token response. */
export interface TokenResponse {
  access_token: string
  token_type: 'Bearer'
  expires_in: number
  scope: string
  refresh_token?: string
}

/**
 * `scope`: what this access token may do (a refresh may narrow it).
 * `refreshScope`: the scope of the new refresh token, or undefined for none. RFC 6749 §6:
 * a rotated refresh token keeps the scope of the one it replaces, even if the access token is narrower.
 * Only signs: the caller records `tokens` in the same transaction as what they replace (a code, a refresh
 * token), so a crash cannot leave a code or refresh token used up with nothing recorded in its place.
 */
export async function mintTokens(
  context: Context,
  grant: Grant,
  scope: string,
  refreshScope: string | undefined,
): Promise<{ response: TokenResponse; tokens: IssuedTokens }> {
  const now = nowSeconds(context)
  const jti = randomUUID()
  const expiresAt = now + LIFETIMES.accessToken
  // RFC 9068 §2: typ "at+jwt", and iss, sub, aud, exp, iat, jti, client_id, scope.
  // aud is the one resource of the grant (RFC 8707 §2): the token is useless at any other server.
  const accessToken = await new SignJWT({ client_id: grant.client_id, scope })
    .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: context.signingKey.kid })
    .setIssuer(context.issuer)
    .setSubject(grant.sub)
    .setAudience(grant.resource)
    .setIssuedAt(now)
    .setExpirationTime(expiresAt)
    .setJti(jti)
    .sign(context.signingKey.privateKey)
  // The jti is recorded so the resource server and /introspect can tell revoked tokens apart.
  const tokens: IssuedTokens = {
    access: {
      jti,
      grant_id: grant.id,
      client_id: grant.client_id,
      sub: grant.sub,
      scope,
      issued_at: now,
      expires_at: expiresAt,
      revoked_at: null,
    },
  }

  const response: TokenResponse = { access_token: accessToken, token_type: 'Bearer', expires_in: LIFETIMES.accessToken, scope }
  if (refreshScope !== undefined) {
    const refreshToken = randomToken()
    tokens.refresh = {
      hash: sha256(refreshToken),
      grant_id: grant.id,
      client_id: grant.client_id,
      scope: refreshScope,
      expires_at: now + LIFETIMES.refreshToken,
      used_at: null,
      successor: null,
      access_jti: jti,
    }
    response.refresh_token = refreshToken
  }
  return { response, tokens }
}
