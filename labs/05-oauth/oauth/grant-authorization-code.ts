// grant_type=authorization_code (OAuth 2.1 §4.1.3): a code, proof of PKCE, and tokens in return.
import type { Request } from 'express'
import { z } from 'zod'
import { type Context, nowSeconds } from './context.ts'
import { OAuthError } from './errors.ts'
import { type TokenResponse, mintTokens } from './issue.ts'
import { isValidVerifier, verifyPkce } from './pkce.ts'
import { sameResource } from './resource.ts'
import { sha256 } from './secrets.ts'
import type { Client } from './store.ts'

const Params = z.object({
  code: z.string().min(1).max(200),
  code_verifier: z.string().max(200).optional(),
  redirect_uri: z.string().max(2000).optional(),
  resource: z.string().max(2000).optional(),
})

const invalidGrant = (description: string) => new OAuthError('invalid_grant', description)

export async function authorizationCodeGrant(req: Request, context: Context, client: Client): Promise<TokenResponse> {
  const parsed = Params.safeParse(req.body)
  if (!parsed.success) throw new OAuthError('invalid_request', 'code is required, and no parameter may repeat')
  const params = parsed.data
  const now = nowSeconds(context)
  const hash = sha256(params.code)
  const code = context.store.findCode(hash)
  const grant = code && context.store.findGrant(code.grant_id)
  if (code === undefined || grant === undefined) throw invalidGrant('The code is unknown or expired')

  // OAuth 2.1 §4.1.3, §7.5.3: a code works once. A second redemption means the code leaked: refuse it
  // and revoke every token the first redemption produced (the whole grant).
  if (code.used_at !== null) {
    context.store.revokeGrant(grant.id, now, 'authorization code used twice')
    throw invalidGrant('The code was already used; the tokens issued for it are revoked')
  }
  // RFC 6749 §4.1.3: bound to the client it was issued to.
  if (grant.client_id !== client.client_id) throw invalidGrant('The code was issued to another client')
  if (code.expires_at <= now) throw invalidGrant('The code is unknown or expired')
  if (grant.revoked_at !== null) throw invalidGrant('The grant was revoked')

  // RFC 7636 §4.6: without the verifier that hashes to the stored challenge, a stolen code is useless.
  if (params.code_verifier === undefined) throw invalidGrant('code_verifier is required (PKCE)')
  if (!isValidVerifier(params.code_verifier)) throw invalidGrant('code_verifier must be 43 to 128 unreserved characters (RFC 7636 §4.1)')
  if (!verifyPkce(params.code_verifier, code.code_challenge)) throw invalidGrant('code_verifier does not match the code_challenge')

  // OAuth 2.1 §10.2 (RFC 6749 §4.1.3): a redirect_uri sent here must be the one the code was sent to.
  if (params.redirect_uri !== undefined && params.redirect_uri !== code.redirect_uri)
    throw invalidGrant("redirect_uri differs from the authorization request's")
  // RFC 8707 §2.2: a resource sent here must be the one the user approved.
  if (params.resource !== undefined && !sameResource(params.resource, grant.resource))
    throw new OAuthError('invalid_target', "resource differs from the authorization request's")

  const refreshScope = client.grant_types.includes('refresh_token') ? grant.scope : undefined
  const { response, tokens } = await mintTokens(context, grant, grant.scope, refreshScope)
  // Consume the code and record its tokens, in one transaction. If a parallel request won the race, this one is the replay.
  if (!context.store.redeemCode(hash, now, tokens)) {
    context.store.revokeGrant(grant.id, now, 'authorization code used twice')
    throw invalidGrant('The code was already used; the tokens issued for it are revoked')
  }
  return response
}
