// Attacks on the pages a person sees. The consent form is the moment the user hands authority to a
// client; an attacker wants that "Allow" without the user meaning it: posted from another site
// (CSRF), pressed inside an invisible frame (clickjacking), before anyone signed in, or for more
// than the user may grant.
import { Browser } from '@workshop/kit/user-agent'
import { passwordOf } from '@workshop/kit/demo-users'
import { type Attempt, type AuthorizationServer, type Page, formOf, locationOf } from '@workshop/kit/oauth-client'
import { type AttackContext, describe, granted, onAuthorizationServer } from '../context.ts'
import { type Attack, type Defence, type Outcome, blocked, gotThrough } from './types.ts'

const group = 'consent'
const isCsrf = (name: string) => /csrf/i.test(name)

function attack(
  id: string,
  title: string,
  defence: Defence,
  rule: string,
  run: (ctx: AttackContext, as: AuthorizationServer) => Promise<Outcome>,
): Attack {
  return { id, title, group, defence, rule, run: onAuthorizationServer(run) }
}

/** A forged "Allow": got through if it sends the browser to the client with a code. */
function codeIssued(page: Page): Outcome {
  return locationOf(page)?.searchParams.get('code') ? gotThrough('the forged "Allow" issued a code') : blocked(describe(page.reply))
}

/** Up to the consent page, signed in as the user. */
async function atConsent(ctx: AttackContext, as: AuthorizationServer): Promise<{ attempt: Attempt; consent: Page }> {
  const attempt = await as.start({ scope: 'notes:read' })
  return { attempt, consent: await as.signIn(attempt, ctx.user) }
}

/** RFC 7034, CSP frame-ancestors: may another site put this page in a frame? */
function framable(page: Page, what: string): Outcome {
  const xfo = String(page.reply.headers['x-frame-options'] ?? '').toUpperCase()
  const ancestors = /frame-ancestors\s+([^;]*)/.exec(String(page.reply.headers['content-security-policy'] ?? ''))?.[1]?.trim()
  if (xfo === 'DENY' || xfo === 'SAMEORIGIN' || ancestors === "'none'" || ancestors === "'self'")
    return blocked(`X-Frame-Options ${xfo || '-'}, frame-ancestors ${ancestors ?? '-'}`)
  return gotThrough(`the ${what} has neither X-Frame-Options nor CSP frame-ancestors: any site can frame it`)
}

const lastSegment = (url: string) => new URL(url).pathname.split('/').pop() ?? ''

export const consentAttacks: Attack[] = [
  // RFC 6749 §10.12: another site's page auto-submits "Allow" for the user's pending authorization.
  // It cannot read the form's CSRF token, and a SameSite=Lax cookie does not come along.
  attack(
    'consent-no-csrf',
    'a cross-site "Allow": no CSRF token (without, with cookie)',
    'consent-integrity',
    'RFC 6749 §10.12, MCP security',
    async (ctx, as) => {
      const { attempt, consent } = await atConsent(ctx, as)
      const crossSite = codeIssued(await as.submit(attempt, consent, { decision: 'approve' }, { drop: isCsrf, browser: new Browser() }))
      if (crossSite.outcome === 'got through') return crossSite
      return codeIssued(await as.submit(attempt, consent, { decision: 'approve' }, { drop: isCsrf }))
    },
  ),
  attack(
    'consent-wrong-csrf',
    'an "Allow" carrying the CSRF token of another pending request',
    'consent-integrity',
    'RFC 6749 §10.12',
    async (ctx, as) => {
      const mine = await atConsent(ctx, as)
      const other = await atConsent(ctx, as)
      const [name, value] = Object.entries(formOf(other.consent)?.hidden ?? {}).find(([field]) => isCsrf(field)) ?? ['csrf', 'none']
      return codeIssued(await as.submit(mine.attempt, mine.consent, { decision: 'approve', [name]: value }))
    },
  ),
  // Login CSRF: the user's browser signed in as the attacker, or the attacker's request completed in the user's session.
  attack(
    'login-no-csrf',
    'a cross-site sign-in: the right password, no CSRF token',
    'consent-integrity',
    'RFC 6749 §10.12',
    async (ctx, as) => {
      const attempt = await as.start({ scope: 'notes:read' })
      const credentials = { username: ctx.user, password: passwordOf(ctx.user) }
      for (const browser of [new Browser(), attempt.browser]) {
        const page = await as.submit(attempt, attempt, credentials, { drop: isCsrf, browser })
        if (/name="decision"/.test(page.reply.text) || locationOf(page)?.searchParams.has('code'))
          return gotThrough('signed in without the CSRF token')
      }
      return blocked(describe((await as.submit(attempt, attempt, credentials, { drop: isCsrf })).reply))
    },
  ),
  // "Allow" posted with the sign-in page's own fields (its CSRF token included), skipping the password.
  // The consent form's address is learnt from a second sign-in the attacker completes as themselves.
  attack(
    'consent-before-sign-in',
    '"Allow" posted from the sign-in page, skipping the password',
    'consent-integrity',
    'MCP security §Consent',
    async (ctx, as) => {
      const other = await atConsent(ctx, as)
      const consentAction = formOf(other.consent)?.action
      const attempt = await as.start({ scope: 'notes:read' })
      if (consentAction === undefined) return blocked('no consent form to learn from')
      // Lab 5's consent form has one address for every request; a provider's may name the interaction in it.
      const action = consentAction.replace(lastSegment(other.consent.url), lastSegment(attempt.url))
      return codeIssued(await as.submit(attempt, attempt, { decision: 'approve' }, { action }))
    },
  ),
  // Consent grants at most what the user has (bob may only read), whatever the client asked or the form says.
  attack(
    'consent-scope-escalation',
    'bob (read-only) approves notes:admin in an edited form',
    'consent-integrity',
    'MCP security §Confused Deputy',
    async (_ctx, as) => {
      const attempt = await as.start({ scope: 'notes:read notes:admin' })
      const consent = await as.signIn(attempt, 'bob')
      const code = locationOf(await as.decide(attempt, consent, 'approve', { scope: 'notes:read notes:admin' }))?.searchParams.get('code')
      if (!code) return blocked(describe(consent.reply))
      const token = await as.exchange({ client: attempt.client, code, verifier: attempt.pkce.verifier })
      const scope = token.status === 200 ? granted(token.json).scope : ''
      return /admin/.test(scope)
        ? gotThrough(`bob's token has scope "${scope}"`)
        : blocked(`bob's token has scope "${scope || describe(token)}"`)
    },
  ),
  // Clickjacking: the page in an invisible frame under a decoy button (RFC 6749 §10.13).
  attack('frame-sign-in', "the sign-in page inside another site's frame", 'anti-framing', 'RFC 6749 §10.13, RFC 7034', async (_ctx, as) =>
    framable(await as.start({ scope: 'notes:read' }), 'sign-in page'),
  ),
  attack('frame-consent', "the consent page inside another site's frame", 'anti-framing', 'RFC 6749 §10.13, RFC 7034', async (ctx, as) =>
    framable((await atConsent(ctx, as)).consent, 'consent page'),
  ),
]
