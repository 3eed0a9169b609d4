// For each exercise of the given labs: stub it alone in a temp copy, start that copy, run the lab's checks, print failing ids.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { exercisesOf } from '@workshop/kit/exercises'
import { findLab } from '@workshop/kit/labs'
import { writePractice } from '@workshop/kit/practice'
import { startLab } from '@workshop/kit/lab-process'
import { runAndPrint, type Check } from '@workshop/kit/checks'
import { pathToFileURL } from 'node:url'

for (const n of process.argv.slice(2)) {
  const lab = findLab(n)
  for (const exercise of exercisesOf(lab)) {
    const dir = join(mkdtempSync(join(process.cwd(), '.practice-')), lab.dir)
    writePractice(lab, dir, (e) => e.name === exercise.name)
    const checks: Check[] = (await import(pathToFileURL(join(dir, 'check.ts')).href)).checks
    const server = await startLab(lab, { dir })
    try {
      const results = await runAndPrint(checks, server.base, { print: () => {} })
      console.log(`${lab.n} ${exercise.name}: ${JSON.stringify(results.filter((r) => !r.ok).map((r) => r.check.id))}`)
    } finally {
      await server.stop()
    }
  }
}
process.exit(0)
