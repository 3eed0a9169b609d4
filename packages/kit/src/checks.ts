// The check library: what every lab's check.ts imports besides zx. A check is data (id, title, the
// spec section its rule comes from, and a function); the function sends real curl commands with zx's
// `$` and says what their answers must be. `exchange($`curl -si …`)` runs one and reads its answer;
// the OAuth flows (sign-in pages, the token endpoint) send theirs as curl commands too (`t.send`). What
// a failure prints is the command that ran, so a learner can paste it into a terminal.
import { AsyncLocalStorage } from 'node:async_hooks'
import { type IncomingHttpHeaders } from 'node:http'
import { $, type ProcessPromise, chalk } from 'zx'
import { type Discovery, discover } from './discovery.ts'
import {
  type Reply,
  type Req,
  type Send,
  MCP_ACCEPT,
  PROTOCOL_VERSION,
  encode,
  envelope2026,
  headers2026 as modernHeaders,
  toReply,
} from './http.ts'
import { AuthorizationServer } from './oauth-client.ts'
import { type MintOptions, mintAccessToken } from './tokens.ts'
import { Browser } from './user-agent.ts'

export { type Reply, PROTOCOL_VERSION } from './http.ts'
export { CALLBACK, type RegisteredClient, type Tokens, clientCredentials } from './oauth-client.ts'
export { type Page, Browser, formOf, locationOf, pageText, parseForms, signInAndApprove } from './user-agent.ts'
export { pkcePair, authorizationRequestUrl } from './authorization-request.ts'
export { hmacWithPublicKey, selfSignedToken, tamperedToken, unsignedToken } from './forge.ts'
export { passwordOf } from './demo-users.ts'

export interface Check {
  id: string
  title: string
  /** where the rule comes from, e.g. "RFC 6750 §3.1" */
  spec: string
  run(t: CheckContext): Promise<void>
}

/** A check: what it is called, what it checks, where the rule comes from, and how. */
export function check(id: string, title: string, spec: string, run: (t: CheckContext) => Promise<void>): Check {
  return { id, title, spec, run }
}

// ---- sending: real curl commands

/** The headers every MCP POST carries (MCP transports, Streamable HTTP), as curl arguments. */
export const JSON_RPC = ['-H', 'Content-Type: application/json', '-H', `Accept: ${MCP_ACCEPT}`]

/** An Authorization header with a bearer token (RFC 6750 §2.1), as curl arguments. */
export const bearer = (token: string): string[] => ['-H', `Authorization: Bearer ${token}`]

/** A JSON-RPC request, as the text of a curl --data argument. */
export const rpc = (method: string, params: Record<string, unknown> = {}, id: number | string = 1): string =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params })

/** A 2026-07-28 request (its `_meta` envelope in params), as the text of a curl --data argument. */
export const rpc2026 = (
  method: string,
  params: Record<string, unknown> = {},
  id: number | string = 1,
  version = PROTOCOL_VERSION,
): string => rpc(method, { ...params, _meta: envelope2026(version) }, id)

/** The headers a 2026-07-28 POST repeats from its body (MCP-Protocol-Version, Mcp-Method, Mcp-Name), as curl arguments. */
export const headers2026 = (method: string, name?: string, version = PROTOCOL_VERSION): string[] =>
  Object.entries(modernHeaders(method, name, version)).flatMap(([header, value]) => ['-H', `${header}: ${value}`])

export class CheckFailed extends Error {
  name = 'CheckFailed'
}

/** The commands a check ran and what came back, for its report; `onCommand` prints them as they go (--curl). */
interface Transcript {
  exchanges: { command: string; reply?: Reply }[]
  onCommand?: (command: string) => void
}
const transcript = new AsyncLocalStorage<Transcript>()

// curl's exit codes for "no answer" (curl(1), EXIT CODES)
const NO_ANSWER: Record<number, string> = {
  6: 'could not resolve the host',
  7: 'nothing answers there (connection refused)',
  28: 'no answer within the time limit',
  52: 'the server closed the connection without an answer',
  56: 'the connection broke while reading the answer',
}

/**
 * Runs one curl command (started by zx's `$`, e.g. `exchange($`curl -si ${t.mcp}`)`) and reads its
 * answer: `curl -si` prints the status line and headers, then the body.
 */
export async function exchange(command: ProcessPromise): Promise<Reply> {
  const line = command.cmd
  const record: Transcript['exchanges'][number] = { command: line }
  const current = transcript.getStore()
  current?.exchanges.push(record)
  current?.onCommand?.(line)
  const output = await command.nothrow().quiet().timeout('30s')
  if (output.exitCode !== 0) {
    const why = NO_ANSWER[output.exitCode ?? -1] ?? `curl failed (exit ${output.exitCode}): ${output.stderr.trim()}`
    throw new CheckFailed(why)
  }
  record.reply = parseCurl(output.stdout, line)
  return record.reply
}

/** `curl -si`'s output: the last header block (after any 1xx), then the body. */
export function parseCurl(stdout: string, command: string): Reply {
  let rest = stdout
  for (;;) {
    const end = rest.indexOf('\r\n\r\n')
    const head = end === -1 ? rest : rest.slice(0, end)
    const body = end === -1 ? '' : rest.slice(end + 4)
    const [statusLine, ...fields] = head.split('\r\n')
    const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine)?.[1] ?? 0)
    if (status >= 100 && status < 200 && end !== -1) {
      rest = body // 100 Continue: the real answer follows
      continue
    }
    const headers: IncomingHttpHeaders = {}
    for (const field of fields) {
      const colon = field.indexOf(':')
      if (colon <= 0) continue
      const name = field.slice(0, colon).trim().toLowerCase()
      const value = field.slice(colon + 1).trim()
      if (name === 'set-cookie') headers['set-cookie'] = [...(headers['set-cookie'] ?? []), value]
      else headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`
    }
    return toReply(status, headers, body, command)
  }
}

/** A request as the curl command that sends it: the flows (sign-in pages, token endpoint) go out this way. */
export const curlSend: Send = (req: Req) => {
  const { method, headers, body } = encode(req)
  const args: string[] = []
  if (method !== 'GET' && !(method === 'POST' && body !== undefined)) args.push('-X', method)
  for (const [name, value] of Object.entries(headers)) for (const v of [value].flat()) args.push('-H', `${name}: ${v}`)
  if (body !== undefined) args.push('--data-raw', body)
  return exchange($`curl -si ${req.url} ${args}`)
}

// ---- the context a check runs in

export class CheckContext {
  readonly base: string
  /** the MCP endpoint: the server's canonical URL */
  readonly mcp: string
  readonly port: number
  /** sends a request as a curl command; what the OAuth helpers below use */
  readonly send: Send = curlSend

  constructor(base: string) {
    this.base = base.replace(/\/$/, '')
    this.mcp = `${this.base}/mcp`
    this.port = Number(new URL(this.base).port)
  }

  url(path: string): string {
    return new URL(path, this.base).href
  }

  /** A dev access token for this server (labs 2–4): issuer and audience from its port, signed with keys/. */
  token(options: Partial<MintOptions> = {}): Promise<string> {
    return mintAccessToken({ port: this.port, ...options })
  }

  /** What a client learns from a bare 401 (discovery.ts), by curl; once per server for a whole run. */
  discover(): Promise<Discovery> {
    let discovered = discoveries.get(this.mcp)
    if (discovered === undefined) {
      discovered = discover(this.mcp, this.send)
      discovered.catch(() => discoveries.delete(this.mcp)) // a failure is not kept: the next check asks again
      discoveries.set(this.mcp, discovered)
    }
    return discovered
  }

  /** The server's authorization server, driven by curl commands (labs 5 and 7). */
  async oauth(): Promise<AuthorizationServer> {
    const { metadata, resource } = await this.discover()
    return sharedServer(metadata.issuer, () => new AuthorizationServer(metadata, resource, this.send))
  }

  /** A browser whose requests are curl commands. */
  browser(): Browser {
    return new Browser(this.send)
  }
}

const discoveries = new Map<string, Promise<Discovery>>()

// One handle per authorization server for a whole run, so its clients are registered once (registration
// is rate-limited) and shared by the checks.
const servers = new Map<string, AuthorizationServer>()
function sharedServer(issuer: string, make: () => AuthorizationServer): AuthorizationServer {
  if (!servers.has(issuer)) servers.set(issuer, make())
  return servers.get(issuer)!
}

// ---- expectations

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message)
}

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new CheckFailed(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
  }
}

export function expectStatus(reply: Reply, ...allowed: number[]): void {
  if (!allowed.includes(reply.status)) throw new CheckFailed(`expected HTTP ${allowed.join(' or ')}, got ${reply.status}`)
}

/** The JSON-RPC result of a single-message reply, failing on an error. */
export function rpcResult(reply: Reply): any {
  expectStatus(reply, 200)
  assert(reply.json !== undefined, `expected a JSON body, got content-type ${reply.headers['content-type']}`)
  assert(reply.json.error === undefined, `JSON-RPC error: ${JSON.stringify(reply.json.error)}`)
  return reply.json.result
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

// ---- running and printing

export interface CheckResult {
  check: Check
  ok: boolean
  reason?: string
  /** the commands it ran, with their answers */
  exchanges: Transcript['exchanges']
}

export async function runCheck(check: Check, base: string, options: { onCommand?: (command: string) => void } = {}): Promise<CheckResult> {
  const record: Transcript = { exchanges: [], onCommand: options.onCommand }
  try {
    await transcript.run(record, () => check.run(new CheckContext(base)))
    return { check, ok: true, exchanges: record.exchanges }
  } catch (error) {
    const reason = error instanceof CheckFailed ? error.message : `${(error as Error).name}: ${(error as Error).message}`
    return { check, ok: false, reason, exchanges: record.exchanges }
  }
}

/** Tokens, codes and secrets cut short for reading (`--curl` prints the commands whole). */
export const shorten = (text: string): string => text.replace(/[\w\-.~+/]{40,}=*/g, (secret) => `${secret.slice(0, 10)}…`)

// Headers that say nothing about the lesson.
const QUIET_HEADERS = new Set(['date', 'connection', 'keep-alive', 'content-length', 'etag', 'vary', 'x-powered-by'])

/** The last exchange of a failed check: the command, the status line, the headers that matter, the body. */
function lastExchange(result: CheckResult): string[] {
  const last = result.exchanges.at(-1)
  if (last === undefined) return []
  const lines = [`$ ${shorten(last.command)}`]
  if (last.reply) {
    lines.push(`HTTP ${last.reply.status}`)
    for (const [name, value] of Object.entries(last.reply.headers)) {
      if (!QUIET_HEADERS.has(name)) lines.push(`${name}: ${shorten([value].flat().join(', '))}`)
    }
    const body = shorten(last.reply.text.trim())
    if (body) lines.push(body.length > 400 ? `${body.slice(0, 400)}…` : body)
  }
  return lines
}

export function formatResult(result: CheckResult): string {
  const { check } = result
  const head = `${result.ok ? chalk.green('✔') : chalk.red('✘')} ${check.title} ${chalk.dim(`(${check.spec})`)}`
  if (result.ok) return head
  return [head, `    ${chalk.red(result.reason)}`, ...lastExchange(result).map((line) => chalk.dim(`    ${line}`))].join('\n')
}

export interface RunOptions {
  print?: (line: string) => void
  /** print each curl command, whole, before its result */
  curl?: boolean
  /** a line printed under a failed check (practice mode: which exercise it grades) */
  note?: (check: Check) => string | undefined
}

/** Runs checks in order, printing each line as it finishes. */
export async function runAndPrint(checks: Check[], base: string, options: RunOptions = {}): Promise<CheckResult[]> {
  const print = options.print ?? console.log
  const onCommand = options.curl ? (command: string) => print(chalk.cyan(`$ ${command}`)) : undefined
  const results: CheckResult[] = []
  for (const check of checks) {
    const result = await runCheck(check, base, { onCommand })
    results.push(result)
    print(formatResult(result))
    const note = result.ok ? undefined : options.note?.(check)
    if (note) print(chalk.yellow(`    ${note}`))
  }
  const failed = results.filter((r) => !r.ok).length
  print(failed === 0 ? chalk.green(`${results.length} passed, 0 failed`) : chalk.red(`${results.length - failed} passed, ${failed} failed`))
  if (failed > 0 && !options.curl)
    print(chalk.dim('(tokens are shortened above; --curl prints every command whole, to paste into a terminal)'))
  return results
}

export { runIfMain } from './run-checks.ts'

// ---- what curl cannot do: raw sockets (their checks say so in their titles)
export { openConnections, rawSocket, trickleHeaders } from './attack-kit.ts'

export { type Walk, freshClientData, walkEnv, walked } from './walk.ts'
