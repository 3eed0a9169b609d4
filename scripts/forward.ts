// npm run forward -- N FILE: carry a fix to FILE in lab N into every later lab that holds an unchanged
// copy of it, following the registry's bases (a fix to lab 2's bearer.ts reaches labs 3 and 4, then
// stops at lab 5, whose README lists bearer.ts as changed: that copy is ported by hand). MAINTAINING.md.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { type Lab, LABS, findLab, labPath, UnknownLabError } from '@workshop/kit/labs'
import { isListed, listedFiles } from '@workshop/kit/snapshots'

const usage = 'usage: npm run forward -- N FILE        e.g. npm run forward -- 2 bearer.ts'

/** Copies `file` from `from` into each lab built on it that does not change it, and onwards. */
function carry(from: Lab, file: string): { copied: Lab[]; byHand: Lab[] } {
  const copied: Lab[] = []
  const byHand: Lab[] = []
  for (const lab of LABS.filter((l) => l.base === from.n)) {
    if (lab.server !== undefined && !existsSync(labPath(lab, file))) continue // a client-only lab holds no copy
    if (isListed(file, listedFiles(lab))) {
      byHand.push(lab) // this lab's lesson changes the file: merge the fix by hand
      continue
    }
    mkdirSync(dirname(labPath(lab, file)), { recursive: true })
    copyFileSync(labPath(from, file), labPath(lab, file))
    copied.push(lab)
    const further = carry(lab, file)
    copied.push(...further.copied)
    byHand.push(...further.byHand)
  }
  return { copied, byHand }
}

try {
  const { positionals } = parseArgs({ allowPositionals: true })
  const [n, file] = positionals
  if (file === undefined) throw new Error(usage)
  const lab = findLab(n)
  if (!existsSync(labPath(lab, file))) throw new Error(`labs/${lab.dir}/${file} does not exist`)
  const { copied, byHand } = carry(lab, file)
  for (const l of copied) console.log(`${chalk.green('copied')}  labs/${lab.dir}/${file} → labs/${l.dir}/${file}`)
  for (const l of byHand)
    console.log(
      `${chalk.yellow('by hand')} labs/${l.dir}/${file}: lab ${l.n} changes this file on purpose;`,
      `port the fix (npm run diff ${l.base} ${l.n})`,
    )
  if (copied.length === 0 && byHand.length === 0) console.log(`no later lab holds a copy of labs/${lab.dir}/${file}`)
} catch (error) {
  console.error(error instanceof UnknownLabError ? `${error.message}\n${usage}` : (error as Error).message)
  process.exitCode = 2
}
