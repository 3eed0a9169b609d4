// `npm run step`, `npm run check` and the lab processes they start, without a terminal: the server that
// answers is the one the runner started, every way of stopping ends everything it started, the exit code
// says what happened, and a bad option or port gets one line.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { findLab } from '@workshop/kit/labs'
import { type RunningLab, freePort, portIsFree, startLab, startProcess } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'

const TIMEOUT = 120_000

/** A runner started as a learner's `npm run …` starts it, without a terminal. */
class Run {
  output = ''
  /** what had been printed when the runner itself exited */
  outputAtExit?: string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  /** resolves once every writer of its stdout and stderr is gone: the runner and anything it left behind */
  readonly closed: Promise<void>

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()))
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.outputAtExit = this.output
        resolve({ code, signal })
      }),
    )
    this.closed = new Promise((resolve) => child.once('close', () => resolve()))
  }

  async waitFor(pattern: RegExp, timeout = 90_000): Promise<void> {
    const deadline = Date.now() + timeout
    while (!pattern.test(this.output)) {
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > deadline)
        throw new Error(`no ${pattern} (exit ${this.child.exitCode}):\n${this.output}`)
      await new Promise((resolve) => setTimeout(resolve, 50)) // poll
    }
  }

  async code(): Promise<number | null> {
    return (await this.exited).code
  }
}

const runs: Run[] = []
const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const run of runs.splice(0)) if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL')
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

function script(file: string, args: string[], env: Record<string, string | undefined> = {}): Run {
  const merged: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: '0' }
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete merged[key]
    else merged[key] = value
  }
  const run = new Run(spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: ROOT, env: merged, stdio: 'pipe' }))
  runs.push(run)
  return run
}
const step = (args: string[], env: Record<string, string | undefined> = {}) => script('scripts/step.ts', args, env)

/** A port held by something that is not a lab. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const port = await freePort()
  const server = createServer()
  const sockets = new Set<Socket>() // whoever asked it what it is: closed with it
  server.on('connection', (socket) => sockets.add(socket))
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  )
  return { port, server }
}

/** The process ids of a process's children whose command line mentions `file`. */
function childrenRunning(pid: number, file: string): number[] {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  return children.filter((child) => {
    try {
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes(file)
    } catch {
      return false // it exited meanwhile
    }
  })
}

/** Polls until `condition` holds; fails after 60 s, a bound for a busy machine, not a timing under test. */
async function eventually(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; !(await condition());) {
    if (Date.now() > deadline) throw new Error(`after 60 s, still not so: ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** Whether a process is still running (Linux's /proc; an exited orphan may linger unreaped as a zombie, Z). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '')
const noStack = (text: string) => expect(text).not.toMatch(/^\s+at |node:internal|Error:.*\n\s+at /m)

describe('npm run step 7 without a terminal: every way of stopping ends the server and the provider', () => {
  const lab7 = findLab('7')
  const idp = lab7.companions![0]

  async function startStep7(): Promise<{ run: Run; port: number; idpPort: number }> {
    const port = await freePort()
    const idpPort = await freePort()
    const run = step(['7'], { PORT: String(port), [idp.portEnv]: String(idpPort), DATA_DIR: mkdtempSync(join(tmpdir(), 'step7-')) })
    await run.waitFor(new RegExp(`ready: http://127\\.0\\.0\\.1:${port}/mcp`))
    expect(run.output).toContain(`ready: http://127.0.0.1:${idpPort}`) // the provider listens where IDP_PORT says
    expect(await portIsFree(idpPort)).toBe(false)
    return { run, port, idpPort }
  }

  it.each([
    ['SIGTERM', 143],
    ['SIGINT', 130],
    ['SIGHUP', 129],
  ] as const)(
    '%s: both ports are free afterwards, exit %i',
    async (signal, expected) => {
      const { run, port, idpPort } = await startStep7()
      run.child.kill(signal)
      expect(await run.code(), run.output).toBe(expected)
      expect(await portIsFree(port)).toBe(true)
      expect(await portIsFree(idpPort)).toBe(true)
    },
    TIMEOUT,
  )

  it(
    'SIGKILL (nothing can catch it): the server and the provider see their runner gone and stop on their own',
    async () => {
      const { run, port, idpPort } = await startStep7()
      const children = [`labs/${lab7.dir}/server.ts`, `labs/${lab7.dir}/${idp.file}`].map((file) => childrenRunning(run.child.pid!, file))
      expect(children.flat(), 'the server and the provider are children of the runner').toHaveLength(2)
      run.child.kill('SIGKILL')
      await run.exited
      // a process that closed its port may still be finishing: both must end, and both ports come free
      await eventually(
        async () => !children.flat().some(alive) && (await portIsFree(port)) && (await portIsFree(idpPort)),
        `the server and the provider (pids ${children.flat().join(', ')}) ended, ports ${port} and ${idpPort} free`,
      )
    },
    TIMEOUT,
  )

  it(
    'the lab server crashing: the runner stops the provider too, says so, and exits 1',
    async () => {
      const { run, idpPort } = await startStep7()
      const [server] = childrenRunning(run.child.pid!, `labs/${lab7.dir}/server.ts`)
      expect(server, 'the lab server is a child of the runner').toBeDefined()
      process.kill(server, 'SIGKILL')
      expect(await run.code(), run.output).toBe(1)
      // killed once it said ready: while the runner still checks that the port is its own, or after
      expect(run.output).toMatch(/lab 7's server (stopped by itself \(SIGKILL\)|printed "ready:" but exited \(SIGKILL\))/)
      expect(await portIsFree(idpPort)).toBe(true)
    },
    TIMEOUT,
  )

  it(
    'IDP_PORT taken: says what holds it, exits 1, leaves nothing running',
    async () => {
      const { port: idpPort } = await holdPort()
      const port = await freePort()
      const run = step(['7'], { PORT: String(port), [idp.portEnv]: String(idpPort) })
      expect(await run.code(), run.output).toBe(1)
      expect(lines(run.output)).toHaveLength(1)
      expect(run.output).toMatch(new RegExp(`${idp.portEnv} ${idpPort} is in use by .*not a lab`))
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT,
  )
})

describe('npm run step 6 without a terminal, interrupted during the walk', () => {
  it(
    'stops the walk at once, exits non-zero, and nothing prints after it exited',
    async () => {
      const port = await freePort()
      const run = step(['6'], { PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), 'step6-')) })
      await run.waitFor(/^\s*1\. /m) // the walk's first leg
      run.child.kill('SIGINT')
      expect(await run.code(), run.output).toBe(130)
      await run.closed // every process that shared its output is gone
      expect(run.output).toBe(run.outputAtExit)
      expect(run.output).not.toMatch(/the walk failed/)
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT,
  )
})

describe('the server that answers is the one the runner started', () => {
  let lab5: RunningLab | undefined
  afterAll(async () => lab5?.stop())

  it(
    'a port held by another lab: npm run step 8 refuses to attack it, and npm run step 1 names it; one line, exit 1',
    async () => {
      lab5 = await startLab(findLab('5'))
      const port = String(lab5.port)
      const attack = step(['8', '--target', '1'], { PORT: port })
      expect(await attack.code(), attack.output).toBe(1)
      expect(attack.output).not.toMatch(/attacks —|Attacking/)
      expect(attack.output).toMatch(new RegExp(`PORT ${port} is in use by lab 5's server \\(pid ${lab5.child.pid}\\)`))

      const serve = step(['1'], { PORT: port })
      expect(await serve.code(), serve.output).toBe(1)
      expect(lines(serve.output)).toHaveLength(1)
      expect(serve.output).toMatch(new RegExp(`PORT ${port} is in use by lab 5's server .*: stop it, or run PORT=\\d+ npm run step 1`))

      // where neither ss nor lsof can name the process, it is asked over HTTP what it is
      const blind = step(['1'], { PORT: port, PATH: mkdtempSync(join(tmpdir(), 'no-tools-')) })
      expect(await blind.code(), blind.output).toBe(1)
      expect(blind.output).toContain(`PORT ${port} is in use by an MCP server at http://127.0.0.1:${port}/mcp (a lab started elsewhere?)`)
    },
    TIMEOUT,
  )

  it(
    'a port held by something that is not a lab: says so',
    async () => {
      const { port } = await holdPort()
      const run = step(['8', '--target', '1'], { PORT: String(port) })
      expect(await run.code(), run.output).toBe(1)
      expect(lines(run.output)).toHaveLength(1)
      expect(run.output).toMatch(new RegExp(`PORT ${port} is in use by .*not a lab`))

      const blind = step(['1'], { PORT: String(port), PATH: mkdtempSync(join(tmpdir(), 'no-tools-')) })
      expect(await blind.code(), blind.output).toBe(1)
      expect(blind.output).toContain(
        `PORT ${port} is in use by something that is not a lab (it takes connections but does not answer HTTP)`,
      )
    },
    TIMEOUT,
  )

  it(
    'a process that prints "ready:" for a port another process holds is refused',
    async () => {
      const { port } = await holdPort()
      const dir = mkdtempSync(join(tmpdir(), 'liar-'))
      const liar = join(dir, 'server.ts')
      // listens nowhere, and says it is ready on the port someone else holds
      writeFileSync(liar, 'console.log(`ready: http://127.0.0.1:${process.env.PORT}/mcp`)\nsetInterval(() => {}, 1000)\n')
      await expect(startProcess('liar', liar, port)).rejects.toThrow(new RegExp(`port ${port} is in use`))
      const started = await startProcess('liar', liar, await freePort()).catch((error: Error) => error)
      expect(started).toBeInstanceOf(Error)
      expect((started as Error).message).toMatch(/printed "ready:" but nothing it started listens on/)
      expect(readdirSync(dir)).toEqual(['server.ts'])
    },
    TIMEOUT,
  )
})

describe('bad options and ports get one clear line', () => {
  it.each([
    ['PORT=', { PORT: '' }, /PORT is empty/],
    ['PORT=abc', { PORT: 'abc' }, /PORT must be a port number \(1–65535\), got "abc"/],
    ['PORT=70000', { PORT: '70000' }, /PORT must be a port number \(1–65535\), got "70000"/],
  ])('%s: exit 2 for npm run step 1 and npm run step 8', async (_name, env, message) => {
    for (const args of [['1'], ['8', '--target', '1']]) {
      const run = step(args, env)
      expect(await run.code(), run.output).toBe(2)
      expect(lines(run.output)).toHaveLength(1)
      expect(run.output).toMatch(message)
    }
  })

  it('IDP_PORT=abc for lab 7: exit 2', async () => {
    const run = step(['7'], { PORT: String(await freePort()), IDP_PORT: 'abc' })
    expect(await run.code(), run.output).toBe(2)
    expect(lines(run.output)).toEqual(['IDP_PORT must be a port number (1–65535), got "abc"'])
  })

  it('an unknown option: one line naming it and the options, no stack, exit 2', async () => {
    const run = step(['--verbos'])
    expect(await run.code()).toBe(2)
    expect(lines(run.output)).toEqual([
      'step: unknown option --verbos (did you mean --verbose?); its options: --server, --user, --browser, --target, --verbose, ' +
        '--practice, --solution, --reset, --yes, --part, --keep-mine, --web, --no-web',
    ])
    const check = script('scripts/check.ts', ['4', '--bse', 'http://127.0.0.1:9000'])
    expect(await check.code()).toBe(2)
    expect(lines(check.output)).toEqual([
      'check: unknown option --bse (did you mean --base?); its options: --base, --curl, --part, --practice',
    ])
    noStack(run.output + check.output)
  })

  it('an option npm kept for itself (no "--"): says how to write it, and attacks nothing', async () => {
    // `npm run step 8 --target=1` sets npm_config_target=1; `npm run step 8 --target 1` sets it to true and passes 1 on
    for (const [args, kept] of [
      [['8'], '1'],
      [['8', '1'], 'true'],
    ] as const) {
      const run = step([...args], { npm_config_target: kept })
      expect(await run.code(), run.output).toBe(2)
      expect(lines(run.output)).toHaveLength(1)
      expect(run.output).toContain('write: npm run step 8 -- --target 1')
    }
    const check = script('scripts/check.ts', ['4'], { npm_config_base: 'http://127.0.0.1:9000' })
    expect(await check.code()).toBe(2)
    expect(check.output).toContain('npm run check 4 -- --base http://127.0.0.1:9000')
  })

  it('npm run check N -- --base URL with nothing listening: one line, exit 2', async () => {
    const url = `http://127.0.0.1:${await freePort()}`
    const run = script('scripts/check.ts', ['4', '--base', url])
    expect(await run.code()).toBe(2)
    expect(lines(run.output)).toHaveLength(1)
    expect(run.output).toContain(`nothing answers at ${url}`)
  })
})
