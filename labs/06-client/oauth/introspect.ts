// POST /introspect (RFC 7662): "is this token active, and what does it allow?"
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

const INACTIVE = { active: false } as const

/**
 * RFC 7662 §2.1: the caller must authenticate, or anyone could scan for live tokens (§4).
 * Here the caller is a confidential client (HTTP Basic or client_secret_post), and it learns
 * only about tokens issued to itself; every other token is simply inactive (§2.2 lets the
 * server decide what each caller may see). A resource server in another process would get
 * its own credentials for this (lab 7); lab 5's resource server asks in process instead.
 */
export function introspect(context: Context): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store')
    const caller = authenticateClient(req, context, { allowPublic: false })
    const parsed = Params.safeParse(req.body)
    if (!parsed.success) throw new OAuthError('invalid_request', 'token is required, once')
    const found = await identifyToken(context, parsed.data.token)
    if (found === undefined || found.token.client_id !== caller.client_id) return res.json(INACTIVE)

    const now = nowSeconds(context)
    const { grant } = found
    const common = { client_id: grant.client_id, sub: grant.sub, aud: grant.resource, iss: context.issuer }
    if (found.kind === 'access_token') {
      const { token } = found
      if (!context.store.isAccessTokenActive(token.jti, now)) return res.json(INACTIVE)
      return res.json({
        active: true,
        token_type: 'Bearer',
        scope: token.scope,
        ...common,
        exp: token.expires_at,
        iat: token.issued_at,
        jti: token.jti,
      })
    }
    const { token } = found
    // §2.2: expired, rotated away, or from a revoked grant: all the same answer.
    if (token.used_at !== null || token.expires_at <= now || grant.revoked_at !== null) return res.json(INACTIVE)
    res.json({ active: true, token_type: 'refresh_token', scope: token.scope, ...common, exp: token.expires_at })
  }
}
