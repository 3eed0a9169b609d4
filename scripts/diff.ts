// npm run diff A B [-- --all] [-- --part P] [-- --checks] [-- --solution]: what changed from lab A to lab B (the
// lesson's code only; --all adds the READMEs; --part keeps the files one part of lab 5's lesson reads; --checks adds
// the checks, which are otherwise counted and left out). While practice/NN-name exists for a lab of the diff, that
// lab's exercise regions show as stubs: the read step gives no answer away; --solution shows them as the lab has them.
// In a terminal it pages the diff ($PAGER, or less -R); piped (| head), it stops quietly when the reader does.
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { diffLabs } from './lib/diff.ts'
import { npmKeptOption, optionError } from './lib/options.ts'
import { page } from './lib/pager.ts'
import { findPart } from '@workshop/kit/exercises'
import { findLab, UnknownLabError } from '@workshop/kit/labs'

// `npm run -s diff 4 5 | head -1`: head has all it wants and closes the pipe
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error
  process.exit(0)
})

try {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      all: { type: 'boolean', default: false },
      part: { type: 'string' },
      checks: { type: 'boolean', default: false },
      solution: { type: 'boolean', default: false },
    },
  })
  const kept = npmKeptOption('diff', positionals, values, ['part'], 2)
  if (kept) {
    console.error(kept)
    process.exit(2)
  }
  const from = findLab(positionals[0])
  const to = findLab(positionals[1])
  // `npm run diff 3 4 --all` keeps --all for itself and only sets npm_config_all
  const all = values.all || process.env.npm_config_all === 'true'
  const part = values.part === undefined ? undefined : findPart(to, values.part)
  const checks = values.checks || process.env.npm_config_checks === 'true'
  const solution = values.solution || process.env.npm_config_solution === 'true'
  const { text } = await diffLabs(from, to, { all, color: process.stdout.isTTY === true, part, checks, solution })
  if (!(await page(text))) process.stdout.write(text)
} catch (error) {
  if (error instanceof UnknownLabError) {
    console.error(`${error.message}\nusage: npm run diff A B        e.g. npm run diff 3 4 (add -- --all for the READMEs too)`)
  } else {
    console.error(optionError(error, 'diff', ['all', 'part', 'checks', 'solution']) ?? chalk.red(`diff: ${(error as Error).message}`))
  }
  process.exitCode = 2
}
