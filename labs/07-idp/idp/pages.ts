// The provider's pages: plain HTML forms, no script. Every value from a request is escaped.

const escape = (value: unknown) =>
  String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font:16px system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;margin:.4rem 0}input,button{padding:.5rem;font:inherit}
.muted{color:#666}.error{color:#b00}code{background:#eee;padding:0 .2rem}li.refused{color:#999;text-decoration:line-through}</style>
</head><body><h1>${escape(title)}</h1>
${body}
</body></html>`
}

export function loginPage(options: { action: string; csrf: string; client: string; error?: string }): string {
  return page(
    'Sign in',
    `<p><strong>${escape(options.client)}</strong> wants to use your notes.</p>
${options.error ? `<p class="error">${escape(options.error)}</p>` : ''}
<form method="post" action="${escape(options.action)}">
<input type="hidden" name="csrf" value="${escape(options.csrf)}">
<label>Username <input name="username" autocomplete="username" required autofocus></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form>
<p class="muted">Demo users: alice / wonderland, bob / builder, carol / sesame.</p>`,
  )
}

export interface ConsentView {
  action: string
  csrf: string
  user: string
  client: string // its name, or its id
  redirectHost: string // where the answer goes: the user should recognise it (MCP security, A15)
  resource: string
  granted: string[]
  refused: string[] // asked for, but beyond what this user may grant
  offline: boolean
}

export function consentPage(view: ConsentView): string {
  const scopes = [
    ...view.granted.map((scope) => `<li><code>${escape(scope)}</code></li>`),
    ...view.refused.map((scope) => `<li class="refused"><code>${escape(scope)}</code> (not available to ${escape(view.user)})</li>`),
  ].join('')
  return page(
    'Allow access?',
    `<p>Signed in as <strong>${escape(view.user)}</strong>.</p>
<p><strong>${escape(view.client)}</strong>, answering at <strong>${escape(view.redirectHost)}</strong>, asks to use
<code>${escape(view.resource)}</code> with:</p>
<ul>${scopes || '<li>no scope at all</li>'}</ul>
${view.offline ? '<p class="muted">It also asks to stay connected (a refresh token) until you revoke it.</p>' : ''}
<form method="post" action="${escape(view.action)}">
<input type="hidden" name="csrf" value="${escape(view.csrf)}">
<button type="submit" name="decision" value="approve">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  )
}

export function messagePage(title: string, message: string): string {
  return page(title, `<p>${escape(message)}</p><p class="muted">Start again from the application.</p>`)
}

/** oidc-provider's error page (bad client_id, bad redirect_uri…): RFC 6749 §4.1.2.1 says show it, never redirect. */
export async function renderError(ctx: { type: string; body: string }, out: { error: string; error_description?: string }): Promise<void> {
  ctx.type = 'html'
  ctx.body = page(
    'Sign-in error',
    `<p><code>${escape(out.error)}</code></p>${out.error_description ? `<p>${escape(out.error_description)}</p>` : ''}`,
  )
}
