// Attacks on the long-lived credentials: refresh tokens (a stolen one is a standing pass), and the
// endpoints that say whether a token is alive (revocation, introspection). Each attack uses a grant
// of its own: a demo user signs in and consents, as for any client.
import type { RegisteredClient } from '@workshop/kit/oauth-client'
import type { AuthorizationServer, Tokens } from '@workshop/kit/oauth-client'
import { type AttackContext, describe, granted, onAuthorizationServer } from '../context.ts'
import { type Attack, type Defence, type Outcome, blocked, gotThrough } from './types.ts'

const group = 'refresh'

function attack(
  id: string,
  title: string,
  defence: Defence,
  rule: string,
  run: (ctx: AttackContext, as: AuthorizationServer) => Promise<Outcome>,
): Attack {
  return { id, title, group, defence, rule, run: onAuthorizationServer(run) }
}

/** A fresh grant for the user, through the public client. */
const grant = (ctx: AttackContext, as: AuthorizationServer, scope = 'notes:read'): Promise<Tokens> => as.tokens({ user: ctx.user, scope })
/** A confidential client of the attacker's own, the kind that may call /introspect. */
const confidential = (as: AuthorizationServer): Promise<RegisteredClient> =>
  as.client('attacker (confidential)', { token_endpoint_auth_method: 'client_secret_basic' })

/** Introspection (RFC 7662) of a grant's refresh and access tokens: got through if either answer reveals a live token. */
async function reveals(as: AuthorizationServer, client: RegisteredClient | undefined, tokens: Tokens): Promise<Outcome> {
  const answers: string[] = []
  for (const token of [tokens.refresh_token, tokens.access_token]) {
    if (token === undefined) continue
    const reply = await as.introspect({ client, token })
    if (reply.json?.active === true)
      return gotThrough(`introspection revealed a live token: sub ${reply.json.sub}, scope ${reply.json.scope}`)
    answers.push(reply.json?.active === false ? `${reply.status} {"active":false}` : describe(reply))
  }
  return blocked([...new Set(answers)].join('; '))
}

/** Introspection with no client authentication at all. */
const anonymously = async (ctx: AttackContext, as: AuthorizationServer): Promise<Outcome> => reveals(as, undefined, await grant(ctx, as))

export const refreshAttacks: Attack[] = [
  // OAuth 2.1 §4.3.1, RFC 9700 §4.14.2: a rotated refresh token coming back means two parties hold the
  // family (the client and a thief); the server cannot tell which, so the whole grant ends. A server with
  // a reuse interval (lab 5) answers a replay right after the rotation as a retry whose answer was lost,
  // replacing the client's tokens; the theft then shows when the client refreshes with its replaced token.
  attack(
    'refresh-replay',
    'a rotated refresh token replayed: does the family live?',
    'refresh-rotation',
    'OAuth 2.1 §4.3.1, RFC 9700',
    async (ctx, as) => {
      const { client, refresh_token: stolen } = await grant(ctx, as)
      const rotated = await as.refresh({ client, refreshToken: stolen! })
      if (rotated.status !== 200) return blocked(`even the first refresh failed: ${describe(rotated)}`)
      const replay = await as.refresh({ client, refreshToken: stolen! })
      // The client carries on with the token it was given.
      const clients = await as.refresh({ client, refreshToken: rotated.json.refresh_token })
      if (replay.status !== 200)
        return clients.status === 200
          ? gotThrough('the replay was refused, but the newest refresh token still works')
          : blocked(`replay → ${describe(replay)}; the whole family is dead`)
      // The replay was answered (a reuse interval): the client's next refresh must expose it, and end the thief's tokens too.
      if (clients.status === 200) return gotThrough('the replay got tokens, and the client still refreshes')
      const thiefs = await as.refresh({ client, refreshToken: replay.json.refresh_token })
      if (thiefs.status === 200) return gotThrough("the replay's refresh token outlived the client's")
      return blocked(`replay → 200 (a reuse interval), but the client's next refresh → ${describe(clients)}: the whole family is dead`)
    },
  ),
  // RFC 6749 §6: a refresh may narrow the scope; asking for more than was granted must fail.
  attack(
    'refresh-widen',
    'a notes:read grant refreshed into write and admin',
    'refresh-scope',
    'RFC 6749 §6, OAuth 2.1 §4.3.1',
    async (ctx, as) => {
      const { client, refresh_token } = await grant(ctx, as, 'notes:read')
      const reply = await as.refresh({ client, refreshToken: refresh_token!, scope: 'notes:read notes:write notes:admin' })
      const scope = reply.status === 200 ? granted(reply.json).scope : ''
      return /write|admin/.test(scope)
        ? gotThrough(`a token with scope "${scope}"`)
        : blocked(reply.status === 200 ? `200, but scope "${scope}"` : describe(reply))
    },
  ),
  // RFC 6749 §6: a refresh token is bound to its client.
  attack(
    'refresh-other-client',
    "the attacker's client uses the user's refresh token",
    'client-binding',
    'RFC 6749 §6, OAuth 2.1 §4.3.1',
    async (ctx, as) => {
      const { refresh_token } = await grant(ctx, as)
      const reply = await as.refresh({ client: await as.client('attacker'), refreshToken: refresh_token! })
      return reply.status === 200 ? gotThrough('tokens issued to the wrong client') : blocked(describe(reply))
    },
  ),
  // RFC 7009 §2.1: revoking a refresh token ends it, and the grant it belongs to.
  attack('revoked-refresh-token', 'a refresh token used after the client revoked it', 'revocation', 'RFC 7009 §2.1', async (ctx, as) => {
    const { client, refresh_token } = await grant(ctx, as)
    await as.revoke({ client, token: refresh_token! })
    const reply = await as.refresh({ client, refreshToken: refresh_token! })
    return reply.status === 200 ? gotThrough('the revoked refresh token was refreshed') : blocked(describe(reply))
  }),
  // RFC 7009 §2: a revoked access token. A JWT is checked offline: only a resource server that asks
  // the issuer (lab 5's isActive, or introspection) refuses it before it expires.
  attack(
    'revoked-access-token',
    'an access token used after the client revoked it',
    'live-token-check',
    'RFC 7009 §2, RFC 7662',
    async (ctx, as) => {
      const { client, access_token } = await grant(ctx, as)
      await as.revoke({ client, token: access_token })
      return ctx.present(access_token)
    },
  ),
  // RFC 7009 §2.1: a client may revoke only its own tokens. Otherwise anyone could log users out of every app.
  attack(
    'revoke-other-client',
    "the attacker's client revokes the user's refresh token",
    'client-binding',
    'RFC 7009 §2.1',
    async (ctx, as) => {
      const { client, refresh_token } = await grant(ctx, as)
      await as.revoke({ client: await as.client('attacker'), token: refresh_token! })
      const reply = await as.refresh({ client, refreshToken: refresh_token! })
      return reply.status === 200
        ? blocked("the revocation was ignored: the user's refresh token still works")
        : gotThrough(`the user's grant is dead: ${describe(reply)}`)
    },
  ),
  // RFC 7662 §2.1, §4: without caller authentication, introspection is an oracle for stolen or guessed tokens.
  attack('introspect-anonymous', 'introspect a token without authenticating', 'introspection-auth', 'RFC 7662 §2.1, §4', anonymously),
  attack(
    'introspect-public-client',
    'introspect as a public client (nothing to prove who it is)',
    'introspection-auth',
    'RFC 7662 §2.1',
    async (ctx, as) => {
      const tokens = await grant(ctx, as)
      return reveals(as, tokens.client, tokens)
    },
  ),
  attack(
    'introspect-other-client',
    "a confidential client introspects another client's token",
    'client-binding',
    'RFC 7662 §2.2, §4',
    async (ctx, as) => reveals(as, await confidential(as), await grant(ctx, as)),
  ),
]
