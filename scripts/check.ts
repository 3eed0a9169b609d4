// npm run check N [-- --base http://127.0.0.1:9000] [-- --curl] [-- --part P] [-- --practice]: run lab N's checks,
// each a curl command; --curl prints every command, whole, before its result; --part runs one part of lab 5's
// lesson; --practice starts the learner's practice/NN-name/ instead of the lab (the solutions) and names the
// exercise of each failing check, as the guide's [c] does.
import { existsSync } from 'node:fs'
import { relative } from 'node:path'
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { exerciseNote } from './lib/practice-mode.ts'
import { exercisesOf, findPart } from '@workshop/kit/exercises'
import { findLab, labPath, UnknownLabError } from '@workshop/kit/labs'
import { ROOT } from '@workshop/kit/paths'
import { practicePath } from '@workshop/kit/practice'
import { CurlMissingError, checkLab, expectServerAt, requireCurl } from '@workshop/kit/run-checks'
import { npmKeptOption, optionError } from './lib/options.ts'

const OPTIONS = ['base', 'curl', 'part', 'practice']

try {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      base: { type: 'string' },
      curl: { type: 'boolean', default: false },
      part: { type: 'string' },
      practice: { type: 'boolean', default: false },
    },
  })
  const kept = npmKeptOption('check', positionals, values, ['base', 'part'], 1)
  if (kept) {
    console.error(kept)
    process.exit(2)
  }
  const lab = findLab(positionals[0])
  const part = values.part === undefined ? undefined : findPart(lab, values.part)
  const practice = values.practice || process.env.npm_config_practice === 'true'
  const dir = practicePath(lab)
  const shown = `${relative(ROOT, dir)}/`
  if (practice && exercisesOf(lab).length === 0) throw new Error(`lab ${lab.n} has no exercises to practise (labs 1 to 7 do)`)
  if (practice && !existsSync(dir)) throw new Error(`there is no ${shown} yet: npm run practice ${lab.n} makes it`)
  if (part) console.log(`part ${part.part} of lab ${lab.n}: ${part.title}`)
  requireCurl()
  if (values.base) await expectServerAt(values.base)
  // Say what is graded: the learner's copy, the lab itself (which holds the solutions), or whatever runs at --base.
  const graded = values.base
    ? `the server at ${values.base}${practice ? `, with the checks of your ${shown} (naming your exercises)` : ''}`
    : practice
      ? `your practice copy, ${shown}`
      : `${relative(ROOT, labPath(lab))}/ (the solutions)`
  console.log(chalk.bold(`grading ${graded}`))
  const results = await checkLab(lab, {
    base: values.base,
    dir: practice ? dir : undefined,
    curl: values.curl || process.env.npm_config_curl === 'true',
    only: part && ((check) => part.checks.includes(check.id)),
    note: practice ? (check) => exerciseNote(lab, check.id, dir) : undefined,
  })
  if (!practice && !values.base && existsSync(dir) && exercisesOf(lab).length > 0) {
    const args = [lab.n, '--', ...(part ? ['--part', part.part] : []), '--practice'].join(' ')
    console.log(chalk.yellow(`that was ${relative(ROOT, labPath(lab))}/, the solutions; to grade your ${shown}: npm run check ${args}`))
  }
  process.exitCode = results.every((r) => r.ok) ? 0 : 1
} catch (error) {
  const known = error instanceof UnknownLabError || error instanceof CurlMissingError
  const message = known ? (error as Error).message : optionError(error, 'check', OPTIONS)
  console.error(message ?? chalk.red(String((error as Error).message)))
  process.exitCode = 2
}
