// npm run check N [-- --base http://127.0.0.1:9000]: run lab N's checks.
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { findLab, UnknownLabError } from '@workshop/kit/labs'
import { checkLab } from '@workshop/kit/run-checks'

const { positionals, values } = parseArgs({ allowPositionals: true, options: { base: { type: 'string' } } })
try {
  const lab = findLab(positionals[0])
  const results = await checkLab(lab, { base: values.base })
  process.exitCode = results.every((r) => r.ok) ? 0 : 1
} catch (error) {
  console.error(error instanceof UnknownLabError ? error.message : chalk.red(String((error as Error).message)))
  process.exitCode = 2
}
