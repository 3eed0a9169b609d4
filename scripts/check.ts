// npm run check N [-- --base http://127.0.0.1:9000]: run lab N's checks.
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { findLab, UnknownLabError } from '@workshop/kit/labs'
import { checkLab } from '@workshop/kit/run-checks'
import { npmKeptOption, optionError } from './lib/options.ts'

try {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { base: { type: 'string' } } })
  const kept = npmKeptOption('check', positionals, values, ['base'], 1)
  if (kept) {
    console.error(kept)
    process.exit(2)
  }
  const lab = findLab(positionals[0])
  const results = await checkLab(lab, { base: values.base })
  process.exitCode = results.every((r) => r.ok) ? 0 : 1
} catch (error) {
  const message = error instanceof UnknownLabError ? error.message : optionError(error, 'check', ['base'])
  console.error(message ?? chalk.red(String((error as Error).message)))
  process.exitCode = 2
}
