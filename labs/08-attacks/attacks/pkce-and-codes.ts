// Attacks on the authorization code: it travels through the browser (history, logs, a malicious app
// registered for the same redirect), so assume the attacker has it. PKCE makes it useless without
// the verifier only the real client holds (RFC 7636 §1); binding makes it useless to anyone else.
import { type Reply, rpc } from '@workshop/kit/http'
import { pkcePair } from '@workshop/kit/authorization-request'
import { type RegisteredClient, CALLBACK } from '@workshop/kit/oauth-client'
import type { AuthorizationServer } from '@workshop/kit/oauth-client'
import { type AttackContext, describe, granted, onAuthorizationServer, ranText } from '../context.ts'
import { type Attack, type Defence, type Outcome, blocked, gotThrough } from './types.ts'

const group = 'pkce-and-codes'
const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })

function attack(
  id: string,
  title: string,
  defence: Defence,
  rule: string,
  run: (ctx: AttackContext, as: AuthorizationServer) => Promise<Outcome>,
): Attack {
  return { id, title, group, defence, rule, run: onAuthorizationServer(run) }
}

type Redeem = (as: AuthorizationServer, code: string, verifier: string, client: RegisteredClient) => Promise<Reply>

/** An honest authorization by the user; then the code redeemed the way the attacker would: got through on tokens. */
function stolenCode(redeem: Redeem) {
  return async (ctx: AttackContext, as: AuthorizationServer): Promise<Outcome> => {
    const { code, pkce, client } = await as.authorize({ user: ctx.user, scope: 'notes:read' })
    const reply = await redeem(as, code, pkce.verifier, client)
    return reply.status === 200 ? gotThrough('the code was redeemed for tokens') : blocked(describe(reply))
  }
}

/** /authorize with weakened PKCE: blocked at once, or (if accepted) carried on until a token comes out. */
async function weakPkce(
  ctx: AttackContext,
  as: AuthorizationServer,
  params: Record<string, string | undefined>,
  verifier: string | undefined,
): Promise<Outcome> {
  const attempt = await as.start({ pkce: verifier === undefined ? pkcePair() : { verifier, challenge: verifier }, params })
  if (attempt.reply.status !== 200) return blocked(describe(attempt.reply))
  const { page, location } = await as.approve(attempt, ctx.user)
  const code = location?.searchParams.get('code')
  if (!code) return blocked(`accepted at first, then ${describe(page.reply)}`)
  const token = await as.exchange({ client: attempt.client, code, verifier })
  return token.status === 200
    ? gotThrough('a code issued without S256 PKCE was redeemed for tokens')
    : blocked(`code issued, then ${describe(token)}`)
}

export const pkceAndCodeAttacks: Attack[] = [
  // OAuth 2.1 §4.1.1: PKCE is required. Without it a stolen code is as good as a token.
  attack('pkce-missing', 'no PKCE at /authorize, then the code redeemed alone', 'pkce-s256', 'OAuth 2.1 §4.1.1, RFC 7636', (ctx, as) =>
    weakPkce(ctx, as, { code_challenge: undefined, code_challenge_method: undefined }, undefined),
  ),
  // RFC 7636 §7.2: "plain" sends the verifier itself through the browser, where the code is stolen too.
  attack('pkce-plain', 'code_challenge_method=plain (the challenge is the verifier)', 'pkce-s256', 'RFC 7636 §7.2, OAuth 2.1', (ctx, as) =>
    weakPkce(ctx, as, { code_challenge_method: 'plain' }, 'plain-verifier-'.padEnd(43, 'x')),
  ),
  // The code is stolen; the verifier is not. Each of these is a guess or a shortcut.
  attack(
    'verifier-missing',
    'a stolen code redeemed without code_verifier',
    'pkce-s256',
    'RFC 7636 §4.5, §4.6',
    stolenCode((as, code, _v, client) => as.exchange({ client, code })),
  ),
  attack(
    'verifier-wrong',
    'a stolen code redeemed with another well-formed verifier',
    'pkce-s256',
    'RFC 7636 §4.6',
    stolenCode((as, code, _v, client) => as.exchange({ client, code, verifier: pkcePair().verifier })),
  ),
  attack(
    'verifier-is-challenge',
    'the challenge (seen in the browser) sent back as the verifier',
    'pkce-s256',
    'RFC 7636 §4.6',
    stolenCode((as, code, verifier, client) => as.exchange({ client, code, verifier: pkcePair(verifier).challenge })),
  ),
  attack(
    'verifier-short',
    'a 42-character verifier (brute force is cheaper when short)',
    'pkce-s256',
    'RFC 7636 §4.1',
    stolenCode((as, code, _v, client) => as.exchange({ client, code, verifier: 'a'.repeat(42) })),
  ),
  attack(
    'verifier-odd',
    'a verifier with characters outside the unreserved set',
    'pkce-s256',
    'RFC 7636 §4.1',
    stolenCode((as, code, _v, client) => as.exchange({ client, code, verifier: `${'a'.repeat(40)}+/=` })),
  ),

  // OAuth 2.1 §4.1.3: a code works once. A second redemption means it leaked: refuse it, and revoke
  // what the first redemption produced, since the server cannot tell the thief from the client.
  attack('code-replay', 'a code redeemed twice: does the first grant survive?', 'code-single-use', 'OAuth 2.1 §4.1.3', async (ctx, as) => {
    const { code, pkce, client } = await as.authorize({ user: ctx.user, scope: 'notes:read' })
    const first = await as.exchange({ client, code, verifier: pkce.verifier })
    if (first.status !== 200) return blocked(`even the first redemption failed: ${describe(first)}`)
    const second = await as.exchange({ client, code, verifier: pkce.verifier })
    if (second.status === 200) return gotThrough('the code was redeemed a second time')
    if (first.json.refresh_token && (await as.refresh({ client, refreshToken: first.json.refresh_token })).status === 200)
      return gotThrough('the replay was refused, but the first refresh token still works')
    return blocked(`replay → ${describe(second)}; the first refresh token is dead`)
  }),
  // The same replay, seen from the resource server: an access token is a signed JWT; whether the
  // revocation reaches /mcp depends on the resource server asking (lab 5 does, in process).
  attack(
    'code-replay-access-token',
    'after a code replay, does the first access token still work?',
    'live-token-check',
    'OAuth 2.1 §4.1.3, RFC 7009 §2',
    async (ctx, as) => {
      const { code, pkce, client } = await as.authorize({ user: ctx.user, scope: 'notes:read' })
      const first = await as.exchange({ client, code, verifier: pkce.verifier })
      if (first.status !== 200) return blocked(`even the first redemption failed: ${describe(first)}`)
      await as.exchange({ client, code, verifier: pkce.verifier })
      const reply = await ctx.mcp(readNotes, { token: first.json.access_token })
      return ranText(reply) !== undefined
        ? gotThrough('the grant was revoked, but its access token still works at /mcp')
        : blocked(describe(reply))
    },
  ),

  // RFC 6749 §4.1.3: a code is bound to the client it was issued to. Even with the verifier, another client gets nothing.
  attack(
    'code-other-client',
    "the attacker's client redeems the user's code + verifier",
    'client-binding',
    'OAuth 2.1 §4.1.3',
    stolenCode(async (as, code, verifier) => as.exchange({ client: await as.client('attacker'), code, verifier })),
  ),
  // OAuth 2.1 §10.2 (RFC 6749 §4.1.3): a redirect_uri at /token must equal the one the code was sent to.
  attack(
    'code-redirect-mismatch',
    'the code redeemed naming another redirect_uri',
    'code-binding',
    'OAuth 2.1 §10.2',
    stolenCode((as, code, verifier, client) => as.exchange({ client, code, verifier, redirectUri: `${CALLBACK}/evil` })),
  ),
  // RFC 8707 §2.2: the token is for the resource the user approved, not one named at the last moment.
  attack(
    'code-resource-mismatch',
    'the code redeemed for another resource (evil.example)',
    'code-binding',
    'RFC 8707 §2.2',
    async (ctx, as) => {
      const { code, pkce, client } = await as.authorize({ user: ctx.user, scope: 'notes:read' })
      const reply = await as.exchange({ client, code, verifier: pkce.verifier, resource: 'https://evil.example/mcp' })
      return reply.status === 200 ? gotThrough(`tokens issued, aud ${granted(reply.json).aud}`) : blocked(describe(reply))
    },
  ),
]
