// The HTML pages a person sees: sign-in, consent, and errors. Plain forms, every value escaped.
import type { Response } from 'express'
import { isLoopbackUri } from './redirect-uris.ts'
import type { AuthorizationRequest, Client } from './store.ts'

/** What each scope lets a client do, in words a user can judge (MCP security: informed consent). */
const SCOPE_WORDS: Record<string, string> = {
  'notes:read': 'read your notes',
  'notes:write': 'add notes to your list',
  'notes:admin': 'delete all your notes',
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

/**
 * Every page: no framing (clickjacking a consent button: OAuth 2.1 §7.10, MCP security best practices),
 * no scripts, forms post only to us, and nothing cached (the pages carry CSRF tokens).
 * `formTargets`: origins a form's response may redirect to. Chromium applies form-action
 * to the redirect that follows a form POST, so the consent page must allow the client's.
 */
function sendPage(res: Response, status: number, title: string, body: string, formTargets: string[] = []): void {
  res.status(status).set({
    'Content-Type': 'text/html; charset=utf-8',
    'X-Frame-Options': 'DENY', // RFC 7034, for browsers that predate CSP frame-ancestors
    'Content-Security-Policy': [
      "frame-ancestors 'none'",
      "default-src 'none'",
      "style-src 'unsafe-inline'",
      `form-action ${["'self'", ...formTargets].join(' ')}`,
    ].join('; '),
    'Cache-Control': 'no-store',
    // The /authorize URL carries state: no Referer to other sites. Not "no-referrer": with it, a
    // browser sends "Origin: null" on our own form POSTs, and the server's Origin check refuses them.
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
  })
  res.send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin:.6rem 0}input{font:inherit;display:block;width:100%}button{font:inherit;margin:.8rem .4rem 0 0}
.error{color:#a00}.dim{color:#666}code{overflow-wrap:anywhere}</style></head>
<body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>`)
}

/** A dead end on purpose: no link back to the client, no redirect (OAuth 2.1 §4.1.2.1). */
export function errorPage(res: Response, status: number, message: string): void {
  sendPage(res, status, 'Authorization error', `<p class="error">${escapeHtml(message)}</p>\n<p class="dim">You can close this page.</p>`)
}

function hidden(request: AuthorizationRequest, csrfToken: string): string {
  return `<input type="hidden" name="request_id" value="${escapeHtml(request.id)}">
<input type="hidden" name="csrf_token" value="${escapeHtml(csrfToken)}">`
}

function clientLabel(client: Client): string {
  const name = client.client_name ?? 'An application'
  return `<strong>${escapeHtml(name)}</strong> <span class="dim">(client id <code>${escapeHtml(client.client_id)}</code>)</span>`
}

export function loginPage(res: Response, view: { request: AuthorizationRequest; client: Client; csrfToken: string; error?: string }): void {
  const error = view.error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(view.error)}</p>`
  sendPage(
    res,
    view.error === undefined ? 200 : 401,
    'Sign in',
    `<p>${clientLabel(view.client)} wants to use your notes. Sign in first.</p>
${error}<form method="post" action="/authorize/login">
${hidden(view.request, view.csrfToken)}
<label>Username <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>`,
  )
}

export interface ConsentView {
  request: AuthorizationRequest
  client: Client
  csrfToken: string
  user: string
  /** requested ∩ what this user may grant */
  granted: string[]
  /** requested, but this user cannot have them */
  refused: string[]
}

/** MCP security best practices: name the client, show where the code will go, list the scopes. */
export function consentPage(res: Response, view: ConsentView): void {
  const redirect = new URL(view.request.redirect_uri)
  const item = (scope: string) => `<li><code>${escapeHtml(scope)}</code>: ${escapeHtml(SCOPE_WORDS[scope] ?? scope)}</li>`
  const granted = view.granted.length > 0 ? `<p>It will be allowed to:</p>\n<ul>\n${view.granted.map(item).join('\n')}\n</ul>` : ''
  const refused =
    view.refused.length > 0
      ? `<p class="error">It also asked for ${view.refused.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}, ` +
        `which ${escapeHtml(view.user)} cannot grant.</p>`
      : ''
  const origin =
    view.client.source === 'metadata_document'
      ? 'It identified itself with a metadata document at that URL.'
      : 'It registered itself with this server: its name is not verified.'
  // MCP (Client ID Metadata Documents) and the draft's security considerations: warn when a URL client's
  // redirect URIs are all on this machine. The user trusts the host in the client id, but the code never
  // goes there: the document is public, so any program on this computer can use that client id, listen
  // on the loopback port and receive the code. Only the user knows whether they just started this app.
  const loopbackOnly = view.client.source === 'metadata_document' && view.client.redirect_uris.every(isLoopbackUri)
  const warning = loopbackOnly
    ? `<p class="error" role="alert"><strong>Allow only if you started this application yourself, just now.</strong>
Your answer goes to ${escapeHtml(redirect.host)}, a program on this computer, not to ${escapeHtml(new URL(view.client.client_id).host)}:
any program running here can use this name and client id.</p>\n`
    : ''
  const approve = view.granted.length > 0 ? '<button type="submit" name="decision" value="approve">Allow</button>\n' : ''
  sendPage(
    res,
    200,
    'Allow access?',
    `<p>Signed in as <strong>${escapeHtml(view.user)}</strong>.</p>
<p>${clientLabel(view.client)} wants access to your notes. <span class="dim">${origin}</span></p>
<p>After you decide you will be sent to <strong>${escapeHtml(redirect.host)}</strong>.</p>
${warning}${granted}${refused}
<form method="post" action="/authorize/consent">
${hidden(view.request, view.csrfToken)}
${approve}<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
    [formTarget(redirect)],
  )
}

/** A CSP source for the redirect's origin. CSP host sources cannot name IPv6 literals, so [::1] gets its scheme. */
function formTarget(url: URL): string {
  return url.hostname.startsWith('[') ? url.protocol : url.origin
}
