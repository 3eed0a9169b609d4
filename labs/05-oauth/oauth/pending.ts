// What the sign-in and consent forms share: find the pending request a form belongs to, and check CSRF.
import type { Request } from 'express'
import { z } from 'zod'
import { type Context, nowSeconds } from './context.ts'
import { isCsrfTokenValid } from './csrf.ts'
import { PageError } from './errors.ts'
import type { AuthorizationRequest, Client } from './store.ts'

const FormFields = z.object({
  request_id: z.string().min(1).max(100),
  csrf_token: z.string().max(100).optional(),
})

/**
 * The pending request named by the form, if this browser may act on it. Failures are pages
 * with no redirect: until the request is found and the CSRF token checks out, nothing tells
 * us the client's redirect URI is the one this browser should go to.
 */
export function pendingRequestFromForm(
  req: Request,
  context: Context,
): { request: AuthorizationRequest; client: Client; csrfToken: string } {
  const form = FormFields.safeParse(req.body ?? {})
  if (!form.success) throw new PageError('This form is incomplete. Start again from the application.')
  const request = context.store.findAuthorizationRequest(form.data.request_id, nowSeconds(context))
  if (request === undefined) throw new PageError('This sign-in has expired or was already used. Start again from the application.')
  // RFC 6749 §10.12: a POST without the right token is a forgery (or a stale tab): 403, and stop.
  if (!isCsrfTokenValid(req, request.id, form.data.csrf_token, request.csrf_hash)) {
    throw new PageError("This form was not sent from this server's own page (CSRF check failed).", 403)
  }
  const client = context.store.findClient(request.client_id)
  if (client === undefined) throw new PageError('This application is no longer known. Start again from the application.')
  return { request, client, csrfToken: form.data.csrf_token! }
}
