// Each lab README's "What the checks print" must be what `npm run check N` prints: every ✔ line
// is one of the lab's checks, word for word, and the closing count is the number of its checks.
// (A README may show an excerpt; it may not show a check that does not exist.)
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { LABS, labExists, labPath } from '@workshop/kit/labs'
import { loadChecks } from '@workshop/kit/run-checks'

const labs = LABS.filter((lab) => labExists(lab))

describe("README's expected check output", () => {
  it.each(labs.map((lab) => [lab.n, lab] as const))('lab %i', async (_n, lab) => {
    const readme = readFileSync(labPath(lab, 'README.md'), 'utf8')
    const checks = await loadChecks(lab)
    const printed = new Set(checks.map((check) => `✔ ${check.title} (${check.spec})`))
    const shown = readme.split('\n').filter((line) => line.startsWith('✔ '))
    expect(shown.length, 'the README shows some check output').toBeGreaterThan(0)
    expect(
      shown.filter((line) => !printed.has(line)),
      'README lines that no check prints',
    ).toEqual([])
    const count = /^(\d+) passed, 0 failed$/m.exec(readme)
    if (count) expect(Number(count[1]), 'the closing count').toBe(checks.length)
  })
})
