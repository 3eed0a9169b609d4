// Robustness: a refresh whose answer is lost. Two hundred clients refresh at once. The network drops
// a quarter of the answers (those clients hang up as soon as their request is sent), and lab 5 is
// killed with SIGKILL in the middle of the rest. So some rotations took effect without their answer
// ever arriving. Each of those clients still holds the refresh token it sent, and does what any
// client does when a request dies: sends it again, here to the restarted server. That honest retry
// must not count as reuse of a rotated token (which ends the grant and signs the user out): the
// reuse interval answers it. Every session must survive.
import { mkdtempSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, expect, it } from 'vitest'
import { leakedLines } from '@workshop/kit/attack-kit'
import { findLab } from '@workshop/kit/labs'
import { type RunningLab, startLab } from '@workshop/kit/lab-process'
import { sha256 } from '../labs/05-oauth/oauth/secrets.ts'
import type { Tokens } from '@workshop/kit/oauth-client'
import { AttackContext, discoverTarget } from '../labs/08-attacks/context.ts'

const SESSIONS = 200
/** every DROPPED-th client loses its answer on the network */
const DROPPED = 4
/** the kill comes once this many of the other refreshes have been answered */
const KILL_AFTER = 10
const TIMEOUT = 240_000
const running: RunningLab[] = []
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()))
})

/** Sends a refresh and hangs up without reading the answer, as when the network drops it. */
function refreshAndHangUp(tokenEndpoint: string, session: Tokens): Promise<void> {
  const body = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: session.refresh_token!,
    client_id: session.client.client_id,
  })
  return new Promise((resolve) => {
    const outgoing = request(tokenEndpoint, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } })
    outgoing.on('error', () => resolve())
    outgoing.end(body.toString(), () => {
      outgoing.destroy()
      resolve()
    })
  })
}

it(
  `lab 5 killed during ${SESSIONS} concurrent refreshes, some answers lost on the way: every client that retries keeps its session`,
  async () => {
    const lab = findLab('5')
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'mcp-workshop-refresh-kill-')), RATE_LIMIT_PER_MINUTE: '1000000' }
    const first = await startLab(lab, { env })
    running.push(first)
    const as = new AttackContext(await discoverTarget(first.base)).as!

    // One signed-in session per client, eight sign-ins at a time.
    const sessions: Tokens[] = []
    let signedIn = 0
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let slot = signedIn++; slot < SESSIONS; slot = signedIn++)
          sessions[slot] = await as.tokens({ user: 'alice', scope: 'notes:read' })
      }),
    )

    // All refresh at once (the dropped ones first); the server dies once KILL_AFTER answers have arrived.
    const answers: (string | undefined)[] = new Array(SESSIONS).fill(undefined)
    const dropped = (i: number) => i % DROPPED === 0
    let answered = 0
    await Promise.all(sessions.filter((_, i) => dropped(i)).map((s) => refreshAndHangUp(as.metadata.token_endpoint, s)))
    await Promise.all(
      sessions.map(async (session, i) => {
        if (dropped(i)) return
        try {
          const reply = await as.refresh({ client: session.client, refreshToken: session.refresh_token! })
          answers[i] = reply.status === 200 ? reply.json.refresh_token : `HTTP ${reply.status} ${reply.json?.error}`
          if (++answered === KILL_AFTER) first.child.kill('SIGKILL')
        } catch {
          // the connection died with the server: no answer
        }
      }),
    )
    await new Promise<void>((resolve) =>
      first.child.exitCode !== null || first.child.signalCode !== null ? resolve() : first.child.once('exit', () => resolve()),
    )
    expect(
      answers.filter((a) => a?.startsWith('HTTP')),
      'refreshes refused before the kill',
    ).toEqual([])

    // What the dead server wrote: rotations that took effect although their answer never arrived.
    // These are the sessions a server without a reuse interval loses.
    const db = new Database(join(env.DATA_DIR, `05-oauth-${first.port}.sqlite`))
    const usedAt = db.prepare<[string], { used_at: number | null }>('SELECT used_at FROM refresh_tokens WHERE hash = ?')
    const unheard = sessions.filter((s, i) => answers[i] === undefined && usedAt.get(sha256(s.refresh_token!))?.used_at != null).length
    db.close()
    expect(unheard, 'rotations whose answer was lost').toBeGreaterThan(0)

    // The same port and data folder, as after a crash and a supervisor's restart.
    const second = await startLab(lab, { port: first.port, env })
    running.push(second)
    const after = new AttackContext(await discoverTarget(second.base)).as!

    // Each client carries on: with the token it was answered, or by retrying with the one it sent.
    // Then once more with what it now holds: the family lives on in exactly the token the client has.
    const lost: string[] = []
    for (const [i, session] of sessions.entries()) {
      const held = answers[i] ?? session.refresh_token!
      const next = await after.refresh({ client: session.client, refreshToken: held })
      const again = next.status === 200 ? await after.refresh({ client: session.client, refreshToken: next.json.refresh_token }) : next
      if (again.status !== 200) lost.push(`${answers[i] ? 'answered' : 'retried'}: ${again.status} ${again.json?.error_description}`)
    }
    const unanswered = answers.filter((a) => a === undefined).length
    console.log(
      `killed after ${answered} of ${SESSIONS} refreshes were answered; ${unanswered} unanswered ` +
        `(${SESSIONS / DROPPED} dropped by the network), ${unheard} of them rotated before their answer was lost; ` +
        `all retried after the restart; ${lost.length} sessions lost`,
    )
    expect(lost, 'sessions lost').toEqual([])

    const secrets = [...as.secrets, ...after.secrets]
    expect(leakedLines(`${first.output()}\n${second.output()}`, secrets)).toEqual([])
  },
  TIMEOUT,
)
