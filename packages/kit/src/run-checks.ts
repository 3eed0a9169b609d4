// Running a lab's checks: against a server it starts on a free port, or one already running.
import { spawnSync } from 'node:child_process'
import { basename, dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { type Check, type CheckResult, type RunOptions, runAndPrint } from './checks.ts'
import { ensureDevKey } from './keys.ts'
import { type Lab, DEFAULT_TARGET, findLab, labPath } from './labs.ts'
import { startLab } from './lab-process.ts'
import { ROOT } from './paths.ts'

/** A lab's checks; from `dir` when given (a practice copy: its checks then run the copy's own client or servers). */
export async function loadChecks(lab: Lab, dir = labPath(lab)): Promise<Check[]> {
  const module = await import(pathToFileURL(join(dir, 'check.ts')).href)
  return module.checks as Check[]
}

export class CurlMissingError extends Error {
  name = 'CurlMissingError'
  constructor() {
    super(
      'The checks send real curl commands, and curl is not installed. Install it, then run this again:\n' +
        '  Debian/Ubuntu: sudo apt-get install curl    macOS: it comes with the system (or: brew install curl)',
    )
  }
}

let curlChecked = false
/** Once per process: the checks cannot run without curl, so say how to get it instead of failing every check. */
export function requireCurl(): void {
  if (curlChecked) return
  if (spawnSync('curl', ['--version'], { stdio: 'ignore' }).status !== 0) throw new CurlMissingError()
  curlChecked = true
}

/** A server is expected at `base` (--base, BASE_URL): one line when it is not a URL or nothing answers there. */
export async function expectServerAt(base: string): Promise<void> {
  let url: URL
  try {
    url = new URL(base)
  } catch {
    throw new Error(`--base must be a URL such as http://127.0.0.1:9000, got "${base}"`)
  }
  try {
    await fetch(url, { signal: AbortSignal.timeout(10_000) }) // any HTTP answer will do: the checks judge it
  } catch (error) {
    const { cause } = error as { cause?: { code?: string; message?: string } }
    const why = cause?.code ?? cause?.message ?? (error as Error).message
    throw new Error(`nothing answers at ${base} (${why}): start the lab first (npm run step N), or leave out --base`)
  }
}

/** Runs lab `checksOf`'s checks against `base`, or against a fresh server of lab `serverOf`. */
export async function checkLab(
  checksOf: Lab,
  options: RunOptions & { base?: string; serverOf?: Lab; only?: (check: Check) => boolean; dir?: string } = {},
): Promise<CheckResult[]> {
  requireCurl()
  const print = options.print ?? console.log
  const checks = (await loadChecks(checksOf, options.dir)).filter(options.only ?? (() => true))
  if (options.base) {
    await expectServerAt(options.base)
    return runAndPrint(checks, options.base, options)
  }
  ensureDevKey()
  // An attacks lab has no server of its own: its checks get the default target's (and start any other they need).
  const server = await startLab(options.serverOf ?? (checksOf.attacks ? findLab(String(DEFAULT_TARGET)) : checksOf), {
    dir: options.serverOf ? undefined : options.dir,
  })
  try {
    const which =
      server.server === server.lab
        ? options.dir && !options.serverOf
          ? `lab ${server.lab.n}'s practice copy (${relative(ROOT, options.dir)}/)`
          : `lab ${server.lab.n} (${server.lab.dir})`
        : `lab ${server.server.n}'s server (${server.server.dir}), for lab ${server.lab.n}'s checks,`
    print(chalk.dim(`${which} on ${server.base}`))
    return await runAndPrint(checks, server.base, options)
  } finally {
    await server.stop()
  }
}

/** The last line of every check.ts: run its checks when the file is executed directly. */
export async function runIfMain(moduleUrl: string): Promise<void> {
  const file = fileURLToPath(moduleUrl)
  if (process.argv[1] === undefined || fileURLToPath(pathToFileURL(process.argv[1])) !== file) return
  const lab = findLab(basename(dirname(file)))
  const { values } = parseArgs({ options: { base: { type: 'string' }, curl: { type: 'boolean', default: false } } })
  try {
    const results = await checkLab(lab, { base: values.base ?? process.env.BASE_URL, curl: values.curl })
    process.exitCode = results.every((r) => r.ok) ? 0 : 1
  } catch (error) {
    console.error(error instanceof CurlMissingError ? error.message : chalk.red((error as Error).message))
    process.exitCode = 2
  }
}
