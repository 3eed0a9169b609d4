// What a lab's check.ts is made of: checks as data, a context to run them against a
// server, assertions with messages a learner can act on, and the printed report.
import { chalk } from 'zx'
import { type MintOptions, mintAccessToken } from './tokens.ts'
import { type Reply, type Req, mcpHeaders, send } from './http.ts'

export interface Check {
  id: string
  title: string
  /** where the rule comes from, e.g. "RFC 6750 §3.1" */
  spec: string
  run(t: CheckContext): Promise<void>
}

export class CheckContext {
  readonly base: string
  readonly mcpUrl: string
  readonly port: number
  /** the curl command of the last request, printed when the check fails */
  lastCurl: string | undefined

  constructor(base: string) {
    this.base = base.replace(/\/$/, '')
    this.mcpUrl = `${this.base}/mcp`
    this.port = Number(new URL(this.base).port)
  }

  url(path: string): string {
    return new URL(path, this.base).href
  }

  async send(req: Req): Promise<Reply> {
    const reply = await send({ ...req, url: this.url(req.url) })
    this.lastCurl = reply.curl
    return reply
  }

  /** POSTs one JSON-RPC message (or a batch, or a raw string) to /mcp. */
  mcp(message: unknown, options: { token?: string; headers?: Record<string, string> } = {}): Promise<Reply> {
    return this.send({ url: '/mcp', headers: mcpHeaders(options.token, options.headers), body: message })
  }

  /** A dev access token for this server (issuer and audience from its port). */
  token(options: Partial<MintOptions> = {}): Promise<string> {
    return mintAccessToken({ port: this.port, ...options })
  }
}

export class CheckFailed extends Error {
  name = 'CheckFailed'
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message)
}

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new CheckFailed(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

export function expectStatus(reply: Reply, ...allowed: number[]): void {
  if (!allowed.includes(reply.status)) {
    const body = reply.text.length > 300 ? `${reply.text.slice(0, 300)}…` : reply.text
    throw new CheckFailed(`expected HTTP ${allowed.join(' or ')}, got ${reply.status}${body ? `: ${body}` : ''}`)
  }
}

/** The JSON-RPC result of a single-message reply, failing on an error. */
export function rpcResult(reply: Reply): any {
  expectStatus(reply, 200)
  assert(reply.json !== undefined, `expected a JSON body, got content-type ${reply.headers['content-type']}`)
  assert(reply.json.error === undefined, `JSON-RPC error: ${JSON.stringify(reply.json.error)}`)
  return reply.json.result
}

export interface CheckResult {
  check: Check
  ok: boolean
  reason?: string
  curl?: string
}

export async function runCheck(check: Check, base: string): Promise<CheckResult> {
  const t = new CheckContext(base)
  try {
    await check.run(t)
    return { check, ok: true }
  } catch (error) {
    const reason = error instanceof CheckFailed ? error.message : `${(error as Error).name}: ${(error as Error).message}`
    return { check, ok: false, reason, curl: t.lastCurl }
  }
}

export function formatResult(result: CheckResult): string {
  const { check } = result
  const head = `${result.ok ? chalk.green('✔') : chalk.red('✘')} ${check.title} ${chalk.dim(`(${check.spec})`)}`
  if (result.ok) return head
  return [head, `    ${chalk.red(result.reason)}`, ...(result.curl ? [chalk.dim(`    ${result.curl}`)] : [])].join('\n')
}

/** Runs checks in order, printing each line as it finishes. */
export async function runAndPrint(checks: Check[], base: string, print = console.log): Promise<CheckResult[]> {
  const results: CheckResult[] = []
  for (const check of checks) {
    const result = await runCheck(check, base)
    results.push(result)
    print(formatResult(result))
  }
  const failed = results.filter((r) => !r.ok).length
  print(failed === 0 ? chalk.green(`${results.length} passed, 0 failed`) : chalk.red(`${results.length - failed} passed, ${failed} failed`))
  return results
}

/** RFC 6750 §3: the status, a Bearer challenge, and its error code (or none at all). */
export function expectChallenge(reply: Reply, status: number, error: string | undefined): void {
  expectStatus(reply, status)
  assert(
    reply.challenge !== undefined,
    `no Bearer challenge in WWW-Authenticate (got ${JSON.stringify(reply.headers['www-authenticate'])})`,
  )
  expectEqual(reply.challenge.params.error, error, "the challenge's error")
}
