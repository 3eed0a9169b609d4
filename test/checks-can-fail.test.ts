// A check that cannot fail proves nothing. Lab N's checks, run against its base lab's server (the
// registry's `base`), must fail, and fail on what lab N adds: the lesson of step N is missing there.
// A lab that runs another lab's server (lab 6, a client) is run against the base of that server:
// without the authorization server it walks, its client must fail.
import { describe, expect, it } from 'vitest'
import { type Lab, LABS, baseLab, labExists, serverLab } from '@workshop/kit/labs'
import { runCheck } from '@workshop/kit/checks'
import { loadChecks } from '@workshop/kit/run-checks'
import { sharedOrStarted } from './shared-labs.ts'

function against(lab: Lab): Lab | undefined {
  return lab.server === undefined ? baseLab(lab) : baseLab(serverLab(lab))
}

// An attacks lab (lab 8) has no server: its checks attack other labs and are tested in lab-08.test.ts.
const pairs = LABS.filter((lab) => labExists(lab) && !lab.attacks).flatMap((lab) => {
  const previous = against(lab)
  return previous ? [[lab, previous] as const] : []
})

describe.concurrent('checks can fail', () => {
  it.each(pairs.map(([lab, previous]) => [lab.n, previous.n, lab, previous] as const))(
    "lab %i's checks against lab %i's server",
    async (_n, _p, lab, previous) => {
      // Only the checks lab N adds (those the base lab has pass on its server), and only until one fails:
      // that one is the proof.
      const previousIds = new Set((await loadChecks(previous)).map((check) => check.id))
      const added = (await loadChecks(lab)).filter((check) => !previousIds.has(check.id))
      const server = await sharedOrStarted(previous)
      let failed: string | undefined
      for (const check of added) {
        if (!(await runCheck(check, server.base)).ok) {
          failed = check.id
          break
        }
      }
      expect(failed, `lab ${lab.n}'s new checks all passed against lab ${previous.n}: they test nothing`).toBeDefined()
    },
  )
})
