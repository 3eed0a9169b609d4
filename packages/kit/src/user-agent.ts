// A browser reduced to what OAuth pages need (cookies, redirects, forms), and the one scripted person
// who uses it: opens an authorization URL, signs in, approves. The checks, lab 6's walk, the conformance
// and interop runs, `npm run sign-in` and lab 8's attacks all sign in through these. No back doors:
// it sees only what a browser sees.
import { type Reply, type Req, type Send, send as httpSend } from './http.ts'

interface Cookie {
  name: string
  value: string
  origin: string
  path: string
}

/** Cookies as a browser keeps them (RFC 6265 §5.2–5.4, simplified: origin, Path, Max-Age=0 and Expires). */
export class CookieJar {
  private cookies: Cookie[] = []

  /** Keeps the cookies (Set-Cookie lines) a reply from `url` sets; one set again replaces it, an expired one is deleted. */
  take(url: string | URL, setCookie: string[] | undefined): void {
    const { origin } = new URL(url)
    for (const line of setCookie ?? []) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim())
      const at = pair.indexOf('=')
      if (at <= 0) continue
      const name = pair.slice(0, at)
      const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1)
      const path = attribute('path') ?? '/'
      const expires = attribute('expires')
      const expired = attribute('max-age') === '0' || (expires !== undefined && Date.parse(expires) <= Date.now())
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.origin === origin && c.path === path))
      if (!expired) this.cookies.push({ name, value: pair.slice(at + 1), origin, path })
    }
  }

  /** The Cookie header a browser sends with a request to `url` (RFC 6265 §5.1.4 path matching). */
  header(url: string | URL): Record<string, string> {
    const { origin, pathname } = new URL(url)
    const matching = this.cookies.filter(
      (c) => c.origin === origin && (pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`)),
    )
    return matching.length === 0 ? {} : { Cookie: matching.map((c) => `${c.name}=${c.value}`).join('; ') }
  }
}

export interface HtmlForm {
  action: string
  method: string
  /** inputs by name, with their value ('' when the input has none, e.g. username) */
  fields: Record<string, string>
  /** the hidden inputs only: what a browser sends without the user typing (CSRF tokens, request ids) */
  hidden: Record<string, string>
  /** submit buttons' name=value pairs, e.g. decision=approve */
  buttons: { name: string; value: string }[]
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)
  return match ? unescapeHtml(match[1]) : undefined
}

/** The forms of a page: plain HTML, as this workshop's pages and the provider's are written. */
export function parseForms(html: string): HtmlForm[] {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, formTag, inner]) => {
    const fields: Record<string, string> = {}
    const hidden: Record<string, string> = {}
    for (const [input] of inner.matchAll(/<input\b[^>]*>/gi)) {
      const name = attribute(input, 'name')
      if (name === undefined) continue
      fields[name] = attribute(input, 'value') ?? ''
      if (attribute(input, 'type')?.toLowerCase() === 'hidden') hidden[name] = fields[name]
    }
    const buttons = [...inner.matchAll(/<button\b[^>]*>/gi)].flatMap(([button]) => {
      const name = attribute(button, 'name')
      return name === undefined ? [] : [{ name, value: attribute(button, 'value') ?? '' }]
    })
    return {
      action: attribute(formTag, 'action') ?? '',
      method: (attribute(formTag, 'method') ?? 'get').toLowerCase(),
      fields,
      hidden,
      buttons,
    }
  })
}

/** The page's first form, if it has one. */
export function firstForm(html: string): HtmlForm | undefined {
  return parseForms(html)[0]
}

/** What a person reads on a page: its text without tags or scripts, cut short for an error message. */
export function pageText(html: string, length = 200): string {
  return unescapeHtml(html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, '').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, length)
}

// ---- the browser

export class BrowserError extends Error {
  name = 'BrowserError'
}

/** A page the browser is on: the reply, and the URL it came from (a form's action is relative to it). */
export interface Page {
  reply: Reply
  url: string
}

/** Where a redirect sends the browser (absolute), or undefined for a page. */
export function locationOf(page: Page): URL | undefined {
  const location = page.reply.headers.location
  if (page.reply.status < 300 || page.reply.status >= 400 || typeof location !== 'string') return undefined
  return URL.parse(location, page.url) ?? undefined
}

/** The page's first form: its absolute action and its hidden fields (CSRF tokens, request ids). */
export function formOf(page: Page): { action: string; hidden: Record<string, string> } | undefined {
  const form = firstForm(page.reply.text)
  return form && { action: new URL(form.action || page.url, page.url).href, hidden: form.hidden }
}

/** Cookies, one request at a time; redirects are not followed unless asked (navigate). */
export class Browser {
  /** what it keeps: the cookies of every server it has been to */
  readonly jar = new CookieJar()

  /** `send`: node:http by default; the checks pass one that runs each request as a curl command. */
  constructor(private readonly send: Send = httpSend) {}

  /** One request, with this browser's cookies; the cookies it sets are kept. */
  async request(req: Req): Promise<Reply> {
    const reply = await this.send({ ...req, headers: { ...req.headers, ...this.jar.header(req.url) } })
    this.jar.take(req.url, reply.headers['set-cookie'])
    return reply
  }

  /** GETs `url` and follows redirects until one leaves for `stopAt` (the client's redirect URI), or a page is shown. */
  async navigate(url: string, stopAt: string): Promise<Page & { redirectedTo?: string }> {
    let current = url
    for (let hops = 0; hops < 10; hops++) {
      const page = { reply: await this.request({ url: current }), url: current }
      const next = locationOf(page)
      if (next === undefined) return page
      if (next.href.startsWith(stopAt)) return { ...page, redirectedTo: next.href }
      current = next.href
    }
    throw new BrowserError(`more than 10 redirects from ${url}`)
  }

  /** Submits the page's first form: its hidden fields, then `fields`; follows redirects as navigate does. */
  async submit(page: Page, fields: Record<string, string>, stopAt: string): Promise<Page & { redirectedTo?: string }> {
    const form = formOf(page)
    if (form === undefined) throw new BrowserError(`no form on ${page.url} (HTTP ${page.reply.status}): ${pageText(page.reply.text)}`)
    const next = { reply: await this.request({ url: form.action, method: 'POST', form: { ...form.hidden, ...fields } }), url: form.action }
    const location = locationOf(next)
    if (location === undefined) return next
    return location.href.startsWith(stopAt) ? { ...next, redirectedTo: location.href } : this.navigate(location.href, stopAt)
  }
}

// ---- the person

export interface Credentials {
  username: string
  password: string
}

/** What the person did, for a narrating caller (lab 6's walk prints each step). */
export interface PersonHooks {
  /** a page was shown: the sign-in form, the consent form, or something else (an error page) */
  onPage?(kind: 'sign-in' | 'consent' | 'other', page: Page): void
}

export interface Arrival {
  /** the redirect URI with the authorization response: code (or error), state, iss */
  callback: URL
  /** the pages on the way, for checks that look at them */
  signInPage?: Page
  consentPage?: Page
}

/**
 * A person at a browser: opens the authorization URL, fills in the sign-in form, presses Approve, and
 * follows redirects until the authorization server sends the browser back to `redirectUri`.
 */
export async function signInAndApprove(
  authorizationUrl: string,
  user: Credentials,
  redirectUri: string,
  options: PersonHooks & { browser?: Browser } = {},
): Promise<Arrival> {
  const browser = options.browser ?? new Browser()
  const stopAt = redirectUri.replace(/[?#].*$/, '')
  let page = await browser.navigate(authorizationUrl, stopAt)
  const arrival: Partial<Arrival> = {}
  for (let pages = 0; page.redirectedTo === undefined; pages++) {
    const form = firstForm(page.reply.text)
    const kind = form && 'password' in form.fields ? 'sign-in' : form?.buttons.some((b) => b.name === 'decision') ? 'consent' : 'other'
    options.onPage?.(kind, page)
    if (kind === 'other' || pages >= 4) {
      throw new BrowserError(`the authorization server showed HTTP ${page.reply.status} at ${page.url}: ${pageText(page.reply.text)}`)
    }
    if (kind === 'sign-in') {
      arrival.signInPage = page
      page = await browser.submit(page, { username: user.username, password: user.password }, stopAt)
    } else {
      arrival.consentPage = page
      page = await browser.submit(page, { decision: 'approve' }, stopAt)
    }
  }
  return { ...arrival, callback: new URL(page.redirectedTo) }
}
