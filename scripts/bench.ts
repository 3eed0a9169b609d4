// `npm run bench`: what authorization costs, measured side by side in one run on this machine.
//   npm run bench                  the full run (under two minutes on two cores)
//   npm run bench -- --quick       tiny counts: proves the benchmark works, measures little
//   npm run bench -- --out FILE    where the JSON goes (default: bench-results.json)
// Everything runs on 127.0.0.1: the labs on free ports, the client in this process.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { flowPage, type Watched } from './lib/bench/flow-viewer.ts'
import { measureRemoteJwks } from './lib/bench/jwks.ts'
import { type Report, formatReport } from './lib/bench/report.ts'
import { measureThroughput } from './lib/bench/throughput.ts'
import { measureTokenEndpoint } from './lib/bench/token-endpoint.ts'
import { measureVerification } from './lib/bench/verify.ts'
import { signIn } from '@workshop/kit/oauth-client'
import { findLab } from '@workshop/kit/labs'
import { type RunningLab, startLab } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'
import { mintAccessToken } from '@workshop/kit/tokens'

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } } })
const quick = args.quick
const out = resolve(args.out ?? join(ROOT, 'bench-results.json'))

const SETTINGS = quick
  ? {
      limitSeconds: 170,
      throughput: { concurrency: 4, requests: 100, rounds: 3, warmup: 30, maxSecondsPerRun: 10, budgetSeconds: 20 },
      verification: { count: 300, rounds: 3 },
      jwksVerifications: 1_000,
      tokenEndpoint: { concurrency: 2, refreshes: 30, flows: 2, rounds: 3, maxSecondsPerRun: 10, budgetSeconds: 10 },
    }
  : {
      limitSeconds: 240,
      throughput: { concurrency: 8, requests: 400, rounds: 12, warmup: 2_500, maxSecondsPerRun: 15, budgetSeconds: 45 },
      verification: { count: 1_500, rounds: 15 },
      jwksVerifications: 10_000,
      tokenEndpoint: { concurrency: 4, refreshes: 1_000, flows: 40, rounds: 5, maxSecondsPerRun: 15, budgetSeconds: 20 },
    }

const begin = Date.now()
// Progress overwrites itself on a terminal; piped output gets the section lines and the table only.
const tty = process.stdout.isTTY === true
const say = (line: string) => process.stdout.write(`${tty ? '\r\x1b[K' : ''}${line}\n`)
const step = (part: string) => (line: string) => void (tty && process.stdout.write(`\r\x1b[K  ${part}: ${line}`))
const dataDir = mkdtempSync(join(tmpdir(), 'mcp-bench-')) // the labs' SQLite files and keys: thrown away after
const running: RunningLab[] = []
const pages: Watched[] = []

async function cleanUp(): Promise<void> {
  await Promise.all(running.map((lab) => lab.stop()))
  await Promise.all(pages.splice(0).map((page) => page.stop()))
  rmSync(dataDir, { recursive: true, force: true })
}

// Bounded in time, whatever happens: past the limit the labs are stopped and the bench fails.
const watchdog = setTimeout(() => {
  say(`\nbench: still running after ${SETTINGS.limitSeconds} s; stopping`)
  void cleanUp().finally(() => process.exit(1))
}, SETTINGS.limitSeconds * 1000)
process.on('SIGINT', () => void cleanUp().finally(() => process.exit(130)))
process.on('SIGTERM', () => void cleanUp().finally(() => process.exit(143)))

async function start(n: number, env: Record<string, string> = {}): Promise<RunningLab> {
  const lab = await startLab(findLab(String(n)), { env: { DATA_DIR: dataDir, ...env }, timeoutMs: 60_000 })
  running.push(lab)
  return lab
}

async function main(): Promise<void> {
  say(`npm run bench${quick ? ' --quick' : ''}: starting labs 1, 4 (three times), 5 and 7 (twice) on free ports`)
  // lab 4 again, recorded for a flow page (npm run step's), without and with a viewer on its event stream
  const recorded = await flowPage(findLab('4'), false)
  const watched = await flowPage(findLab('4'), true)
  pages.push(recorded, watched)
  // The key-set count is about requests, not speed, so it runs while the labs start (it waits out
  // lab 7's refetch cooldown, which would otherwise be idle time).
  const jwks = measureRemoteJwks(SETTINGS.jwksVerifications)
  jwks.catch(() => {}) // awaited below; no unhandled rejection while the labs start
  const started = await Promise.allSettled([
    start(1),
    start(4),
    start(7, { TOKEN_VALIDATION: 'jwt', ACCESS_TOKEN_FORMAT: 'jwt' }),
    start(7, { TOKEN_VALIDATION: 'introspection', ACCESS_TOKEN_FORMAT: 'opaque' }),
    start(5, { RATE_LIMIT_PER_MINUTE: '1000000000' }), // the brake on guessing would stop a benchmark
    start(4, recorded.flow.env()),
    start(4, watched.flow.env()),
  ])
  const failed = started.find((s) => s.status === 'rejected')
  if (failed) throw (failed as PromiseRejectedResult).reason
  const [lab1, lab4, lab7, lab7i, lab5, lab4r, lab4w] = started.map((s) => (s as PromiseFulfilledResult<RunningLab>).value)

  say('1. tools/call through each design')
  const alice = (mcpUrl: string) => signIn(mcpUrl, { user: 'alice', scope: 'notes:read notes:write' })
  const targets = [
    { id: 'lab1', label: 'lab 1  no auth', base: lab1.base },
    {
      id: 'lab4',
      label: 'lab 4  JWT + scope gate (dev token)',
      base: lab4.base,
      token: await mintAccessToken({ port: lab4.port, scope: 'notes:read' }),
    },
    {
      id: 'lab4-recorded',
      label: 'lab 4  recording on (flow page)',
      base: lab4r.base,
      token: await mintAccessToken({ port: lab4r.port, scope: 'notes:read' }),
    },
    {
      id: 'lab4-recorded-viewer',
      label: 'lab 4  recording on, one viewer',
      base: lab4w.base,
      token: await mintAccessToken({ port: lab4w.port, scope: 'notes:read' }),
    },
    { id: 'lab7-jwt', label: 'lab 7  JWT, remote JWKS cached', base: lab7.base, token: (await alice(lab7.mcpUrl)).access_token },
    {
      id: 'lab7-introspection',
      label: 'lab 7  opaque token, introspection',
      base: lab7i.base,
      token: (await alice(lab7i.mcpUrl)).access_token,
    },
  ]
  const throughput = await measureThroughput(targets, SETTINGS.throughput, step('tools/call'))
  // the recording really happened: the page got the recorded lab's exchanges, and the viewer read them
  if (recorded.flow.store.exchanges.length === 0 || watched.seen() === 0) throw new Error('the flow page received no exchanges')

  say("2. the hand-built bearer middleware, SDK 2's and jose alone")
  const verification = await measureVerification(SETTINGS.verification, step('verify'))

  say('3. remote JWKS fetches')
  const remoteJwks = await jwks

  say("4. lab 5's token endpoint")
  const tokenEndpoint = await measureTokenEndpoint(lab5.base, SETTINGS.tokenEndpoint, step('lab 5'))

  await cleanUp()
  const seconds = (Date.now() - begin) / 1000
  const cpu = cpus()
  const machine = {
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  }
  const date = new Date().toISOString()
  const report: Report = {
    title:
      `What authorization costs: ${date.slice(0, 10)}, ${machine.cpus} cores (${machine.cpuModel}), Node ${machine.node}` +
      (quick ? ', --quick (tiny counts: not a measurement)' : ''),
    throughput: { settings: SETTINGS.throughput, rows: throughput },
    verification: { settings: SETTINGS.verification, result: verification },
    remoteJwks,
    tokenEndpoint: { concurrency: SETTINGS.tokenEndpoint.concurrency, result: tokenEndpoint },
  }
  say(`\n${formatReport(report)}\n`)
  const json = {
    date,
    mode: quick ? 'quick' : 'default',
    machine,
    wallSeconds: Math.round(seconds * 10) / 10,
    settings: SETTINGS,
    ...report,
  }
  writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`)
  say(`bench: ${seconds.toFixed(1)} s; results written to ${out}`)
}

try {
  await main()
  clearTimeout(watchdog)
  process.exit(0)
} catch (error) {
  say(`bench failed: ${error instanceof Error ? error.message : String(error)}`)
  await cleanUp()
  process.exit(1)
}
