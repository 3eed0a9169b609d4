// Clients that speak MCP over stdio to whoever started them and HTTP to the server: mcp-remote (what a
// desktop client runs) and the SDK 2.x driver (interop/sdk2-client.ts). The harness is the desktop
// client: it writes JSON-RPC on their stdin; when they print an authorization URL, the scripted user
// signs in.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { stopChild } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'
import { type Row, ScriptedUser, type Target, fail, makeUnusable, nextCapability, oneLine, pass } from '@workshop/kit/client-interop'

export const INTEROP_DIR = join(ROOT, 'interop')

export interface StdioClient {
  name: string
  /** how to start it against `mcpUrl`, keeping what it stores in `stateDir` */
  start(mcpUrl: string, stateDir: string): { args: string[]; env: Record<string, string> }
  /** the access token and client_id it holds now, read from where it stores them */
  held(stateDir: string): { accessToken: string; clientId: string }
}

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
  )
const readJson = (file: string | undefined) => (file && existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined)

export const MCP_REMOTE: StdioClient = {
  name: 'mcp-remote 0.15.1',
  start: (mcpUrl, stateDir) => ({
    args: [join(INTEROP_DIR, 'node_modules/mcp-remote/dist/proxy.js'), mcpUrl, '--host', '127.0.0.1'],
    // Its tokens go to a fresh folder, not ~/.mcp-auth; BROWSER=true: it "opens" nothing, the scripted user goes instead.
    env: { MCP_REMOTE_CONFIG_DIR: stateDir, BROWSER: 'true' },
  }),
  held(stateDir) {
    const all = files(stateDir)
    const tokens = readJson(all.find((f) => f.endsWith('_tokens.json')))
    const client = readJson(all.find((f) => f.endsWith('_client_info.json')))
    return { accessToken: tokens?.access_token, clientId: client?.client_id }
  },
}

/** The SDK 2.x client in `auto` (server/discover, falling back to initialize) or pinned to a revision (no fallback). */
export const sdk2 = (era: 'auto' | '2026-07-28'): StdioClient => ({
  name: `@modelcontextprotocol/client 2.4.0 (${era})`,
  start: (mcpUrl, stateDir) => ({
    args: ['--import', 'tsx', join(INTEROP_DIR, 'sdk2-client.ts'), mcpUrl],
    env: { STATE_DIR: stateDir, ERA: era },
  }),
  held: (stateDir) => ({
    accessToken: readJson(join(stateDir, 'tokens.json'))?.access_token,
    clientId: readJson(join(stateDir, 'client.json'))?.client_id,
  }),
})

interface Answer {
  result?: any
  error?: { code: number; message: string }
}

/** A running stdio client: JSON-RPC requests in, answers out; its stderr is watched for authorization URLs. */
class Session {
  private readonly child: ChildProcess
  private readonly waiting = new Map<number, (answer: Answer) => void>()
  private nextId = 1
  private stderr = ''

  constructor(args: string[], env: Record<string, string>, user: ScriptedUser) {
    this.child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] })
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        const message = JSON.parse(line)
        this.waiting.get(message.id)?.(message)
      } catch {
        // not JSON-RPC: a client's stray log line
      }
    })
    let unread = ''
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000)
      unread += chunk.toString()
      // mcp-remote's words, which the SDK 2.x driver uses too
      const match = /Please authorize this client by visiting:\s*(\S+)/.exec(unread)
      if (match) {
        unread = unread.slice(match.index + match[0].length)
        void user.authorize(match[1])
      }
    })
  }

  request(method: string, params: Record<string, unknown> = {}, timeoutMs = 120_000): Promise<Answer> {
    const id = this.nextId++
    this.child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`)
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => resolve({ error: { code: 0, message: `no answer to ${method} within ${timeoutMs / 1000} s` } }),
        timeoutMs,
      )
      this.waiting.set(id, (answer) => {
        clearTimeout(timer)
        resolve(answer)
      })
    })
  }

  notify(method: string): void {
    this.child.stdin!.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`)
  }

  lastWords(): string {
    return oneLine(this.stderr.split('\n').filter(Boolean).slice(-3).join(' | '), 300)
  }

  stop(): Promise<void> {
    this.child.stdin!.end()
    return stopChild(this.child)
  }
}

const text = (answer: Answer): string => answer.result?.content?.map((c: { text?: string }) => c.text ?? '').join(' ') ?? ''
const why = (answer: Answer): string => answer.error?.message ?? (answer.result?.isError ? text(answer) : 'no result')

/** Drives one stdio client through sign-in (on initialize), tools/list, read_notes, step-up and refresh. */
export async function driveStdio(client: StdioClient, target: Target): Promise<Row> {
  const row: Row = {}
  const user = new ScriptedUser(target.user)
  const stateDir = mkdtempSync(join(tmpdir(), 'interop-client-'))
  const { args, env } = client.start(target.lab.mcpUrl, stateDir)
  const session = new Session(args, env, user)
  const ok = (answer: Answer) => answer.error === undefined && answer.result?.isError !== true
  try {
    const init = await session.request('initialize', {
      protocolVersion: '2025-11-25',
      capabilities: {},
      clientInfo: { name: 'workshop-interop', version: '1.0.0' },
    })
    const first = user.signIns[0]
    row['sign-in'] =
      first && user.problems.length === 0
        ? first.pkce === 'S256'
          ? pass(`registered, PKCE S256, asked for "${first.scope}"`)
          : fail(`no PKCE S256 in its authorization request`)
        : fail(user.problems[0] ?? `never showed an authorization URL (${session.lastWords()})`)
    if (!ok(init)) {
      row['tools/list'] = fail(`not connected: ${why(init)} (${session.lastWords()})`)
      return row
    }
    row.protocol = init.result.protocolVersion
    session.notify('notifications/initialized')

    const list = await session.request('tools/list')
    const names: string[] = list.result?.tools?.map((t: { name: string }) => t.name) ?? []
    row['tools/list'] = names.includes('read_notes') ? pass() : fail(ok(list) ? `tools: ${names.join(', ')}` : why(list))

    const read = await session.request('tools/call', { name: 'read_notes', arguments: {} })
    row.read_notes = ok(read) && text(read).includes(`Notes of ${target.user.username}`) ? pass() : fail(why(read))

    // Step-up: purge_notes needs notes:admin, which the first sign-in did not ask for (MCP authorization, step-up).
    const before = user.signIns.length
    const purge = await session.request('tools/call', { name: 'purge_notes', arguments: {} })
    const second = user.signIns[before]
    if (first?.scope.split(' ').includes('notes:admin') && user.signIns.length === before) {
      row['step-up'] = ok(purge) ? { result: 'n/a', note: 'asked for notes:admin at its first sign-in' } : fail(why(purge))
    } else if (ok(purge) && second?.scope.split(' ').includes('notes:admin')) {
      row['step-up'] = pass(`second sign-in for "${second.scope}"`)
    } else {
      row['step-up'] = fail(user.problems[0] ?? `${why(purge)}${second ? '' : ' (it never asked to sign in again)'}`)
    }

    // Refresh: the server now refuses the access token; the client should use its refresh token, not a new sign-in.
    const held = client.held(stateDir)
    if (!held.accessToken || !held.clientId) {
      row.refresh = fail('could not find the tokens it stores')
      return row
    }
    await makeUnusable(target, held.accessToken, held.clientId)
    const signInsBefore = user.signIns.length
    const again = await session.request('tools/call', { name: 'read_notes', arguments: {} })
    const renewed = client.held(stateDir).accessToken !== held.accessToken
    if (user.signIns.length > signInsBefore) row.refresh = fail('asked for a new sign-in instead of refreshing')
    else row.refresh = ok(again) && renewed ? pass() : fail(why(again))
    return row
  } catch (error) {
    const next = nextCapability(row)
    if (next) row[next] = fail(oneLine(error))
    return row
  } finally {
    await session.stop()
  }
}
