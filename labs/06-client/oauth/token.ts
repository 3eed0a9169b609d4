// POST /token (OAuth 2.1 §3.2): the back channel where codes and refresh tokens become access tokens.
import type { RequestHandler } from 'express'
import { z } from 'zod'
import { authenticateClient } from './clients.ts'
import type { Context } from './context.ts'
import { OAuthError } from './errors.ts'
import { authorizationCodeGrant } from './grant-authorization-code.ts'
import { refreshTokenGrant } from './grant-refresh-token.ts'

const GrantType = z.object({ grant_type: z.string().max(100) })

export function token(context: Context): RequestHandler {
  return async (req, res) => {
    // OAuth 2.1 §3.2.3: tokens must not be cached by anything between us and the client.
    res.set('Cache-Control', 'no-store')
    const client = authenticateClient(req, context, { allowPublic: true })
    const parsed = GrantType.safeParse(req.body ?? {})
    if (!parsed.success) throw new OAuthError('invalid_request', 'grant_type is required (as application/x-www-form-urlencoded)')
    switch (parsed.data.grant_type) {
      case 'authorization_code':
        return res.json(await authorizationCodeGrant(req, context, client))
      case 'refresh_token':
        return res.json(await refreshTokenGrant(req, context, client))
      default:
        // OAuth 2.1 dropped the implicit and password grants; client_credentials is not offered here.
        throw new OAuthError('unsupported_grant_type', 'Use authorization_code or refresh_token')
    }
  }
}
