// Running lab 6's narrated client (labs/06-client/client/walk.ts) as a learner does, and reading what it printed.
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LABS_DIR, ROOT } from './paths.ts'

export interface Walk {
  code: number
  output: string
  /** the titles of the numbered legs, in order */
  legs: string[]
}

export const WALK_FILE = join(LABS_DIR, '06-client', 'client', 'walk.ts')

/** A fresh folder for the client's stored credentials (its DATA_DIR). */
export function freshClientData(): string {
  return mkdtempSync(join(tmpdir(), 'walk-'))
}

/** Walks against `serverUrl`; `dataDir` keeps the client's registration and tokens between walks. */
export function walk(serverUrl: string, dataDir: string, args: string[] = []): Promise<Walk> {
  const child = spawn(process.execPath, ['--import', 'tsx', WALK_FILE, ...args, serverUrl], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  return new Promise((resolve) =>
    child.once('exit', (code) => resolve({ code: code ?? 1, output, legs: [...output.matchAll(/^\s*\d+\. (.+?)  /gm)].map((m) => m[1]) })),
  )
}
