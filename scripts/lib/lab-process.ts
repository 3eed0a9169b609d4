// Starting a lab's server as a child process and waiting until it is ready.
import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { type Lab, labPath } from './labs.ts'
import { ROOT } from './paths.ts'

export interface RunningLab {
  lab: Lab
  port: number
  base: string // http://127.0.0.1:PORT
  mcpUrl: string
  child: ChildProcess
  /** everything the server printed so far */
  output(): string
  stop(): Promise<void>
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
}

/** Starts lab N's server.ts with tsx and resolves once it prints its ready line. */
export async function startLab(lab: Lab, options: StartOptions = {}): Promise<RunningLab> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort())
    try {
      return await startOnce(lab, port, options)
    } catch (error) {
      // another process may take a free port between our probe and the lab's listen
      const raced = options.port === undefined && /EADDRINUSE|in use/.test(String(error))
      if (!raced || attempt === 3) throw error
    }
  }
}

function startOnce(lab: Lab, port: number, options: StartOptions): Promise<RunningLab> {
  const child = spawn(process.execPath, ['--import', 'tsx', labPath(lab, 'server.ts')], {
    cwd: ROOT,
    env: { ...process.env, ...options.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const base = `http://127.0.0.1:${port}`
  const running: RunningLab = {
    lab,
    port,
    base,
    mcpUrl: `${base}/mcp`,
    child,
    output: () => output,
    stop: () => stopChild(child),
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child)
      reject(new Error(`lab ${lab.n} did not print "ready:" within ${(options.timeoutMs ?? 30_000) / 1000} s:\n${output}`))
    }, options.timeoutMs ?? 30_000)
    const onData = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString()
      if (options.echo) stream.write(chunk)
      if (output.includes(`ready: ${base}/mcp`)) {
        clearTimeout(timer)
        resolve(running)
      }
    }
    child.stdout!.on('data', onData(process.stdout))
    child.stderr!.on('data', onData(process.stderr))
    child.once('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`lab ${lab.n} exited (${signal ?? code}) before it was ready:\n${output}`))
    })
  })
}

function stopChild(child: ChildProcess): Promise<void> {
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
