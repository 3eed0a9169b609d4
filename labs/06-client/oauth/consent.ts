// POST /authorize/consent: the signed-in user allows or denies, and the browser goes back to the client.
import type { RequestHandler } from 'express'
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import { redirectToClient } from './authorization-response.ts'
import { type Context, LIFETIMES, nowSeconds } from './context.ts'
import { clearCsrfCookie } from './csrf.ts'
import { PageError } from './errors.ts'
import { pendingRequestFromForm } from './pending.ts'
import { randomToken, sha256 } from './secrets.ts'

const Decision = z.object({ decision: z.enum(['approve', 'deny']) })

export function consent(context: Context): RequestHandler {
  return (req, res) => {
    const { request } = pendingRequestFromForm(req, context)
    if (request.sub === null) throw new PageError('Sign in before deciding. Start again from the application.')
    const decision = Decision.safeParse(req.body)
    if (!decision.success) throw new PageError('Choose Allow or Deny.')
    // The pending request is single-use: whatever happens next, it is gone.
    context.store.deleteAuthorizationRequest(request.id)
    clearCsrfCookie(res, request.id)

    const user = context.users.find(request.sub)
    const granted = request.scope.split(' ').filter((s) => user?.scopes.includes(s))
    if (decision.data.decision === 'deny' || user === undefined || granted.length === 0) {
      // OAuth 2.1 §4.1.2.1: the resource owner denied the request.
      return redirectToClient(
        res,
        request.redirect_uri,
        context.issuer,
        { error: 'access_denied', error_description: 'The user denied access', state: request.state },
        303,
      )
    }

    // The grant records what was approved; the code (stored hashed) is the one-time key to it,
    // bound to this client, redirect URI, PKCE challenge and resource (OAuth 2.1 §4.1.3).
    const now = nowSeconds(context)
    const code = randomToken()
    const grant = {
      id: randomUUID(),
      client_id: request.client_id,
      sub: user.sub,
      scope: granted.join(' '),
      resource: request.resource,
      created_at: now,
      revoked_at: null,
    }
    context.store.saveGrantWithCode(grant, {
      hash: sha256(code),
      grant_id: grant.id,
      redirect_uri: request.redirect_uri,
      code_challenge: request.code_challenge,
      expires_at: now + LIFETIMES.code,
      used_at: null,
    })
    redirectToClient(res, request.redirect_uri, context.issuer, { code, state: request.state }, 303)
  }
}
