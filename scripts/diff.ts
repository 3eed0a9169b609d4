// npm run diff A B [-- --all]: what changed from lab A to lab B (code only; --all adds the READMEs).
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { diffLabs } from './lib/diff.ts'
import { findLab, UnknownLabError } from '@workshop/kit/labs'

try {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { all: { type: 'boolean', default: false } } })
  const from = findLab(positionals[0])
  const to = findLab(positionals[1])
  // `npm run diff 3 4 --all` keeps --all for itself and only sets npm_config_all
  const all = values.all || process.env.npm_config_all === 'true'
  const { text } = await diffLabs(from, to, { all, color: process.stdout.isTTY === true })
  process.stdout.write(text)
} catch (error) {
  if (error instanceof UnknownLabError) {
    console.error(`${error.message}\nusage: npm run diff A B        e.g. npm run diff 3 4 (add -- --all for the READMEs too)`)
  } else {
    console.error(chalk.red(`diff: ${(error as Error).message}`))
  }
  process.exitCode = 2
}
