// What a browser keeps and reads, reduced to what OAuth pages need: cookies and forms. The checks
// of lab 5, lab 6's scripted user, lab 7's provider flow and lab 8's attacks all sign in through these.

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
