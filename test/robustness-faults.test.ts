// Robustness: a crash. Lab 5 is killed with SIGKILL (no clean shutdown, no checkpoint) in the middle
// of a burst of registrations, refresh-token rotations and revocations, then restarted on the same
// port and data folder. Whatever the server acknowledged with a 2xx before it died must hold: every
// client it registered still works, every refresh token it handed out still refreshes, every
// revocation it confirmed still stands. What it never acknowledged, nobody may count on.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { leakedLines } from '@workshop/kit/attack-kit'
import { findLab } from '@workshop/kit/labs'
import { type RunningLab, startLab } from '@workshop/kit/lab-process'
import { CALLBACK, type RegisteredClient } from '@workshop/kit/oauth-client'
import type { Tokens } from '@workshop/kit/oauth-client'
import { AttackContext, discoverTarget } from '../labs/08-attacks/context.ts'

const TIMEOUT = 120_000
const running: RunningLab[] = []
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()))
})

it(
  'lab 5 killed with SIGKILL mid-burst: every acknowledged client, refresh token and revocation survives the restart',
  async () => {
    const lab = findLab('5')
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'mcp-workshop-faults-')), RATE_LIMIT_PER_MINUTE: '100000' }
    const first = await startLab(lab, { env })
    running.push(first)
    const ctx = new AttackContext(await discoverTarget(first.base))
    const as = ctx.as!

    // Before the burst: grants whose refresh tokens the burst rotates or revokes, and two it leaves alone.
    const grants: Tokens[] = []
    for (let i = 0; i < 16; i++) grants.push(await as.tokens({ user: 'alice', scope: 'notes:read' }))
    const untouched = grants.slice(14)

    // The burst, eight requests in flight at a time; the server is killed once 30 have been acknowledged.
    const acknowledged = {
      clients: [] as RegisteredClient[],
      refreshed: [] as { client: RegisteredClient; token: string }[],
      revoked: [] as { client: RegisteredClient; token: string }[],
    }
    const registrations = Array.from({ length: 60 }, (_, i) => async () => {
      const reply = await as.register({
        client_name: `burst ${i}`,
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: i % 3 === 0 ? 'client_secret_basic' : 'none',
      })
      if (reply.status === 201) acknowledged.clients.push(reply.json)
    })
    const rotations = grants.slice(0, 8).map((grant) => async () => {
      const reply = await as.refresh({ client: grant.client, refreshToken: grant.refresh_token! })
      if (reply.status === 200) acknowledged.refreshed.push({ client: grant.client, token: reply.json.refresh_token })
    })
    const revocations = grants.slice(8, 14).map((grant) => async () => {
      const reply = await as.revoke({ client: grant.client, token: grant.refresh_token! })
      if (reply.status === 200) acknowledged.revoked.push({ client: grant.client, token: grant.refresh_token! })
    })
    const operations = spread(registrations, rotations, revocations)
    let next = 0
    let killed = false
    const acks = () => acknowledged.clients.length + acknowledged.refreshed.length + acknowledged.revoked.length
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < operations.length) {
          await operations[next++]().catch(() => {}) // no answer: not acknowledged
          if (!killed && acks() >= 30) {
            killed = true
            first.child.kill('SIGKILL')
          }
        }
      }),
    )
    expect(killed, 'the burst ended before the kill').toBe(true)
    expect(acks(), 'some of the burst was never acknowledged').toBeLessThan(operations.length)
    await new Promise<void>((resolve) =>
      first.child.exitCode !== null || first.child.signalCode !== null ? resolve() : first.child.once('exit', () => resolve()),
    )

    // The same port and data folder, as after a crash and a restart.
    const second = await startLab(lab, { port: first.port, env })
    running.push(second)
    const after = new AttackContext(await discoverTarget(second.base)).as!

    // Every acknowledged client still authenticates: a public one gets invalid_grant (not invalid_client)
    // for a made-up refresh token; a confidential one's secret still opens /introspect.
    for (const client of acknowledged.clients) {
      const reply = client.client_secret
        ? await after.introspect({ client, token: 'x' })
        : await after.refresh({ client, refreshToken: 'made-up' })
      expect(reply.status, `client ${client.client_id} (${client.token_endpoint_auth_method})`).toBe(client.client_secret ? 200 : 400)
    }
    // …and a few walk the whole flow.
    for (const client of acknowledged.clients.filter((c) => !c.client_secret).slice(0, 3)) {
      expect((await after.tokens({ user: 'alice', scope: 'notes:read', client })).access_token).toBeTypeOf('string')
    }
    // Every refresh token the server handed out still refreshes, and the untouched ones too.
    for (const { client, token } of [...acknowledged.refreshed, ...untouched.map((g) => ({ client: g.client, token: g.refresh_token! }))]) {
      const reply = await after.refresh({ client, refreshToken: token })
      expect(reply.status, `refresh after the restart: ${reply.text}`).toBe(200)
    }
    // Every confirmed revocation still holds.
    for (const { client, token } of acknowledged.revoked) {
      expect((await after.refresh({ client, refreshToken: token })).json?.error).toBe('invalid_grant')
    }
    console.log(
      `killed after ${acks()} of ${operations.length} operations were acknowledged: ` +
        `${acknowledged.clients.length} registrations, ${acknowledged.refreshed.length} rotations, ` +
        `${acknowledged.revoked.length} revocations; all held`,
    )

    // And neither life of the server logged a token or a secret.
    const secrets = [...as.secrets, ...after.secrets, ...acknowledged.clients.map((c) => c.client_secret ?? '')]
    expect(leakedLines(`${first.output()}\n${second.output()}`, secrets)).toEqual([])
  },
  TIMEOUT,
)

/** The lists merged so each is spread evenly over the whole: the kill lands among every kind of operation. */
function spread<T>(...lists: T[][]): T[] {
  return lists
    .flatMap((list) => list.map((item, i) => ({ item, at: (i + 0.5) / list.length })))
    .sort((a, b) => a.at - b.at)
    .map(({ item }) => item)
}
