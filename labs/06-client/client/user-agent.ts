// The browser leg. A scripted user agent does what a person does: open the authorization URL,
// fill the login form, approve on the consent page, and follow redirects until the
// authorization server sends it back to the client's redirect URI. No back doors: it only
// sees what a browser sees. (--browser hands the same URL to your real browser instead.)
import { chalk } from 'zx'
import { CookieJar, type HtmlForm, firstForm, pageText } from '@workshop/kit/user-agent'
import { LegFailed, say, showUrl } from './narrate.ts'

export interface DemoUser {
  username: string
  password: string
}

const MAX_STEPS = 12

/** Walks the authorization server's pages as `user`; resolves with the callback URL (code, state, iss). */
export async function scriptedUserAgent(authorizationUrl: URL, user: DemoUser, redirectUri: string): Promise<URL> {
  const cookies = new CookieJar()
  let request: { url: URL; method: 'GET' | 'POST'; body?: string } = { url: authorizationUrl, method: 'GET' }
  for (let step = 0; step < MAX_STEPS; step++) {
    say(`${chalk.blue('⇢')} ${request.method} ${showUrl(request.url)}`)
    const response = await fetch(request.url, {
      method: request.method,
      redirect: 'manual',
      headers: {
        ...cookies.header(request.url),
        ...(request.body ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: request.body,
    })
    cookies.take(request.url, response.headers.getSetCookie())
    const location = response.headers.get('location')
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, request.url)
      // Arrived: the authorization server sends the browser back to the client.
      if (`${next.origin}${next.pathname}` === redirectUri.replace(/\?.*$/, '')) {
        say(`${chalk.blue('⇠')} ${response.status} back to the client: ${showUrl(next)}`)
        return next
      }
      request = { url: next, method: 'GET' }
      continue
    }
    const html = await response.text()
    const form = firstForm(html)
    if (!form) throw new LegFailed(`the authorization server showed a page without a form (HTTP ${response.status}): ${pageText(html)}`)
    request = { url: new URL(form.action || request.url.href, request.url), method: 'POST', body: fillForm(form, user) }
  }
  throw new LegFailed(`no redirect back to ${redirectUri} after ${MAX_STEPS} pages`)
}

/** The login form gets the credentials; the consent form gets decision=approve. */
function fillForm(form: HtmlForm, user: DemoUser): string {
  const fields = new URLSearchParams(form.fields)
  if ('password' in form.fields) {
    say(`  log in as ${chalk.bold(user.username)}`)
    fields.set('username', user.username)
    fields.set('password', user.password)
  } else if (form.buttons.some((b) => b.name === 'decision')) {
    say(`  consent: ${chalk.bold('approve')}`)
    fields.set('decision', 'approve')
  } else {
    throw new LegFailed('a form that is neither a login nor a consent form')
  }
  return fields.toString()
}
