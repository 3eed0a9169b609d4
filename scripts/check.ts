// npm run check N [-- --base http://127.0.0.1:9000] [-- --curl]: run lab N's checks, each a curl command;
// --curl prints every command, whole, before its result.
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { findLab, UnknownLabError } from '@workshop/kit/labs'
import { CurlMissingError, checkLab } from '@workshop/kit/run-checks'

try {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { base: { type: 'string' }, curl: { type: 'boolean', default: false } },
  })
  const lab = findLab(positionals[0])
  const results = await checkLab(lab, { base: values.base, curl: values.curl || process.env.npm_config_curl === 'true' })
  process.exitCode = results.every((r) => r.ok) ? 0 : 1
} catch (error) {
  const known = error instanceof UnknownLabError || error instanceof CurlMissingError
  console.error(known ? (error as Error).message : chalk.red(String((error as Error).message)))
  process.exitCode = 2
}
