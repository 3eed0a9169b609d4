// Running a lab's client program (lab 6's narrated walk, as the registry names it) as a learner does,
// and reading what it printed.
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Lab, LABS, clientPath } from './labs.ts'
import { ROOT } from './paths.ts'

export interface Walk {
  code: number
  output: string
  /** the titles of the numbered legs, in order */
  legs: string[]
}

/** The workshop's client: the first lab in the registry that has one, unless a lab is named. */
export function walkFile(lab: Lab = LABS.find((l) => l.client !== undefined)!): string {
  const file = clientPath(lab)
  if (file === undefined) throw new Error(`lab ${lab.n} has no client`)
  return file
}

/** A fresh folder for the client's stored credentials (its DATA_DIR). */
export function freshClientData(): string {
  return mkdtempSync(join(tmpdir(), 'walk-'))
}

/** Walks against `serverUrl`; `dataDir` keeps the client's registration and tokens between walks. */
export function walk(serverUrl: string, dataDir: string, args: string[] = []): Promise<Walk> {
  const child = spawn(process.execPath, ['--import', 'tsx', walkFile(), ...args, serverUrl], {
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
