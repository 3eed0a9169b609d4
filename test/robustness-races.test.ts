// Robustness: races. Twenty clients redeem the same authorization code at the same instant, or
// refresh with the same refresh token: exactly one redemption may win (OAuth 2.1 §4.1.3), at most one
// refresh token of the family may stay live (§4.3.1), and what is left afterwards is coherent. Against
// lab 5 and, when it exists, lab 7's identity provider, through the same generic client the attack battery uses.
import { afterAll, describe, expect, it } from 'vitest'
import { leakedLines } from '@workshop/kit/attack-kit'
import { rpc } from '@workshop/kit/http'
import { findLab, labExists } from '@workshop/kit/labs'
import { type RunningLab, startLab } from '@workshop/kit/lab-process'
import { AttackContext, discoverTarget, ranText } from '../labs/08-attacks/context.ts'

const PARALLEL = 20
const ROUNDS = 3
const TIMEOUT = 120_000
const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })

const running: RunningLab[] = []
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()))
})

const labs = ['5', '7'].map((n) => findLab(n)).filter(labExists)

describe.each(labs.map((lab) => [lab.n, lab] as const))('lab %i under races', (_n, lab) => {
  let ctx: AttackContext
  let server: RunningLab
  const start = async () => {
    if (ctx) return ctx
    server = await startLab(lab)
    running.push(server)
    ctx = new AttackContext(await discoverTarget(server.base))
    return ctx
  }
  const statuses = (replies: { status: number; json?: any }[]) =>
    replies.map((r) => (r.status === 200 ? 200 : `${r.status} ${r.json?.error}`))

  it(
    `${ROUNDS} × ${PARALLEL} parallel redemptions of one code: exactly one token response, and the replays end the grant`,
    async () => {
      const { as } = await start()
      for (let round = 0; round < ROUNDS; round++) {
        const { code, pkce, client, redirectUri } = await as!.authorize({ user: 'alice', scope: 'notes:read' })
        const replies = await Promise.all(
          Array.from({ length: PARALLEL }, () => as!.exchange({ client, code, verifier: pkce.verifier, redirectUri })),
        )
        const winners = replies.filter((r) => r.status === 200)
        expect(winners.length, `round ${round}: ${JSON.stringify(statuses(replies))}`).toBe(1)
        expect(replies.filter((r) => r.status !== 200).every((r) => r.status === 400 && r.json?.error === 'invalid_grant')).toBe(true)
        // Coherent afterwards: every loser was a replay of a used code, and OAuth 2.1 §4.1.3 says a replay
        // revokes what the code produced. Both servers do: the winner's refresh token is dead.
        const [winner] = winners
        expect((await as!.refresh({ client, refreshToken: winner.json.refresh_token })).json?.error).toBe('invalid_grant')
        // Lab 5's resource server asks the authorization server, so the access token dies too; lab 7's
        // checks its JWTs offline, so it lives until it expires (its README's lesson, and lab 8's).
        const access = ranText(await ctx.mcp(readNotes, { token: winner.json.access_token }))
        if (lab.n === 5) expect(access, "lab 5: the winner's access token after the replays").toBeUndefined()
      }
    },
    TIMEOUT,
  )

  it(
    `${ROUNDS} × ${PARALLEL} parallel refreshes with one refresh token: a coherent family, with at most one live successor`,
    async () => {
      const { as } = await start()
      for (let round = 0; round < ROUNDS; round++) {
        const tokens = await as!.tokens({ user: 'alice', scope: 'notes:read' })
        const replies = await Promise.all(
          Array.from({ length: PARALLEL }, () => as!.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })),
        )
        const winners = replies.filter((r) => r.status === 200)
        expect(replies.filter((r) => r.status !== 200).every((r) => r.status === 400 && r.json?.error === 'invalid_grant')).toBe(true)
        if (lab.n === 5) {
          // Lab 5 has a reuse interval (RFC 9700 §4.14.2): inside it, each presentation of the token just
          // rotated is a retry whose answer may have been lost, and gets new tokens that replace the last
          // ones. So all are answered, and exactly one successor stays live: the last one issued.
          expect(winners.length, `round ${round}: ${JSON.stringify(statuses(replies))}`).toBe(PARALLEL)
          const live = []
          for (const winner of winners) if (ranText(await ctx.mcp(readNotes, { token: winner.json.access_token }))) live.push(winner)
          expect(live.length, 'access tokens of the family still accepted at /mcp').toBe(1)
          const next = await as!.refresh({ client: tokens.client, refreshToken: live[0].json.refresh_token })
          expect(next.status, "the live successor's refresh token").toBe(200)
          // Its successor used, the first token is no retry any more but reuse: the whole family dies.
          expect((await as!.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })).status).toBe(400)
          expect((await as!.refresh({ client: tokens.client, refreshToken: next.json.refresh_token })).json?.error).toBe('invalid_grant')
          expect(
            ranText(await ctx.mcp(readNotes, { token: next.json.access_token })),
            'family dead: the newest access token',
          ).toBeUndefined()
          continue
        }
        expect(winners.length, `round ${round}: ${JSON.stringify(statuses(replies))}`).toBe(1)
        // The grant must be coherent: either the family lives on in the one new refresh token (and the
        // old one stays dead), or the whole family is dead. Lab 7 does the second: the losers reused a
        // rotated token, which is how reuse detection sees a theft (OAuth 2.1 §4.3.1), so the grant ends.
        const [winner] = winners
        const next = await as!.refresh({ client: tokens.client, refreshToken: winner.json.refresh_token })
        const old = await as!.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
        expect(old.status, 'the rotated-away refresh token').toBe(400)
        if (next.status === 200) {
          expect(next.json.refresh_token).toBeTypeOf('string') // the family lives on, in exactly one token
        } else {
          expect(next.json?.error, 'family dead: the new refresh token').toBe('invalid_grant')
        }
        expect(next.status, 'lab 7 revokes the whole family on reuse').toBe(400)
      }
      const logs = [server.output(), ...Object.values(server.companions).map((c) => c.output())].join('\n')
      expect(leakedLines(logs, [...ctx.secrets()])).toEqual([])
    },
    TIMEOUT,
  )
})
