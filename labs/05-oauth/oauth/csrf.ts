// CSRF protection for the sign-in and consent forms (RFC 6749 §10.12, MCP security best practices).
// A token is bound twice: to the pending authorization request (its hash is stored with it) and
// to this browser (a cookie). A forged POST from another site has neither the cookie's value
// nor the request's token, so it is refused.
import type { Request, Response } from 'express'
import { LIFETIMES } from './context.ts'
import { randomToken, sameSecret, sha256 } from './secrets.ts'

const cookieName = (requestId: string) => `csrf_${requestId}`

/** A fresh token for a new authorization request: set as a cookie, returned for the hidden field. */
export function issueCsrfToken(res: Response, requestId: string): { token: string; hash: string } {
  const token = randomToken()
  // HttpOnly: scripts cannot read it. SameSite=Lax: other sites' POSTs do not carry it.
  // Path=/authorize: only the forms' endpoints see it. Behind https, add Secure.
  res.append(
    'Set-Cookie',
    `${cookieName(requestId)}=${token}; Path=/authorize; HttpOnly; SameSite=Lax; Max-Age=${LIFETIMES.authorizationRequest}`,
  )
  return { token, hash: sha256(token) }
}

/** The form's token equals the cookie's, and hashes to the one stored with the request. */
export function isCsrfTokenValid(req: Request, requestId: string, formToken: string | undefined, storedHash: string): boolean {
  const cookie = readCookie(req, cookieName(requestId))
  if (formToken === undefined || cookie === undefined) return false
  return sameSecret(formToken, cookie) && sameSecret(sha256(formToken), storedHash)
}

export function clearCsrfCookie(res: Response, requestId: string): void {
  res.append('Set-Cookie', `${cookieName(requestId)}=; Path=/authorize; HttpOnly; SameSite=Lax; Max-Age=0`)
}

/** RFC 6265 §5.4: "name=value; name=value". No dependency needed for one lookup. */
function readCookie(req: Request, name: string): string | undefined {
  for (const pair of (req.headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=')
    if (at !== -1 && pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim()
  }
  return undefined
}
