// POST /revoke (RFC 7009): a client says it no longer needs a token, e.g. when the user signs out.
import type { RequestHandler } from 'express'
import { z } from 'zod'
import { authenticateClient } from './clients.ts'
import { type Context, nowSeconds } from './context.ts'
import { OAuthError } from './errors.ts'
import { identifyToken } from './presented-token.ts'

const Params = z.object({
  token: z.string().min(1).max(5000),
  token_type_hint: z.string().max(100).optional(),
})

export function revoke(context: Context): RequestHandler {
  return async (req, res) => {
    // RFC 7009 §2.1: the client authenticates as at /token (public clients send their client_id).
    const client = authenticateClient(req, context, { allowPublic: true })
    const parsed = Params.safeParse(req.body)
    if (!parsed.success) throw new OAuthError('invalid_request', 'token is required, once')
    const found = await identifyToken(context, parsed.data.token)
    // A client may revoke only its own tokens. Another client's token is left alone, silently,
    // so this endpoint cannot be used to learn whether some token exists.
    if (found !== undefined && found.token.client_id === client.client_id) {
      const now = nowSeconds(context)
      // RFC 7009 §2.1: revoking a refresh token ends the grant, and with it every access token issued from it.
      if (found.kind === 'refresh_token') context.store.revokeGrant(found.grant.id, now, 'refresh token revoked by the client')
      // An access token is a JWT the resource server verifies offline; recording its jti as
      // revoked is what makes the resource server's isAccessTokenActive() say no.
      else context.store.revokeAccessToken(found.token.jti, now)
    }
    // RFC 7009 §2.2: 200 whether or not the token was known: an invalid token needs no revoking.
    res.status(200).end()
  }
}
