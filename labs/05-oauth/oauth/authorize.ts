// GET /authorize (OAuth 2.1 §4.1.1): check the request, remember it, and ask the user to sign in.
import type { RequestHandler } from 'express'
import { z } from 'zod'
import { redirectToClient } from './authorization-response.ts'
import { findClientForAuthorization } from './clients.ts'
import { type Context, LIFETIMES, nowSeconds } from './context.ts'
import { issueCsrfToken } from './csrf.ts'
import { OAuthError, PageError } from './errors.ts'
import { loginPage } from './pages.ts'
import { isValidS256Challenge } from './pkce.ts'
import { chooseRedirectUri } from './redirect-uris.ts'
import { sameResource } from './resource.ts'
import { randomToken } from './secrets.ts'

// Step 1 reads only what decides whether redirecting is safe at all.
const ClientParams = z.object({
  client_id: z.string().min(1).max(2000),
  redirect_uri: z.string().max(2000).optional(),
})

// Step 2: the rest. Every parameter is a single string (RFC 6749 §3.1: none may repeat).
const single = z.string().max(2000).optional()
const RequestParams = z.object({
  response_type: single,
  code_challenge: single,
  code_challenge_method: single,
  scope: single,
  state: single,
  resource: single,
})

export function authorize(context: Context): RequestHandler {
  return async (req, res) => {
    res.set('Cache-Control', 'no-store')
    // Step 1: client and redirect URI. Any problem here is shown to the user and NEVER redirected:
    // an unknown client or unregistered URI would turn this server into an open redirector
    // that also hands out error messages (OAuth 2.1 §4.1.2.1, §7.12.2).
    const clientParams = ClientParams.safeParse(req.query)
    if (!clientParams.success) throw new PageError('The request has no client_id (or repeats client_id or redirect_uri).')
    const client = await findClientForAuthorization(context, clientParams.data.client_id)
    const redirectUri = chooseRedirectUri(clientParams.data.redirect_uri, client.redirect_uris)
    if (redirectUri === undefined) {
      throw new PageError(
        clientParams.data.redirect_uri === undefined
          ? 'This application registered several redirect URIs, and the request names none of them.'
          : 'The redirect_uri is not one this application registered.',
      )
    }

    // Step 2: everything else. Errors now go back to the client, with state and iss.
    const state = typeof req.query.state === 'string' ? req.query.state : null
    try {
      const params = RequestParams.safeParse(req.query)
      if (!params.success)
        throw new OAuthError('invalid_request', `The parameter ${String(params.error.issues[0]?.path[0])} is repeated or too long`)
      const { response_type, code_challenge, code_challenge_method, scope, resource } = params.data

      // OAuth 2.1 §4.1.1: the authorization code flow only (no implicit "token").
      if (response_type === undefined) throw new OAuthError('invalid_request', 'response_type is required')
      if (response_type !== 'code') throw new OAuthError('unsupported_response_type', 'Only response_type=code is supported')
      if (!client.grant_types.includes('authorization_code'))
        throw new OAuthError('unauthorized_client', 'This client did not register the authorization_code grant')

      // RFC 7636 §4.4.1 and OAuth 2.1 §4.1.1: PKCE is required, and only S256. "plain" would send
      // the verifier itself through the browser, where it can be stolen along with the code.
      if (code_challenge === undefined) throw new OAuthError('invalid_request', 'code_challenge is required (PKCE)')
      if (code_challenge_method !== 'S256') throw new OAuthError('invalid_request', 'code_challenge_method must be S256')
      if (!isValidS256Challenge(code_challenge))
        throw new OAuthError('invalid_request', 'code_challenge is not a base64url SHA-256 (43 characters)')

      // RFC 8707 §2: which resource the token is for. This server issues tokens for exactly one.
      if (resource === undefined || !sameResource(resource, context.resource))
        throw new OAuthError('invalid_target', `resource must be ${context.resource}`)

      // RFC 6749 §3.3: space-separated scopes, all known; none asked means the default set.
      const requested = scope?.split(' ').filter(Boolean) ?? []
      const unknown = requested.find((s) => !context.scopes.includes(s))
      if (unknown !== undefined) throw new OAuthError('invalid_scope', `Unknown scope: ${unknown.slice(0, 50)}`)
      const scopes = requested.length > 0 ? [...new Set(requested)] : context.defaultScopes

      // Remember the request until the user has signed in and decided.
      const now = nowSeconds(context)
      const id = randomToken()
      const csrf = issueCsrfToken(res, id)
      const pending = {
        id,
        client_id: client.client_id,
        redirect_uri: redirectUri,
        scope: scopes.join(' '),
        state,
        code_challenge,
        resource: context.resource, // the canonical form: what the grant records and the token's aud says
        csrf_hash: csrf.hash,
        sub: null,
        failed_logins: 0,
        expires_at: now + LIFETIMES.authorizationRequest,
      }
      context.store.saveAuthorizationRequest(pending)
      loginPage(res, { request: pending, client, csrfToken: csrf.token })
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error
      redirectToClient(res, redirectUri, context.issuer, { error: error.code, error_description: error.description, state })
    }
  }
}
