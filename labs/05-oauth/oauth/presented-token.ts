// /revoke and /introspect receive "a token": find out which of ours it is, if any.
import { jwtVerify } from 'jose'
import { type Context } from './context.ts'
import { sha256 } from './secrets.ts'
import type { AccessToken, Grant, RefreshToken } from './store.ts'

export type PresentedToken =
  { kind: 'refresh_token'; hash: string; token: RefreshToken; grant: Grant } | { kind: 'access_token'; token: AccessToken; grant: Grant }

/**
 * A JWT is ours only if our key signed it for our issuer and we recorded its jti; anything
 * else (garbage, expired, forged, another issuer's) is undefined. Refresh tokens are looked up
 * by hash. The token_type_hint is not needed: the two kinds cannot be confused (RFC 7009 §2.1
 * makes the hint optional, and the server must look further when it is wrong).
 */
export async function identifyToken(context: Context, value: string): Promise<PresentedToken | undefined> {
  if (value.split('.').length === 3) {
    try {
      const { payload } = await jwtVerify(value, context.signingKey.publicKey, {
        algorithms: ['RS256'],
        typ: 'at+jwt',
        issuer: context.issuer,
        currentDate: new Date(context.clock()),
      })
      const token = typeof payload.jti === 'string' ? context.store.findAccessToken(payload.jti) : undefined
      const grant = token && context.store.findGrant(token.grant_id)
      return token && grant ? { kind: 'access_token', token, grant } : undefined
    } catch {
      return undefined
    }
  }
  const hash = sha256(value)
  const token = context.store.findRefreshToken(hash)
  const grant = token && context.store.findGrant(token.grant_id)
  return token && grant ? { kind: 'refresh_token', hash, token, grant } : undefined
}
