// Errors as the specifications name them, and how each kind reaches the client.
import type { ErrorRequestHandler, Response } from 'express'
import { errorPage } from './pages.ts'

/** The error codes this server answers with (RFC 6749 §4.1.2.1, §5.2; RFC 7591 §3.2.2; RFC 8707 §2). */
export type OAuthErrorCode =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'access_denied'
  | 'invalid_target'
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  | 'too_many_requests'
  | 'server_error'

/** An error the client can act on. The description is ours, fixed text: never a token, code or secret. */
export class OAuthError extends Error {
  name = 'OAuthError'
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
    readonly status = 400,
  ) {
    super(`${code}: ${description}`)
  }

  /** RFC 6749 §5.2: the JSON error body */
  toJSON() {
    return { error: this.code, error_description: this.description }
  }
}

/** RFC 6749 §5.2: invalid_client is 401, and a client that tried HTTP Basic must be told the scheme. */
export function invalidClient(description: string): OAuthError {
  return new OAuthError('invalid_client', description, 401)
}

/**
 * An error shown to the person at the browser, never sent to the redirect URI:
 * with an unknown client or an unregistered redirect URI, redirecting would make
 * this server an open redirector (OAuth 2.1 §4.1.2.1, §7.12.2).
 */
export class PageError extends Error {
  name = 'PageError'
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

export function sendOAuthError(res: Response, error: OAuthError): void {
  if (error.code === 'invalid_client') res.set('WWW-Authenticate', 'Basic realm="oauth", charset="UTF-8"')
  res.status(error.status).json(error.toJSON())
}

/** Last in every JSON endpoint's chain: bad bodies (express parsers), our errors, and surprises. */
export const jsonErrors: ErrorRequestHandler = (error, req, res, _next) => {
  if (res.headersSent) return
  res.set('Cache-Control', 'no-store')
  if (error instanceof OAuthError) return sendOAuthError(res, error)
  const parserStatus = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : undefined
  if (parserStatus !== undefined) {
    // body-parser: malformed JSON, wrong charset, a body over the size limit (413)
    const code = req.path === '/register' ? 'invalid_client_metadata' : 'invalid_request'
    const description = parserStatus === 413 ? 'The request body is too large' : 'The request body could not be parsed'
    return sendOAuthError(res, new OAuthError(code, description, parserStatus))
  }
  logInternal(req.path, error)
  sendOAuthError(res, new OAuthError('server_error', 'Something went wrong on our side', 500))
}

/** Last in every HTML endpoint's chain: the person gets a page, never a redirect. */
export const pageErrors: ErrorRequestHandler = (error, req, res, _next) => {
  if (res.headersSent) return
  if (error instanceof PageError) return errorPage(res, error.status, error.message)
  if (typeof error?.status === 'number' && error.status >= 400 && error.status < 500) {
    return errorPage(res, error.status, 'The form could not be read. Start again from the application.')
  }
  logInternal(req.path, error)
  errorPage(res, 500, 'Something went wrong on our side.')
}

/** Only the error's name and message: our queries bind values as parameters, so no secret is in it. */
function logInternal(path: string, error: unknown): void {
  console.error(`authorization server: internal error at ${path}: ${(error as Error)?.name}: ${(error as Error)?.message}`)
}
