// npm run interop: clients nobody in this workshop wrote, against labs 5 and 7, each driven through
// sign-in (registration, PKCE, a person at the login and consent pages), initialize, tools/list,
// read_notes, step-up to notes:admin (purge_notes) and refresh:
//   - mcp-remote, what a desktop client (Claude Desktop, Cursor, VS Code) runs: JSON-RPC over stdio;
//   - the MCP Inspector in Direct mode: its page in headless Chromium calls the lab itself (CORS);
//   - the MCP TypeScript SDK's 2.x client (interop/sdk2-client.ts).
// They are pinned in interop/package.json and installed there on first use, never by `npm install`.
// interop/expected.json records what each client is known to do; this exits non-zero when a client
// fails something it did before. A known limit of a client is recorded there with its upstream issue.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chalk } from 'zx'
import { demoUser } from '@workshop/kit/demo-users'
import { ensureDevKey } from '@workshop/kit/keys'
import { startLab } from '@workshop/kit/lab-process'
import { findLab } from '@workshop/kit/labs'
import { CAPABILITIES, type Row, type Target, fail } from './lib/interop/common.ts'
import { INSPECTOR_NAME, type Inspector, driveInspector, startInspector } from './lib/interop/inspector.ts'
import { INTEROP_DIR, MCP_REMOTE, SDK2, driveStdio } from './lib/interop/stdio.ts'

const LABS = [5, 7]
// Lab 7's provider issues access tokens this short-lived, so that refresh can be seen within a run.
const LAB7_ACCESS_TOKEN_TTL = '45'

interface Expected {
  /** client → lab → capability → what it is known to do */
  clients: Record<string, Record<string, Record<string, 'pass' | 'fail' | 'n/a'>>>
  /** client → capability → why it cannot, with the upstream issue (lines of one text) */
  limits: Record<string, Record<string, string[]>>
}

function install(): void {
  if (existsSync(join(INTEROP_DIR, 'node_modules/mcp-remote/package.json'))) return
  console.log(chalk.dim('installing mcp-remote, the MCP Inspector and the SDK 2.x client into interop/ (once)…'))
  const result = spawnSync('npm', ['ci', '--prefix', INTEROP_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' })
  if (result.status !== 0) throw new Error('npm ci in interop/ failed')
}

const MARK = { pass: chalk.green('✔'), fail: chalk.red('✘'), 'n/a': chalk.dim('—') }

function printTable(results: Record<string, Record<number, Row>>, expected: Expected): string[] {
  const clientWidth = Math.max(...Object.keys(results).map((c) => c.length)) + 2
  console.log(chalk.bold(`\n${'client'.padEnd(clientWidth)}lab  ${CAPABILITIES.map((c) => c.padEnd(11)).join('')}`))
  const notes: string[] = []
  const regressions: string[] = []
  for (const [client, byLab] of Object.entries(results)) {
    for (const n of LABS) {
      const row = byLab[n] ?? {}
      const cells = CAPABILITIES.map((capability) => {
        const cell = row[capability] ?? { result: 'fail', note: 'not reached' }
        const known = expected.clients[client]?.[n]?.[capability]
        if (known === 'pass' && cell.result !== 'pass') regressions.push(`${client}, lab ${n}, ${capability}: ${cell.note ?? cell.result}`)
        if (cell.result !== 'pass' && cell.note) {
          const limit = expected.limits[client]?.[capability]?.join(' ')
          notes.push(`${client}, lab ${n}, ${capability}: ${cell.note}${limit ? `\n    known: ${limit}` : ''}`)
        }
        if (known !== undefined && known !== 'pass' && cell.result === 'pass') {
          notes.push(`${client}, lab ${n}, ${capability}: passes now; update interop/expected.json`)
        }
        return `${MARK[cell.result]}${' '.repeat(10)}`
      })
      console.log(`${client.padEnd(clientWidth)}${String(n).padEnd(5)}${cells.join('')}`)
    }
  }
  if (notes.length > 0) console.log(`\n${notes.map((note) => chalk.dim(`  ${note}`)).join('\n')}`)
  return regressions
}

try {
  ensureDevKey()
  install()
  const expected = JSON.parse(readFileSync(join(INTEROP_DIR, 'expected.json'), 'utf8')) as Expected
  const carol = demoUser('carol') // the demo user who may grant notes:admin, so that step-up can succeed
  const results: Record<string, Record<number, Row>> = { [MCP_REMOTE.name]: {}, [SDK2.name]: {}, [INSPECTOR_NAME]: {} }
  let inspector: Inspector | undefined
  let inspectorProblem: string | undefined
  try {
    inspector = await startInspector()
  } catch (error) {
    inspectorProblem = (error as Error).message
  }
  try {
    for (const n of LABS) {
      const env: Record<string, string> = { DATA_DIR: mkdtempSync(join(tmpdir(), `interop-lab${n}-`)) }
      if (n === 7) env.ACCESS_TOKEN_TTL = LAB7_ACCESS_TOKEN_TTL
      const lab = await startLab(findLab(n), { env })
      const target: Target = { n, lab, user: carol }
      try {
        for (const client of [MCP_REMOTE, SDK2]) {
          console.log(chalk.dim(`lab ${n} ← ${client.name}…`))
          results[client.name][n] = await driveStdio(client, target)
        }
        console.log(chalk.dim(`lab ${n} ← ${INSPECTOR_NAME}…`))
        results[INSPECTOR_NAME][n] = inspector ? await driveInspector(inspector, target) : { 'sign-in': fail(inspectorProblem!) }
      } finally {
        await lab.stop()
      }
    }
  } finally {
    await inspector?.stop()
  }
  const regressions = printTable(results, expected)
  if (regressions.length > 0) {
    console.log(chalk.red(`\ninterop: ${regressions.length} failed that passed before:\n  ${regressions.join('\n  ')}`))
    process.exitCode = 1
  } else {
    console.log(chalk.green('\ninterop: every client did everything it is known to do'))
  }
} catch (error) {
  console.error(chalk.red(`interop: ${(error as Error).message}`))
  process.exitCode = 2
}
