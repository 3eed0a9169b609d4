// Sending the browser back to the client: the authorization response (OAuth 2.1 §4.1.2).
import type { Response } from 'express'

export interface AuthorizationResponse {
  code?: string
  error?: string
  error_description?: string
  state: string | null
}

/**
 * Redirects to the client's redirect URI with the result, the client's state echoed
 * (OAuth 2.1 §4.1.2, §4.1.2.1) and our issuer identifier in `iss` on success AND error
 * (RFC 9207 §2): a client talking to several servers can tell which one answered,
 * which stops mix-up attacks that PKCE alone does not.
 * After a form POST the status is 303, never 307, so the browser does not re-post the
 * user's form to the client (OAuth 2.1 §7.5.4, RFC 9700 §4.12).
 */
export function redirectToClient(
  res: Response,
  redirectUri: string,
  issuer: string,
  response: AuthorizationResponse,
  status: 302 | 303 = 302,
): void {
  const url = new URL(redirectUri)
  for (const [name, value] of Object.entries({ ...response, iss: issuer })) {
    if (value !== undefined && value !== null) url.searchParams.set(name, value)
  }
  res.set('Cache-Control', 'no-store').redirect(status, url.href)
}
