// grant_type=refresh_token (OAuth 2.1 §4.3): new tokens for an existing grant, rotating the refresh token.
import type { Request } from 'express'
import { z } from 'zod'
import { type Context, nowSeconds } from './context.ts'
import { OAuthError } from './errors.ts'
import { type TokenResponse, issueTokens } from './issue.ts'
import { sha256 } from './secrets.ts'
import type { Client } from './store.ts'

const Params = z.object({
  refresh_token: z.string().min(1).max(200),
  scope: z.string().max(1000).optional(),
  resource: z.string().max(2000).optional(),
})

const invalidGrant = (description: string) => new OAuthError('invalid_grant', description)

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
  // OAuth 2.1 §4.3.1, RFC 9700 §4.14.2: a rotated token coming back means two parties hold the
  // family, the client and a thief, and the server cannot tell which is which: end the whole grant.
  if (token.used_at !== null) {
    context.store.revokeGrant(grant.id, now, 'rotated refresh token reused')
    throw invalidGrant('The refresh token was already used; every token of this grant is now revoked')
  }
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
  if (params.resource !== undefined && params.resource !== grant.resource)
    throw new OAuthError('invalid_target', "resource differs from the grant's")

  // Rotation: the old refresh token is marked used, and a new one issued (OAuth 2.1 §4.3.1).
  if (!context.store.useRefreshToken(hash, now)) {
    context.store.revokeGrant(grant.id, now, 'rotated refresh token reused')
    throw invalidGrant('The refresh token was already used; every token of this grant is now revoked')
  }
  return issueTokens(context, grant, scope, token.scope)
}
