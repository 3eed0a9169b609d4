// A check that cannot fail proves nothing. Lab N's checks, run against the previous lab's server,
// must fail, and fail on what lab N adds: the lesson of step N is missing there.
// (Lab 6 adds a client, not server code: its checks run against the last lab whose server differs.)
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Lab, LABS, labExists, labPath } from '../scripts/lib/labs.ts'
import { checkLab, loadChecks } from '../scripts/lib/run-checks.ts'

/** The server's code: every .ts file but the checks, the declared defences and a client folder. */
function serverCode(lab: Lab): string {
  const files = readdirSync(labPath(lab), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !/(^|\/)(check[^/]*|defences)\.ts$/.test(file) && !file.startsWith('client'))
    .sort()
  return files.map((file) => `${file}\n${readFileSync(join(labPath(lab), file), 'utf8')}`).join('\n')
}

function previousServer(lab: Lab): Lab | undefined {
  const code = serverCode(lab)
  return LABS.filter((l) => l.n < lab.n && labExists(l))
    .reverse()
    .find((l) => serverCode(l) !== code)
}

// An attacks lab (lab 8) has no server: its checks attack other labs and are tested in lab-08.test.ts.
const pairs = LABS.filter((lab) => lab.n >= 2 && labExists(lab) && !lab.attacks).flatMap((lab) => {
  const previous = previousServer(lab)
  return previous ? [[lab, previous] as const] : []
})

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
