// grant_type=refresh_token (OAuth 2.1 §4.3): new tokens for an existing grant, rotating the refresh token.
import type { Request } from 'express'
import { z } from 'zod'
import { REFRESH_REUSE_INTERVAL_S } from '../config.ts'
import { type Context, nowSeconds } from './context.ts'
import { OAuthError } from './errors.ts'
import { type TokenResponse, mintTokens } from './issue.ts'
import { sameResource } from './resource.ts'
import { sha256 } from './secrets.ts'
import type { Client, RefreshToken } from './store.ts'

const Params = z.object({
  refresh_token: z.string().min(1).max(200),
  scope: z.string().max(1000).optional(),
  resource: z.string().max(2000).optional(),
})

const invalidGrant = (description: string) => new OAuthError('invalid_grant', description)

/**
 * The reuse interval, in seconds. Rotating a token and answering are two events: the rotation is
 * committed, then the answer travels. When the answer is lost (the server dies, the network drops
 * it, the client times out), the client still holds the old token and rightly sends the same request
 * again. Without an interval that honest retry looks like a thief's replay and ends the grant: the
 * user signs in again for a network hiccup. Inside the interval, the token just rotated yields a
 * successor again and the previous successor dies, so at most one successor is ever live. (Auth0
 * calls this the refresh token reuse interval, Okta the grace period.)
 * 60 s covers a client's usual timeout (30 s) and one retry, or a crashed server's restart, and is
 * short next to a stolen token's useful life. The price: README, "Refresh tokens: a thief, or a lost answer?".
 * REFRESH_REUSE_INTERVAL_S in config.ts sets it (defaults to 60 s).
 */
export const REUSE_INTERVAL = REFRESH_REUSE_INTERVAL_S

/** What presenting `token` at `now` is: its first rotation, a retry of that rotation, or reuse. */
function presentation(context: Context, token: RefreshToken, now: number): 'rotation' | 'retry' | 'reuse' {
  // #region exercise: rotate-refresh
  if (token.used_at === null) return 'rotation'
  // A retry: soon after the rotation, and the successor it issued was never used (so its answer
  // may well have been lost). A replaced successor (successor null) or a token two rotations back is reuse.
  const successor = token.successor === null ? undefined : context.store.findRefreshToken(token.successor)
  return now < token.used_at + REUSE_INTERVAL && successor?.used_at === null ? 'retry' : 'reuse'
  // #endregion
}

export async function refreshTokenGrant(req: Request, context: Context, client: Client): Promise<TokenResponse> {
  const parsed = Params.safeParse(req.body)
  if (!parsed.success) throw new OAuthError('invalid_request', 'refresh_token is required, and no parameter may repeat')
  const params = parsed.data
  const now = nowSeconds(context)
  const hash = sha256(params.refresh_token)
  const token = context.store.findRefreshToken(hash)
  const grant = token && context.store.findGrant(token.grant_id)
  if (token === undefined || grant === undefined) throw invalidGrant('The refresh token is unknown')

  // RFC 6749 §6: a refresh token is bound to the client it was issued to.
  if (token.client_id !== client.client_id) throw invalidGrant('The refresh token was issued to another client')
  // OAuth 2.1 §4.3.1, RFC 9700 §4.14.2: a rotated token coming back (other than as a retry) means two
  // parties hold the family, the client and a thief, and the server cannot tell which is which: end the whole grant.
  const reused = () => {
    context.store.revokeGrant(grant.id, now, 'rotated refresh token reused')
    return invalidGrant('The refresh token was already used; every token of this grant is now revoked')
  }
  if (presentation(context, token, now) === 'reuse') throw reused()
  if (grant.revoked_at !== null) throw invalidGrant('The grant was revoked')
  if (token.expires_at <= now) throw invalidGrant('The refresh token has expired')
  if (!client.grant_types.includes('refresh_token'))
    throw new OAuthError('unauthorized_client', 'This client did not register the refresh_token grant')

  // RFC 6749 §6: the scope may be narrowed for this access token, never widened.
  const allowed = token.scope.split(' ')
  const requested = params.scope?.split(' ').filter(Boolean) ?? []
  const wider = requested.find((s) => !allowed.includes(s))
  if (wider !== undefined) throw new OAuthError('invalid_scope', `The grant does not include ${wider.slice(0, 50)}`)
  const scope = requested.length > 0 ? [...new Set(requested)].join(' ') : token.scope
  // RFC 8707 §2.2: the grant's resource, or nothing.
  if (params.resource !== undefined && !sameResource(params.resource, grant.resource))
    throw new OAuthError('invalid_target', "resource differs from the grant's")

  // Sign first: the one step that waits. Then decide and record in one transaction, on the token as it
  // is now (a parallel request may have rotated it meanwhile): marking it used, recording its successor
  // and the new access token happen together or not at all, and the answer leaves right after.
  const { response, tokens } = await mintTokens(context, grant, scope, token.scope)
  const outcome = context.store.transaction(() => {
    const current = context.store.findRefreshToken(hash)
    if (current === undefined) return 'expired' // pruned while we were signing
    if (context.store.findGrant(grant.id)?.revoked_at !== null) return 'revoked'
    const kind = presentation(context, current, now)
    // Rotation (OAuth 2.1 §4.3.1): the old token is used up, the new one recorded as its successor.
    if (kind === 'rotation') context.store.rotateRefreshToken(hash, now, tokens)
    // A retry: this answer replaces the lost one, whose refresh and access tokens die.
    else if (kind === 'retry') context.store.replaceSuccessor(hash, context.store.findRefreshToken(current.successor!)!, now, tokens)
    return kind
  })
  if (outcome === 'expired') throw invalidGrant('The refresh token has expired')
  if (outcome === 'revoked') throw invalidGrant('The grant was revoked')
  if (outcome === 'reuse') throw reused()
  return response
}
