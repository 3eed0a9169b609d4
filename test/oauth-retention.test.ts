// Lab 5's database stays bounded. Eighty simulated days (an injected clock, no sleeping) of what a
// server sees: sessions that sign in, refresh for ten days and go away, registrations nobody
// ever uses, sign-ins abandoned half-way with a 2,000-character state. The housekeeping runs every
// ten simulated minutes, as its timer does. The second forty days write as much as the first, yet
// the database holds no more rows and the file does not grow: what can no longer be used is gone
// (context.ts, RETENTION), and SQLite reuses the pages it freed. Live sessions are untouched.
// BOUNDED_GROWTH_REFRESHES and BOUNDED_GROWTH_REGISTRATIONS scale the run up (e.g. 50000 and 10000).
import { mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { expect, it } from 'vitest'
import { RETENTION } from '../labs/05-oauth/oauth/context.ts'
import { type RegisteredClient } from '@workshop/kit/oauth-client'
import { inProcess } from './oauth-in-process.ts'

const DAY = 86_400
const DAYS = 80
const REFRESHES = Number(process.env.BOUNDED_GROWTH_REFRESHES ?? 1_000)
const REGISTRATIONS = Number(process.env.BOUNDED_GROWTH_REGISTRATIONS ?? 500)
/** a session signs in every SESSION_EVERY days and refreshes for SESSION_DAYS, then goes away */
const SESSION_EVERY = 10
const SESSION_DAYS = 10
/** abandoned sign-ins, each a pending request with a 2,000-character state */
const ABANDONED_PER_DAY = 4
const TIMEOUT = 60_000 + (REFRESHES + REGISTRATIONS) * 20
const TABLES = ['clients', 'authorization_requests', 'grants', 'codes', 'refresh_tokens', 'access_tokens']

it(
  `stays bounded over ${DAYS} days: ${REFRESHES} refreshes, ${REGISTRATIONS} registrations, ${DAYS * ABANDONED_PER_DAY} abandoned sign-ins`,
  async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'mcp-workshop-retention-')), 'oauth.sqlite')
    let now = Date.parse('2030-01-01T00:00:00Z')
    const start = now
    const { as, oauth, stop } = await inProcess(() => now, file)
    const probe = new Database(file)
    const measure = () => {
      probe.pragma('wal_checkpoint(TRUNCATE)') // everything in the main file, so its size is the whole story
      const rows = Object.fromEntries(
        TABLES.map((table) => [table, (probe.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n]),
      )
      return { rows, total: Object.values(rows).reduce((a, b) => a + b, 0), bytes: statSync(file).size }
    }

    const sessions: { client: RegisteredClient; refreshToken: string; until: number }[] = []
    const written = { refreshes: 0, registrations: 0, abandoned: 0, sessions: 0 }
    const checkpoints: ({ day: number; written: number } & ReturnType<typeof measure>)[] = []
    const steps = (DAYS * DAY) / RETENTION.pruneEvery
    const perStep = (total: number) => total / steps
    const due = { refreshes: 0, registrations: 0, abandoned: 0 }
    let nextSession = 0
    try {
      for (let step = 1; step <= steps; step++) {
        now = start + step * RETENTION.pruneEvery * 1000
        const seconds = (now - start) / 1000
        as.prune() // what the timer does every RETENTION.pruneEvery

        if (seconds >= nextSession) {
          const client = await oauth.registerClient({ client_name: `session ${written.sessions}` })
          const tokens = await oauth.tokens({ user: 'alice', client, scope: 'notes:read' })
          sessions.push({ client, refreshToken: tokens.refresh_token!, until: seconds + SESSION_DAYS * DAY })
          written.sessions++
          nextSession += SESSION_EVERY * DAY
        }
        const active = sessions.filter((s) => s.until > seconds)
        for (due.refreshes += perStep(REFRESHES); due.refreshes >= 1; due.refreshes--) {
          const session = active[written.refreshes % active.length]
          const reply = await oauth.refresh({ client: session.client, refreshToken: session.refreshToken })
          expect(reply.status, reply.text).toBe(200)
          session.refreshToken = reply.json.refresh_token
          written.refreshes++
        }
        for (due.registrations += perStep(REGISTRATIONS); due.registrations >= 1; due.registrations--) {
          await oauth.registerClient({ client_name: `never used ${written.registrations++}` })
        }
        for (due.abandoned += perStep(DAYS * ABANDONED_PER_DAY); due.abandoned >= 1; due.abandoned--) {
          const { reply } = await oauth.start({ client: active[0].client, state: 's'.repeat(2000) })
          expect(reply.status).toBe(200)
          written.abandoned++
        }
        if (step === steps / 2 || step === steps) {
          const rowsWritten = written.refreshes * 2 + written.registrations + written.abandoned + written.sessions * 5
          checkpoints.push({ day: seconds / DAY, written: rowsWritten, ...measure() })
        }
      }

      const [half, end] = checkpoints
      console.log(
        [
          `${written.refreshes} refreshes, ${written.registrations} unused registrations, ` +
            `${written.abandoned} abandoned sign-ins, ${written.sessions} sessions`,
          ...checkpoints.map(
            (c) =>
              `day ${c.day}: ${c.written} rows written in all, ${c.total} kept (${Object.entries(c.rows)
                .map(([table, n]) => `${table} ${n}`)
                .join(', ')}); file ${(c.bytes / 1024).toFixed(0)} KiB`,
          ),
        ].join('\n'),
      )
      // The second half wrote as much again, and nothing grew.
      expect(end.written).toBeGreaterThan(half.written * 1.9)
      expect(end.total, 'rows kept at the end, against half-way').toBeLessThanOrEqual(half.total * 1.1)
      expect(end.bytes, 'file size at the end, against half-way').toBeLessThanOrEqual(half.bytes * 1.1)
      // Nothing that can still be used was pruned: the active sessions refresh.
      for (const session of sessions.filter((s) => s.until > (now - start) / 1000)) {
        expect((await oauth.refresh({ client: session.client, refreshToken: session.refreshToken })).status).toBe(200)
      }
      expect(end.rows.clients, 'clients kept: sessions of the last 40 days, and the last hour of registrations').toBeLessThan(20)
    } finally {
      probe.close()
      stop()
    }
  },
  TIMEOUT,
)
