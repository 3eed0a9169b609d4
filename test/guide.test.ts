// `npm run step N`: the interactive guide in a real pseudo-terminal (util-linux `script`),
// the plain server without a terminal, and the errors a learner can run into.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { decodeJwt } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import { parseScopes, readTryItCommands, tryItCommands } from '../scripts/lib/guide.ts'
import { freePort, portIsFree } from '@workshop/kit/lab-process'
import { findLab, labExists, LABS } from '@workshop/kit/labs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TIMEOUT = 60_000
const JWT = /[\w-]+\.[\w-]+\.[\w-]+/

// CSI sequences (colours, cursor moves), OSC sequences and carriage returns
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\r/g
const strip = (text: string) => text.replace(ANSI, '')

/** A running process whose output we can wait for. */
class Session {
  raw = ''
  readonly exited: Promise<number | null>

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => (this.raw += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (this.raw += chunk.toString()))
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)))
  }

  get text(): string {
    return strip(this.raw)
  }

  /** Waits until `pattern` appears in the output after position `from`; returns the match. */
  async waitFor(pattern: RegExp | string, from = 0, timeout = 30_000): Promise<RegExpExecArray> {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern
    const deadline = Date.now() + timeout
    for (;;) {
      const match = re.exec(this.text.slice(from))
      if (match) return match
      const why =
        this.child.exitCode !== null
          ? `the process exited (${this.child.exitCode})`
          : Date.now() > deadline
            ? `${timeout / 1000} s passed`
            : undefined
      if (why) throw new Error(`${why} before it printed ${re}\n--- output so far ---\n${this.text}`)
      await new Promise((resolve) => setTimeout(resolve, 50)) // poll
    }
  }

  /** Sends keys and returns where the output stood before them, for waitFor(…, mark). */
  press(keys: string): number {
    const mark = this.text.length
    this.child.stdin.write(keys)
    return mark
  }

  async exitCode(timeout = 20_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the process did not exit within ${timeout / 1000} s:\n${this.text}`)), timeout)
    })
    try {
      return await Promise.race([this.exited, late])
    } finally {
      clearTimeout(timer)
    }
  }
}

const sessions: Session[] = []
afterEach(async () => {
  // a failed test may leave a process behind: closing the terminal hangs up the step runner,
  // which stops its lab server
  for (const session of sessions.splice(0)) {
    if (session.child.exitCode === null && session.child.signalCode === null) {
      session.child.kill('SIGTERM')
      await session.exitCode().catch(() => session.child.kill('SIGKILL'))
    }
  }
})

/** `npm run step N` in a pseudo-terminal: stdin and stdout are a TTY, as for a learner. */
function stepInTerminal(lab: string, port: number): Session {
  const command = `'${process.execPath}' --import tsx scripts/step.ts ${lab}`
  // colours on, as a learner sees them (the output is compared with the colours stripped)
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TERM: 'xterm-256color' }
  delete env.FORCE_COLOR
  delete env.NO_COLOR
  delete env.CI // a learner's terminal: supports-color turns colour off under CI=true
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env, stdio: 'pipe' })
  const session = new Session(child)
  sessions.push(session)
  return session
}

/** `npm run step N` with plain pipes, as in CI. */
function stepWithoutTerminal(args: string[], port?: number): Session {
  const env = { ...process.env }
  if (port !== undefined) env.PORT = String(port)
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/step.ts', ...args], { cwd: ROOT, env, stdio: 'pipe' })
  const session = new Session(child)
  sessions.push(session)
  return session
}

function jwtAfter(text: string): string {
  const match = new RegExp(`export TOKEN=(${JWT.source})`).exec(text)
  expect(match, 'an "export TOKEN=<jwt>" line').not.toBeNull()
  return match![1]
}

describe('the "Try it by hand" commands of a README', () => {
  const readme = [
    '# Lab 9',
    '```bash',
    'echo not this one',
    '```',
    '## Try it by hand',
    'Start the server, then:',
    '```bash',
    '# no token',
    'curl -i http://127.0.0.1:9000/mcp -d "{}"',
    'curl -i http://127.0.0.1:90001/x http://localhost:9000/',
    '',
    '```',
    '```bash',
    'echo the second block is not shown',
    '```',
  ].join('\n')

  it('takes the first bash block after the heading and moves 127.0.0.1:9000 to the real port', () => {
    expect(tryItCommands(readme, 9123)).toEqual([
      '# no token',
      'curl -i http://127.0.0.1:9123/mcp -d "{}"',
      'curl -i http://127.0.0.1:90001/x http://localhost:9000/',
    ])
  })

  it('is empty without the section, or when the section has no bash block', () => {
    expect(tryItCommands('# Lab\n```bash\ncurl x\n```\n', 9000)).toEqual([])
    expect(tryItCommands('## Try it by hand\nnothing\n## Next step\n```bash\ncurl x\n```\n', 9000)).toEqual([])
  })

  it('is empty for a lab without a README', () => {
    const lab = { n: 99, dir: 'no-such-lab', title: 'none', devTokens: false }
    expect(readTryItCommands(lab, 9000)).toEqual([])
  })
})

describe('the scopes asked for by [t]', () => {
  it('defaults to notes:read and normalises spaces', () => {
    expect(parseScopes('')).toBe('notes:read')
    expect(parseScopes('  notes:read   notes:write ')).toBe('notes:read notes:write')
  })
  it('refuses characters RFC 6749 §3.3 does not allow', () => {
    expect(() => parseScopes('notes:"read"')).toThrow(/not a valid scope/)
  })
})

describe('npm run step in a terminal', () => {
  it(
    'lab 1: ready line, guide, curl commands, [c] checks, [d] no previous lab, [t] no dev tokens, [q] quits',
    async () => {
      const port = await freePort()
      const step = stepInTerminal('1', port)
      await step.waitFor(`ready: http://127.0.0.1:${port}/mcp`)
      await step.waitFor(/Lab 1 +Streamable HTTP/)
      await step.waitFor(new RegExp(`MCP endpoint +http://127\\.0\\.0\\.1:${port}/mcp`))
      await step.waitFor(/Keys +\[c\] run the checks .*\[q\] quit/)
      expect(step.raw).toMatch(/\x1b\[36m/) // eslint-disable-line no-control-regex -- in colour, as learners see it

      const commands = readTryItCommands(findLab('1'), port).filter((line) => line.trim() !== '')
      if (commands.length > 0) {
        await step.waitFor('Try it by hand')
        for (const line of commands) expect(step.text).toContain(line.trim())
        if (port !== 9000) expect(step.text).not.toContain('127.0.0.1:9000')
      } else {
        expect(step.text).not.toContain('Try it by hand')
      }

      let mark = step.press('c')
      await step.waitFor(/\d+ passed, 0 failed/, mark, 45_000)
      mark = step.press('d')
      await step.waitFor(/no previous lab/, mark)
      mark = step.press('t')
      await step.waitFor(/lab 1 takes no dev tokens/, mark)

      step.press('q')
      expect(await step.exitCode()).toBe(0)
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT,
  )

  const tokenLab = LABS.find((lab) => lab.devTokens && labExists(lab))
  it.skipIf(tokenLab === undefined)(
    `lab ${tokenLab?.n ?? '(none: no lab with dev tokens has a server.ts yet)'}: ` +
      'a dev token in the guide, and [t] mints one with the scopes asked for',
    async () => {
      const lab = tokenLab!
      const port = await freePort()
      const mcpUrl = `http://127.0.0.1:${port}/mcp`
      const step = stepInTerminal(String(lab.n), port)
      await step.waitFor(`ready: ${mcpUrl}`)
      await step.waitFor(/\[t\] mint a token.*\[q\] quit/)
      expect(step.text).toContain(`export PORT=${port}`) // so \`npm run token\` in the README's commands mints for this port
      const guideToken = decodeJwt(jwtAfter(step.text))
      expect(guideToken).toMatchObject({ aud: mcpUrl, iss: `http://127.0.0.1:${port}`, scope: 'notes:read notes:write' })
      expect(guideToken.exp! - guideToken.iat!).toBe(15 * 60)

      let mark = step.press('t')
      await step.waitFor(/scopes \(space-separated\) \[notes:read\]:/, mark)
      mark = step.press('notes:read\r')
      await step.waitFor(new RegExp(`export TOKEN=${JWT.source}`), mark)
      const token = jwtAfter(step.text.slice(mark))
      expect(decodeJwt(token)).toMatchObject({ aud: mcpUrl, scope: 'notes:read' })

      // a second time, Enter takes the default (and the key that asked is not part of the answer)
      mark = step.press('t')
      await step.waitFor(/scopes \(space-separated\) \[notes:read\]:/, mark)
      mark = step.press('\r')
      await step.waitFor(new RegExp(`export TOKEN=${JWT.source}`), mark)
      expect(decodeJwt(jwtAfter(step.text.slice(mark))).scope).toBe('notes:read')

      // the server takes it
      const reply = await fetch(mcpUrl, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      })
      expect(reply.status).toBe(200)

      // keys work again after the question
      mark = step.press('h')
      await step.waitFor(new RegExp(`Lab ${lab.n} `), mark)
      step.press('\u0003') // Ctrl-C quits too
      expect(await step.exitCode()).toBe(0)
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT,
  )
})

describe('npm run step without a terminal', () => {
  it(
    'serves lab 1, prints the ready line and no guide, and stops cleanly on SIGTERM',
    async () => {
      const port = await freePort()
      const step = stepWithoutTerminal(['1'], port)
      await step.waitFor(`ready: http://127.0.0.1:${port}/mcp`)
      expect(step.text).not.toMatch(/Keys|\[q\] quit/)
      const reply = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'GET' })
      expect(reply.status).toBe(405)
      step.child.kill('SIGTERM')
      expect(await step.exitCode()).toBe(0)
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT,
  )

  it(
    'says how to fix a port that is in use, and exits 1',
    async () => {
      const port = await freePort()
      const blocker = createServer()
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
      try {
        const step = stepWithoutTerminal(['1'], port)
        expect(await step.exitCode()).toBe(1)
        expect(step.text).toContain(`port ${port} is in use: stop the other server or run PORT=${port + 1} npm run step 1`)
      } finally {
        blocker.close()
      }
    },
    TIMEOUT,
  )

  it(
    'lists the labs and exits 2 for a lab that does not exist, or none',
    async () => {
      for (const args of [['99'], []]) {
        const step = stepWithoutTerminal(args)
        expect(await step.exitCode()).toBe(2)
        expect(step.text).toMatch(args.length ? /There is no lab "99"/ : /Which lab\?/)
        for (const lab of LABS) expect(step.text).toContain(lab.dir)
      }
    },
    TIMEOUT,
  )
})
