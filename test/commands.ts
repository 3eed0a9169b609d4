// Running one of the workshop's commands (scripts/*.ts) as a learner's shell does, and reading what it printed.
import { spawn } from 'node:child_process'
import { ROOT } from '@workshop/kit/paths'

export interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** `command args…` in the project's folder; `env` adds variables (undefined removes one). */
export function runCommand(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const merged: NodeJS.ProcessEnv = { ...process.env }
    for (const [name, value] of Object.entries(env)) {
      if (value === undefined) delete merged[name]
      else merged[name] = value
    }
    const child = spawn(command, args, { cwd: ROOT, env: merged, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/** One of scripts/*.ts, with the Node that runs the tests. */
export const runScript = (script: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> =>
  runCommand(process.execPath, ['--import', 'tsx', `scripts/${script}`, ...args], env)
