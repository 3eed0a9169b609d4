// Starting a lab's server (and any companion process it needs) and waiting until it is ready.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { type Lab, labPath, serverLab } from './labs.ts'
import { ROOT } from './paths.ts'

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

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', () => resolve(false))
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)))
  })
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
}

/** Starts lab N's companions, then its server.ts with tsx; resolves once each printed its ready line. */
export async function startLab(lab: Lab, options: StartOptions = {}): Promise<RunningLab> {
  const serving = serverLab(lab)
  // A practice copy holds what the learner writes: the server of a lab that has its own (lab 6 runs lab 5's).
  const folder = serving === lab && options.dir !== undefined ? options.dir : labPath(serving)
  const companions: Record<string, RunningProcess> = {}
  const env: Record<string, string> = { ...options.env }
  try {
    for (const companion of serving.companions ?? []) {
      const started = await startWithRetry(companion.name, join(folder, companion.file), options.companionPorts?.[companion.name], {
        ...options,
        env,
      })
      companions[companion.name] = started
      env[companion.urlEnv] = started.base
    }
    const server = await startWithRetry(`lab ${serving.n}`, join(folder, 'server.ts'), options.port, { ...options, env })
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

/** Runs `file` with tsx and PORT=port; resolves when it prints `ready: http://127.0.0.1:PORT`. */
export function startProcess(name: string, file: string, port: number, options: StartOptions = {}): Promise<RunningProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const base = `http://127.0.0.1:${port}`
  const running: RunningProcess = { name, port, base, child, output: () => output, stop: () => stopChild(child) }
  const timeoutMs = options.timeoutMs ?? 90_000 // a busy laptop can take this long; a crash is seen at once
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child)
      reject(new Error(`${name} did not print "ready:" within ${timeoutMs / 1000} s:\n${output}`))
    }, timeoutMs)
    const onData = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString()
      if (options.echo) stream.write(chunk)
      if (new RegExp(`ready: ${base}(/|\\s|$)`).test(output)) {
        clearTimeout(timer)
        resolve(running)
      }
    }
    child.stdout!.on('data', onData(process.stdout))
    child.stderr!.on('data', onData(process.stderr))
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`${name} exited (${signal ?? code}) before it was ready:\n${output}`))
    })
  })
}

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
