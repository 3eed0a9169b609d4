// Attacks on the redirect URI: it is where the authorization server sends the code (and the user).
// Every trick below asks for a URI that is not, byte for byte, one the client registered; if the
// server goes along, the code lands with the attacker. And when the server cannot trust the client
// or the URI at all, it must show an error page, not redirect: that would make it an open
// redirector with a trustworthy-looking domain (OAuth 2.1 §4.1.2.1, §7.12.2).
import { Browser } from '@workshop/kit/user-agent'
import { pkcePair } from '@workshop/kit/authorization-request'
import { type RegisteredClient, CALLBACK } from '@workshop/kit/oauth-client'
import { type AuthorizationServer, type Page, locationOf } from '@workshop/kit/oauth-client'
import { type AttackContext, describe, onAuthorizationServer } from '../context.ts'
import { type Attack, type Defence, type Outcome, blocked, gotThrough } from './types.ts'

const group = 'redirects'
const REGISTERED = 'https://client.example/cb'

/** The victim's application: two registered redirect URIs, one https, one loopback (RFC 8252 §7.3). */
const victim = (as: AuthorizationServer): Promise<RegisteredClient> => as.client('victim app', { redirect_uris: [REGISTERED, CALLBACK] })

/** Where a redirect sends the browser, without the response parameters; undefined if it is not a redirect. */
function redirectTarget(page: Page): string | undefined {
  const url = locationOf(page)
  if (url === undefined) return undefined
  for (const name of ['code', 'state', 'iss', 'error', 'error_description']) url.searchParams.delete(name)
  return url.href
}

/** Got through if the browser is sent anywhere but a registered URI: at once, or with a code after the user approves. */
async function sendsTo(page: Page, registered: string[], approve?: () => Promise<{ page: Page }>): Promise<Outcome> {
  const first = redirectTarget(page)
  if (first !== undefined) return registered.includes(first) ? blocked(describe(page.reply)) : gotThrough(`redirected to ${first}`)
  if (page.reply.status !== 200 || approve === undefined) return blocked(describe(page.reply))
  // The sign-in page: the request was accepted. Sign in and approve, and see where the code goes.
  const after = await approve()
  const target = redirectTarget(after.page)
  return target !== undefined && !registered.includes(target)
    ? gotThrough(`the code went to ${target}`)
    : blocked(`accepted, then ${describe(after.page.reply)}`)
}

function attack(
  id: string,
  title: string,
  defence: Defence,
  rule: string,
  run: (ctx: AttackContext, as: AuthorizationServer) => Promise<Outcome>,
): Attack {
  return { id, title, group, defence, rule, run: onAuthorizationServer(run) }
}

/** The victim's client asks for `redirectUri`, which it never registered. */
function trick(id: string, title: string, redirectUri: string, rule = 'OAuth 2.1 §4.1.1, §2.3.1'): Attack {
  return attack(id, title, 'exact-redirect-uri', rule, async (ctx, as) => {
    const client = await victim(as)
    const attempt = await as.start({ client, redirectUri })
    return sendsTo(attempt, client.redirect_uris, () => as.approve(attempt, ctx.user))
  })
}

export const redirectAttacks: Attack[] = [
  trick('redirect-other-host', "redirect_uri on the attacker's host", 'https://evil.example/cb'),
  trick('redirect-prefix', 'a longer path that starts with the registered one (/cb/evil)', `${REGISTERED}/evil`),
  trick('redirect-dot-segments', 'dot segments climbing out of the path (/cb/../evil)', `${REGISTERED}/../evil`),
  trick('redirect-trailing-slash', 'the registered URI with a trailing slash', `${REGISTERED}/`),
  trick('redirect-path-case', 'the path in another case (/CB)', 'https://client.example/CB'),
  trick('redirect-query', 'an added query (?next=https://evil.example)', `${REGISTERED}?next=https://evil.example`),
  trick('redirect-userinfo', 'userinfo that moves the host (client.example@evil.example)', 'https://client.example@evil.example/cb'),
  trick('redirect-subdomain', 'a host that starts like it (client.example.evil.example)', 'https://client.example.evil.example/cb'),
  trick('redirect-http', 'http instead of https: the code in clear on the network', 'http://client.example/cb', 'OAuth 2.1 §4.1.1, §1.5'),
  // RFC 8252 §7.3: only a loopback IP redirect may change its port; its host and path may not change.
  trick(
    'redirect-loopback-host',
    'localhost instead of the registered 127.0.0.1',
    CALLBACK.replace('127.0.0.1', 'localhost'),
    'RFC 8252 §7.3, §8.3',
  ),
  trick('redirect-loopback-path', 'a loopback redirect on another port AND another path', 'http://127.0.0.1:9999/evil', 'RFC 8252 §7.3'),

  // When the client is unknown, nothing says which redirect is safe: an error page, never a redirect.
  attack(
    'unknown-client',
    "an unknown client_id with the attacker's redirect_uri",
    'no-open-redirect',
    'OAuth 2.1 §4.1.2.1, §7.12.2',
    async (_ctx, as) => {
      const client = { client_id: 'no-such-client', token_endpoint_auth_method: 'none', redirect_uris: ['https://evil.example/cb'] }
      return sendsTo(await as.start({ client }), [])
    },
  ),
  // An error about the request (here response_type=token) goes to the redirect URI only once that URI is trusted.
  attack(
    'error-to-unregistered',
    'response_type=token with an unregistered redirect_uri',
    'no-open-redirect',
    'OAuth 2.1 §4.1.2.1',
    async (_ctx, as) => {
      const client = await victim(as)
      return sendsTo(
        await as.start({ client, redirectUri: 'https://evil.example/cb', params: { response_type: 'token' } }),
        client.redirect_uris,
      )
    },
  ),
  // Parameter pollution: a second redirect_uri. A server that checks the first and uses the last is an open redirector.
  attack(
    'repeated-redirect-uri',
    "redirect_uri twice: the registered one, then the attacker's",
    'no-open-redirect',
    'RFC 6749 §3.1',
    async (_ctx, as) => {
      const client = await victim(as)
      const honest = as.authorizationUrl({ client, pkce: pkcePair(), state: 'x', redirectUri: REGISTERED })
      const url = `${honest}&redirect_uri=${encodeURIComponent('https://evil.example/cb')}`
      return sendsTo(await as.open(new Browser(), url), client.redirect_uris)
    },
  ),
]
