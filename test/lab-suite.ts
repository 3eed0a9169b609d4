// One vitest test per check of a lab, against the lab's shared server (test/global-setup.ts), or its own.
import { beforeAll, describe, expect, it } from 'vitest'
import { runCheck } from '@workshop/kit/checks'
import { findLab } from '@workshop/kit/labs'
import { loadChecks } from '@workshop/kit/run-checks'
import { type LabServer, ownLab, sharedOrStarted } from './shared-labs.ts'

// Checks that fill the server's connections on purpose: a lab that has one gets a server of its own.
const FILLS_THE_SERVER = new Set(['connection-cap'])

export async function labSuite(n: number): Promise<void> {
  const lab = findLab(String(n))
  const checks = await loadChecks(lab)
  describe(`lab ${lab.n} (${lab.dir})`, () => {
    let server: LabServer
    beforeAll(async () => {
      server = checks.some((check) => FILLS_THE_SERVER.has(check.id)) ? await ownLab(lab) : await sharedOrStarted(lab)
    })
    it.each(checks.map((check) => [check.id, check] as const))('%s', async (_id, check) => {
      const result = await runCheck(check, server.base)
      expect(result.ok, `${check.title}: ${result.reason}\n${result.exchanges.at(-1)?.command ?? ''}`).toBe(true)
    })
    it('printed no token to its log', () => {
      // RFC 6750 §5.3 / MCP security: tokens never go to logs.
      expect(server.output()).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/)
    })
  })
}
