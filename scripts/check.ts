// npm run check N [-- --base http://127.0.0.1:9000] [-- --curl] [-- --part P]: run lab N's checks, each a
// curl command; --curl prints every command, whole, before its result; --part runs one part of lab 5's lesson.
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { findPart } from '@workshop/kit/exercises'
import { findLab, UnknownLabError } from '@workshop/kit/labs'
import { CurlMissingError, checkLab } from '@workshop/kit/run-checks'
import { npmKeptOption, optionError } from './lib/options.ts'

try {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { base: { type: 'string' }, curl: { type: 'boolean', default: false }, part: { type: 'string' } },
  })
  const kept = npmKeptOption('check', positionals, values, ['base', 'part'], 1)
  if (kept) {
    console.error(kept)
    process.exit(2)
  }
  const lab = findLab(positionals[0])
  const part = values.part === undefined ? undefined : findPart(lab, values.part)
  if (part) console.log(`part ${part.part} of lab ${lab.n}: ${part.title}`)
  const results = await checkLab(lab, {
    base: values.base,
    curl: values.curl || process.env.npm_config_curl === 'true',
    only: part && ((check) => part.checks.includes(check.id)),
  })
  process.exitCode = results.every((r) => r.ok) ? 0 : 1
} catch (error) {
  const known = error instanceof UnknownLabError || error instanceof CurlMissingError
  const message = known ? (error as Error).message : optionError(error, 'check', ['base', 'curl', 'part'])
  console.error(message ?? chalk.red(String((error as Error).message)))
  process.exitCode = 2
}
