// npm run interop: clients nobody in this workshop wrote, against labs 5 and 7, each driven through
// sign-in (registration, PKCE, a person at the login and consent pages), tools/list, read_notes,
// step-up to notes:admin (purge_notes) and refresh; the protocol column is the revision they settled on:
//   - the MCP Inspector 2.x, its web UI in headless Chromium, in each protocol era (Legacy, Auto, Modern);
//   - the MCP TypeScript SDK's 2.x client (interop/sdk2-client.ts), in `auto` and pinned to 2026-07-28;
//   - mcp-remote, what a desktop client (Claude Desktop, Cursor, VS Code) runs: a 2025 client over stdio;
//   - the SDK 1.x client (@modelcontextprotocol/sdk, the workshop's own dependency): the 2025 era.
// The first three are pinned in interop/package.json and installed there on first use, with the Node 22
// the Inspector needs, never by `npm install`. interop/expected.json records what each client is known to
// do; this exits non-zero when a client fails something it is expected to do. A cell that a client's
// upstream bug blocks is recorded there with its issue.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chalk } from 'zx'
import { demoUser } from '@workshop/kit/demo-users'
import { ensureDevKey } from '@workshop/kit/keys'
import { startLab } from '@workshop/kit/lab-process'
import { findLab } from '@workshop/kit/labs'
import { CAPABILITIES, type Expected, LAB7_ACCESS_TOKEN_TTL, type Row, type Target, fail, readExpected } from '@workshop/kit/client-interop'
import { SDK1_NAME, walkSdk1 } from '@workshop/kit/sdk1-client'
import { ERAS, driveInspector, inspectorName, startBrowser } from './lib/interop/inspector.ts'
import { INTEROP_DIR, MCP_REMOTE, driveStdio, sdk2 } from './lib/interop/stdio.ts'

const LABS = [5, 7]

function install(): void {
  if (existsSync(join(INTEROP_DIR, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js'))) return
  console.log(chalk.dim('installing mcp-remote, the MCP Inspector 2.x, the SDK 2.x client and Node 22 into interop/ (once)…'))
  const result = spawnSync('npm', ['ci', '--prefix', INTEROP_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' })
  if (result.status !== 0) throw new Error('npm ci in interop/ failed')
}

const MARK = { pass: chalk.green('✔'), fail: chalk.red('✘'), 'n/a': chalk.dim('—') }

function printTable(results: Record<string, Record<number, Row>>, expected: Expected): string[] {
  const clientWidth = Math.max(...Object.keys(results).map((c) => c.length)) + 2
  const columns = ['protocol', ...CAPABILITIES]
  console.log(chalk.bold(`\n${'client'.padEnd(clientWidth)}lab  ${columns.map((c) => c.padEnd(12)).join('')}`))
  const notes: string[] = []
  const regressions: string[] = []
  for (const [client, byLab] of Object.entries(results)) {
    for (const n of LABS) {
      const row = byLab[n] ?? {}
      const cells = CAPABILITIES.map((capability) => {
        const cell = row[capability] ?? { result: 'fail', note: 'not reached' }
        const known = expected.clients[client]?.[n]?.[capability]
        if (known === undefined) regressions.push(`${client}, lab ${n}, ${capability}: not in interop/expected.json`)
        if (known === 'pass' && cell.result !== 'pass') regressions.push(`${client}, lab ${n}, ${capability}: ${cell.note ?? cell.result}`)
        if (cell.result !== 'pass' && cell.note) {
          const limit = expected.limits[client]?.[capability]?.join(' ')
          notes.push(`${client}, lab ${n}, ${capability}: ${cell.note}${limit ? `\n    known: ${limit}` : ''}`)
        }
        if (known !== undefined && known !== 'pass' && cell.result === 'pass') {
          notes.push(`${client}, lab ${n}, ${capability}: passes now; update interop/expected.json`)
        }
        // a cell an upstream bug blocks names its issue
        const issue =
          known === cell.result && cell.result !== 'pass'
            ? /\/issues\/(\d+)/.exec(expected.limits[client]?.[capability]?.join(' ') ?? '')
            : null
        return issue
          ? `${MARK[cell.result]} #${issue[1]}`.padEnd(12 + MARK[cell.result].length - 1)
          : `${MARK[cell.result]}${' '.repeat(11)}`
      })
      console.log(`${client.padEnd(clientWidth)}${String(n).padEnd(5)}${(row.protocol ?? '—').padEnd(12)}${cells.join('')}`)
    }
  }
  if (notes.length > 0) console.log(`\n${notes.map((note) => chalk.dim(`  ${note}`)).join('\n')}`)
  return regressions
}

try {
  ensureDevKey()
  install()
  const expected = readExpected()
  const carol = demoUser('carol') // the demo user who may grant notes:admin, so that step-up can succeed
  const only = process.env.INTEROP_ONLY // a part of a client's name: run only those, while you work on one
  const stdio = [sdk2('auto'), sdk2('2026-07-28'), MCP_REMOTE].filter((c) => !only || c.name.includes(only))
  const eras = ERAS.filter((era) => !only || inspectorName(era).includes(only))
  const results: Record<string, Record<number, Row>> = {}
  const record = (client: string, n: number, row: Row) => ((results[client] ??= {})[n] = row)
  const browser = eras.length > 0 ? await startBrowser().catch((error: Error) => error) : undefined
  try {
    for (const n of LABS) {
      const env: Record<string, string> = { DATA_DIR: mkdtempSync(join(tmpdir(), `interop-lab${n}-`)) }
      if (n === 7) env.ACCESS_TOKEN_TTL = LAB7_ACCESS_TOKEN_TTL
      const lab = await startLab(findLab(n), { env })
      const target: Target = { n, lab, user: carol }
      try {
        for (const era of eras) {
          console.log(chalk.dim(`lab ${n} ← ${inspectorName(era)}…`))
          record(
            inspectorName(era),
            n,
            browser instanceof Error ? { 'sign-in': fail(browser.message) } : await driveInspector(browser!, target, era),
          )
        }
        for (const client of stdio) {
          console.log(chalk.dim(`lab ${n} ← ${client.name}…`))
          record(client.name, n, await driveStdio(client, target))
        }
        if (!only || SDK1_NAME.includes(only)) {
          console.log(chalk.dim(`lab ${n} ← ${SDK1_NAME}…`))
          record(SDK1_NAME, n, await walkSdk1(target))
        }
      } finally {
        await lab.stop()
      }
    }
  } finally {
    if (browser && !(browser instanceof Error)) await browser.close()
  }
  const regressions = printTable(results, expected)
  if (regressions.length > 0) {
    console.log(chalk.red(`\ninterop: ${regressions.length} not as expected (interop/expected.json):\n  ${regressions.join('\n  ')}`))
    process.exitCode = 1
  } else {
    console.log(chalk.green('\ninterop: every client did everything it is known to do'))
  }
} catch (error) {
  console.error(chalk.red(`interop: ${(error as Error).message}`))
  process.exitCode = 2
}
