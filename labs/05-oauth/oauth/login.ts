// POST /authorize/login: the user proves who they are. Authentication is not OAuth's subject;
// OAuth only needs to know, before consent, which user is deciding.
import type { RequestHandler } from 'express'
import { z } from 'zod'
import type { Context } from './context.ts'
import { clearCsrfCookie } from './csrf.ts'
import { PageError } from './errors.ts'
import { consentPage, loginPage } from './pages.ts'
import { pendingRequestFromForm } from './pending.ts'

/** After this many wrong passwords the pending request is dropped: a brake on guessing. */
const MAX_FAILED_LOGINS = 5

const Credentials = z.object({
  username: z.string().max(100).default(''),
  password: z.string().max(200).default(''),
})

export function login(context: Context): RequestHandler {
  return (req, res) => {
    const { request, client, csrfToken } = pendingRequestFromForm(req, context)
    const credentials = Credentials.safeParse(req.body)
    const user = credentials.success ? context.users.verify(credentials.data.username, credentials.data.password) : undefined
    // #region exercise: wrong-passwords
    if (user === undefined) {
      if (context.store.countFailedLogin(request.id) >= MAX_FAILED_LOGINS) {
        context.store.deleteAuthorizationRequest(request.id)
        clearCsrfCookie(res, request.id)
        throw new PageError('Too many wrong passwords. Start again from the application.', 401)
      }
      // Same words for an unknown user and a wrong password: no hint which one it was.
      return loginPage(res, { request, client, csrfToken, error: 'Wrong username or password.' })
    }
    // #endregion
    context.store.setRequestUser(request.id, user.sub)
    // The consent page is the answer to this POST: one round trip, and the decision needs a second POST.
    const requested = request.scope.split(' ')
    consentPage(res, {
      request,
      client,
      csrfToken,
      user: user.sub,
      // Consent can only give what the user has: requested ∩ the user's scopes.
      granted: requested.filter((s) => user.scopes.includes(s)),
      refused: requested.filter((s) => !user.scopes.includes(s)),
    })
  }
}
