// Starting a lab's server (and any companion process it needs) and waiting until it is ready; and
// making sure the server that answers on its port is the process we started, not one left running.
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { connect, createServer } from 'node:net'
import { join, relative } from 'node:path'
import { type Lab, LABS, labPath, serverLab } from './labs.ts'
import { ROOT } from './paths.ts'

/** Preloaded into every process started here: it stops when its parent is gone (parent-watch.ts). */
export const PARENT_WATCH = new URL('./parent-watch.ts', import.meta.url).href
/** Preloaded too: records each HTTP exchange for the flow page once FLOW_INGEST turns it on (flow-recorder.ts). */
export const FLOW_RECORDER = new URL('./flow-recorder.ts', import.meta.url).href

export interface RunningProcess {
  name: string
  port: number
  base: string // http://127.0.0.1:PORT
  child: ChildProcess
  /** everything the process printed so far */
  output(): string
  stop(): Promise<void>
}

export interface RunningLab extends RunningProcess {
  /** the lab asked for */
  lab: Lab
  /** the lab whose server.ts runs: the same, or the one it names (lab 6 runs lab 5's) */
  server: Lab
  mcpUrl: string
  /** companions by name, e.g. companions.idp for lab 7 */
  companions: Record<string, RunningProcess>
}

/** A port that was free a moment ago (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.unref()
    probe.on('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      const port = typeof address === 'object' && address ? address.port : 0
      probe.close(() => resolve(port))
    })
  })
}

/** A port given in an environment variable (PORT, IDP_PORT) is not a port number. */
export class BadPortError extends Error {
  name = 'BadPortError'
}

/** The port in `env[name]`, `fallback` when it is unset; a BadPortError (one line for the learner) otherwise. */
export function portFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = env[name]
  if (text === undefined) return fallback
  if (text.trim() === '')
    throw new BadPortError(`${name} is empty: unset it (unset ${name}) or give a port number, e.g. ${name}=${fallback}`)
  const port = Number(text)
  if (!/^\d+$/.test(text.trim()) || port < 1 || port > 65535)
    throw new BadPortError(`${name} must be a port number (1–65535), got "${text}"`)
  return port
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
}

/** A fixed port someone else holds; `holder` says who, as well as we can tell. */
export class PortInUseError extends Error {
  name = 'PortInUseError'
  constructor(
    readonly port: number,
    readonly holder: string,
    /** how the learner chose the port, e.g. "PORT" or "IDP_PORT" */
    readonly variable = 'port',
  ) {
    super(`${variable} ${port} is in use by ${holder}`)
  }
}

/** Runs a command and resolves with its output, or undefined when it cannot run (not installed, failed). */
function output(command: string, args: string[]): Promise<{ code: number; stdout: string } | undefined> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 5_000 }, (error, stdout) => {
      if (error && typeof error.code !== 'number') return resolve(undefined) // ENOENT, a timeout, a signal
      resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout })
    })
  })
}

/**
 * The process ids listening on 127.0.0.1:`port`, from `ss` (Linux) or `lsof` (macOS); an empty list when
 * nothing listens; undefined when we cannot tell (neither tool, or a listener whose owner we may not see).
 */
export async function listenerPids(port: number): Promise<number[] | undefined> {
  const ss = await output('ss', ['-Hltnp', `sport = :${port}`])
  if (ss && ss.code === 0) {
    if (ss.stdout.trim() === '') return []
    const pids = [...ss.stdout.matchAll(/pid=(\d+)/g)].map((m) => Number(m[1]))
    return pids.length > 0 ? [...new Set(pids)] : undefined
  }
  const lsof = await output('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-t'])
  if (lsof === undefined || lsof.code > 1) return undefined
  return [...new Set(lsof.stdout.split(/\s+/).filter(Boolean).map(Number))] // lsof exits 1 when nothing matches
}

/** A process's command line (Linux's /proc, or ps elsewhere). */
async function commandLine(pid: number): Promise<string | undefined> {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .replace(/[\0\s]+/g, ' ')
      .trim()
  } catch {
    const ps = await output('ps', ['-o', 'args=', '-p', String(pid)])
    return ps?.code === 0 ? ps.stdout.replace(/\s+/g, ' ').trim() : undefined
  }
}

/** Which of the registry's programs a command line runs: "lab 5's server", "lab 7's idp". */
function labProgram(command: string): string | undefined {
  for (const lab of LABS) {
    const programs: [string, string][] = [
      [labPath(lab, 'server.ts'), 'server'],
      ...(lab.companions ?? []).map((c) => [labPath(lab, c.file), c.name] as [string, string]),
    ]
    for (const [file, what] of programs) {
      if (command.includes(file) || command.includes(relative(ROOT, file))) return `lab ${lab.n}'s ${what}`
    }
  }
  return undefined
}

/** What answers on the port: an MCP endpoint at /mcp (a JSON-RPC error to a GET), another HTTP server, or not HTTP. */
async function answers(port: number): Promise<'mcp' | 'http' | 'not http' | undefined> {
  try {
    const reply = await fetch(`http://127.0.0.1:${port}/mcp`, { signal: AbortSignal.timeout(3_000) })
    const body = await reply.text()
    return /"jsonrpc"\s*:\s*"2\.0"/.test(body) ? 'mcp' : 'http'
  } catch {
    return new Promise((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy()
        resolve('not http')
      })
      socket.once('error', () => resolve(undefined))
    })
  }
}

/**
 * What holds a port, as well as we can tell: "lab 5's server (pid 1234)", a command line and "not a lab",
 * or, when ss/lsof cannot name the process, what it answers over HTTP.
 */
export async function describePortHolder(port: number): Promise<string> {
  const pids = await listenerPids(port)
  for (const pid of pids ?? []) {
    const command = await commandLine(pid)
    const program = command && labProgram(command)
    if (program) return `${program} (pid ${pid})`
    if (command) return `"${command.length > 60 ? `${command.slice(0, 59)}…` : command}" (pid ${pid}), not a lab`
  }
  const what = await answers(port)
  if (what === 'mcp') return `an MCP server at http://127.0.0.1:${port}/mcp (a lab started elsewhere?)`
  if (what === 'http') return `an HTTP server at http://127.0.0.1:${port} that is not a lab`
  if (what === 'not http') return 'something that is not a lab (it takes connections but does not answer HTTP)'
  return 'something that is not a lab'
}

/** Throws a PortInUseError naming the holder unless `port` is free. */
export async function ensurePortFree(port: number, variable = 'port'): Promise<void> {
  if (!(await portIsFree(port))) throw new PortInUseError(port, await describePortHolder(port), variable)
}

export interface StartOptions {
  port?: number
  env?: Record<string, string>
  /** also copy the server's output to this process's stdout/stderr */
  echo?: boolean
  timeoutMs?: number
  /** fixed ports for companions, by name (default: free ports) */
  companionPorts?: Record<string, number>
  /** run the lab's server and companions from this folder instead of labs/NN-name: a practice copy */
  dir?: string
  /** how the learner chose each fixed port, for messages ("PORT", "IDP_PORT"), by the process's name or "server" */
  portNames?: Record<string, string>
  /** stops whatever has started so far and rejects (the runner was told to stop while a lab was starting) */
  signal?: AbortSignal
  /** each process as soon as it is spawned, before it is ready: so that a runner can stop it whatever happens */
  onSpawn?: (child: ChildProcess) => void
  /** run the processes in a process group of their own: a terminal's Ctrl-C (e.g. in a pager) does not reach them */
  ownProcessGroup?: boolean
}

/** Starts lab N's companions, then its server.ts with tsx; resolves once each printed its ready line. */
export async function startLab(lab: Lab, options: StartOptions = {}): Promise<RunningLab> {
  const serving = serverLab(lab)
  // A practice copy holds what the learner writes: the server of a lab that has its own (lab 6 runs lab 5's).
  const folder = serving === lab && options.dir !== undefined ? options.dir : labPath(serving)
  const companions: Record<string, RunningProcess> = {}
  const env: Record<string, string> = { ...options.env }
  // Every fixed port is checked before anything starts: a lab that cannot listen should start nothing.
  const fixed: [number | undefined, string][] = [
    [options.port, options.portNames?.server ?? 'port'],
    ...(serving.companions ?? []).map((c): [number | undefined, string] => [
      options.companionPorts?.[c.name],
      options.portNames?.[c.name] ?? 'port',
    ]),
  ]
  for (const [port, variable] of fixed) if (port !== undefined) await ensurePortFree(port, variable)
  try {
    for (const companion of serving.companions ?? []) {
      const started = await startWithRetry(companion.name, join(folder, companion.file), options.companionPorts?.[companion.name], {
        ...options,
        env: { ...env, FLOW_ROLE: companion.name },
      })
      companions[companion.name] = started
      env[companion.urlEnv] = started.base
    }
    const server = await startWithRetry(`lab ${serving.n}'s server`, join(folder, 'server.ts'), options.port, {
      ...options,
      env: { ...env, FLOW_ROLE: 'server' },
    })
    return {
      ...server,
      lab,
      server: serving,
      mcpUrl: `${server.base}/mcp`,
      companions,
      stop: async () => {
        await server.stop()
        await Promise.all(Object.values(companions).map((c) => c.stop()))
      },
    }
  } catch (error) {
    await Promise.all(Object.values(companions).map((c) => c.stop()))
    throw error
  }
}

async function startWithRetry(name: string, file: string, fixedPort: number | undefined, options: StartOptions): Promise<RunningProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = fixedPort ?? (await freePort())
    try {
      return await startProcess(name, file, port, options)
    } catch (error) {
      // another process may take a free port between our probe and the lab's listen
      const raced = fixedPort === undefined && /EADDRINUSE|in use/.test(String(error))
      if (!raced || attempt === 3) throw error
    }
  }
}

/**
 * Runs `file` with tsx and PORT=port; resolves when it prints `ready: http://127.0.0.1:PORT` and the port is
 * really its own: free before it started, the process still alive after saying so, and (where ss or lsof can
 * tell) the listener's process id its own. A lab that could not listen exits 1 and never says ready.
 */
export async function startProcess(name: string, file: string, port: number, options: StartOptions = {}): Promise<RunningProcess> {
  await ensurePortFree(port, options.portNames?.[name] ?? 'port')
  if (options.signal?.aborted) throw new Error(`${name} was not started: stopping`)
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', PARENT_WATCH, '--import', FLOW_RECORDER, file], {
    cwd: ROOT,
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.ownProcessGroup === true,
  })
  options.onSpawn?.(child)
  let output = ''
  const base = `http://127.0.0.1:${port}`
  const running: RunningProcess = { name, port, base, child, output: () => output, stop: () => stopChild(child) }
  const timeoutMs = options.timeoutMs ?? 90_000 // a busy laptop can take this long; a crash is seen at once
  const ready = new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', abort)
      void stopChild(child).then(() => reject(error))
    }
    const timer = setTimeout(() => fail(new Error(`${name} did not print "ready:" within ${timeoutMs / 1000} s:\n${output}`)), timeoutMs)
    const abort = () => fail(new Error(`${name} was stopped before it was ready`))
    options.signal?.addEventListener('abort', abort, { once: true })
    const onData = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString()
      if (options.echo) stream.write(chunk)
      if (new RegExp(`ready: ${base}(/|\\s|$)`).test(output)) {
        clearTimeout(timer)
        options.signal?.removeEventListener('abort', abort)
        resolve()
      }
    }
    child.stdout!.on('data', onData(process.stdout))
    child.stderr!.on('data', onData(process.stderr))
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', abort)
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${output}`))
    })
  })
  await ready
  const problem = await notOurs(child, port)
  if (problem) {
    await stopChild(child)
    throw new Error(`${name} printed "ready:" but ${problem}`)
  }
  return running
}

/** Why the server on `port` is not `child`, or undefined when it is (as far as we can tell). */
async function notOurs(child: ChildProcess, port: number): Promise<string | undefined> {
  if (child.exitCode !== null || child.signalCode !== null) return `exited (${child.signalCode ?? child.exitCode}) at once`
  const pids = await listenerPids(port)
  if (child.exitCode !== null || child.signalCode !== null) return `exited (${child.signalCode ?? child.exitCode}) right after`
  if (pids === undefined) return undefined // no ss or lsof here: the free port and the live process are the evidence
  if (pids.length === 0) return `nothing it started listens on port ${port}`
  if (!pids.includes(child.pid!)) return `port ${port} is held by ${await describePortHolder(port)}`
  return undefined
}

/** Stops a process (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000)
    child.once('exit', () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill('SIGTERM')
  })
}
