// A check that cannot fail proves nothing. Lab N's checks, run against lab N−1's server,
// must fail, and fail on what lab N adds: the lesson of step N is missing there.
import { describe, expect, it } from 'vitest'
import { LABS, labExists } from '../scripts/lib/labs.ts'
import { checkLab, loadChecks } from '../scripts/lib/run-checks.ts'

const pairs = LABS.filter((lab) => lab.n >= 2 && labExists(lab)).map((lab) => [lab, LABS.find((l) => l.n === lab.n - 1)!] as const)

describe.concurrent('checks can fail', () => {
  it.each(pairs.map(([lab, previous]) => [lab.n, previous.n, lab, previous] as const))(
    "lab %i's checks against lab %i's server",
    async (_n, _p, lab, previous) => {
      const results = await checkLab(lab, { serverOf: previous, print: () => {} })
      const previousIds = new Set((await loadChecks(previous)).map((check) => check.id))
      const failedNew = results.filter((r) => !r.ok && !previousIds.has(r.check.id)).map((r) => r.check.id)
      expect(failedNew.length, `lab ${lab.n}'s new checks all passed against lab ${previous.n}: they test nothing`).toBeGreaterThan(0)
    },
  )
})
