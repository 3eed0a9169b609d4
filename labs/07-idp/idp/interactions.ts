// The login and consent pages. oidc-provider runs the protocol and sends the browser here
// (/interaction/<uid>) whenever it needs a person: to sign in, or to approve what a client asks for.
// What stays yours even with a certified provider: who your users are and what each may grant.
import { createHmac, timingSafeEqual } from 'node:crypto'
import express, { type Request, type Response, Router } from 'express'
import type { Interaction, Provider } from 'oidc-provider'
import { consentPage, loginPage, messagePage } from './pages.ts'
import type { UserDirectory } from './users.ts'

/**
 * CSRF (OAuth 2.1 §7.10, MCP security best practices), twice over:
 *  - the interaction is bound to this browser: oidc-provider keeps its uid in a signed, HttpOnly,
 *    SameSite=Lax cookie scoped to /interaction/<uid>; a form posted from another browser or site has none;
 *  - each form carries a token derived from that uid with a server secret, which a forger cannot compute.
 */
function csrfToken(secret: string, uid: string): string {
  return createHmac('sha256', secret).update(`csrf:${uid}`).digest('base64url')
}

function csrfValid(secret: string, uid: string, sent: unknown): boolean {
  const expected = Buffer.from(csrfToken(secret, uid))
  const given = Buffer.from(typeof sent === 'string' ? sent : '')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

export function interactionRoutes(provider: () => Provider, users: UserDirectory, csrfSecret: string): Router {
  const router = Router()
  const form = express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 })

  router.use('/interaction', (_req, res, next) => {
    res.set('Cache-Control', 'no-store') // pages with CSRF tokens stay out of caches
    next()
  })

  /** The interaction this browser is in, if it is the one in the URL; else an error page and undefined. */
  async function current(req: Request, res: Response, prompt?: string): Promise<Interaction | undefined> {
    let interaction: Interaction
    try {
      interaction = await provider().interactionDetails(req, res)
    } catch {
      res
        .status(400)
        .send(messagePage('Sign-in expired', 'This sign-in request is unknown or has expired, or it was started in another browser.'))
      return undefined
    }
    if (interaction.uid !== req.params.uid || (prompt && interaction.prompt.name !== prompt)) {
      res.status(400).send(messagePage('Sign-in error', 'This form does not belong to the sign-in in progress.'))
      return undefined
    }
    return interaction
  }

  async function clientOf(interaction: Interaction) {
    const client = await provider().Client.find(String(interaction.params.client_id))
    return {
      name: client?.clientName ?? String(interaction.params.client_id),
      refreshes: client?.grantTypeAllowed('refresh_token') ?? false,
    }
  }

  function consentView(interaction: Interaction, client: { name: string; refreshes: boolean }) {
    const user = users.find(interaction.session?.accountId ?? '')
    const asked = String(interaction.params.scope ?? '')
      .split(' ')
      .filter(Boolean)
    const resource = [interaction.params.resource].flat().map(String)[0] ?? '(none)'
    const resourceScopes = asked.filter((scope) => scope !== 'offline_access' && scope !== 'openid')
    return {
      action: `/interaction/${interaction.uid}/confirm`,
      csrf: csrfToken(csrfSecret, interaction.uid),
      user: user?.sub ?? '?',
      client: client.name,
      redirectHost: URL.parse(String(interaction.params.redirect_uri))?.host ?? '?',
      resource,
      // A user grants at most what they hold: alice asking for notes:admin gets a token without it.
      granted: resourceScopes.filter((scope) => user?.scopes.includes(scope)),
      refused: resourceScopes.filter((scope) => !user?.scopes.includes(scope)),
      offline: client.refreshes,
    }
  }

  router.get('/interaction/:uid', async (req, res) => {
    const interaction = await current(req, res)
    if (!interaction) return
    const client = await clientOf(interaction)
    if (interaction.prompt.name === 'login') {
      res.send(
        loginPage({ action: `/interaction/${interaction.uid}/login`, csrf: csrfToken(csrfSecret, interaction.uid), client: client.name }),
      )
    } else if (interaction.prompt.name === 'consent') {
      res.send(consentPage(consentView(interaction, client)))
    } else {
      res.status(400).send(messagePage('Sign-in error', `This provider cannot handle the "${interaction.prompt.name}" step.`))
    }
  })

  router.post('/interaction/:uid/login', form, async (req, res) => {
    const interaction = await current(req, res, 'login')
    if (!interaction) return
    if (!csrfValid(csrfSecret, interaction.uid, req.body?.csrf)) {
      res.status(403).send(messagePage('Forbidden', "The form's CSRF token is missing or wrong."))
      return
    }
    const { username, password } = req.body ?? {}
    const user = typeof username === 'string' && typeof password === 'string' ? users.verify(username, password) : undefined
    if (!user) {
      const csrf = csrfToken(csrfSecret, interaction.uid)
      res
        .status(401)
        .send(
          loginPage({ action: req.originalUrl, csrf, client: (await clientOf(interaction)).name, error: 'Wrong username or password.' }),
        )
      return
    }
    await provider().interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false })
  })

  router.post('/interaction/:uid/confirm', form, async (req, res) => {
    const interaction = await current(req, res, 'consent')
    if (!interaction) return
    if (!csrfValid(csrfSecret, interaction.uid, req.body?.csrf)) {
      res.status(403).send(messagePage('Forbidden', "The form's CSRF token is missing or wrong."))
      return
    }
    if (req.body?.decision !== 'approve') {
      // RFC 6749 §4.1.2.1: the client learns "access_denied" (with iss, RFC 9207), nothing more.
      await provider().interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'The user did not allow access' },
        { mergeWithLastSubmission: false },
      )
      return
    }
    const accountId = interaction.session!.accountId
    const { Grant } = provider()
    const grant =
      (interaction.grantId && (await Grant.find(interaction.grantId))) ||
      new Grant({ accountId, clientId: String(interaction.params.client_id) })
    const details = interaction.prompt.details as { missingOIDCScope?: string[]; missingResourceScopes?: Record<string, string[]> }
    if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '))
    const user = users.find(accountId)
    for (const [resource, scopes] of Object.entries(details.missingResourceScopes ?? {})) {
      const allowed = scopes.filter((scope) => user?.scopes.includes(scope))
      const refused = scopes.filter((scope) => !user?.scopes.includes(scope))
      if (allowed.length > 0) grant.addResourceScope(resource, allowed.join(' '))
      // Recorded as refused, so the provider does not ask again for what this user cannot give.
      if (refused.length > 0) grant.rejectResourceScope(resource, refused.join(' '))
    }
    const grantId = await grant.save()
    await provider().interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true })
  })

  return router
}
