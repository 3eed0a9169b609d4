// Running a lab's client program (lab 6's narrated walk, as the registry names it) as a learner does,
// and reading what it printed: its exit code and its numbered legs.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $, type ProcessOutput } from 'zx'
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

/** What a walk printed, read: its legs are the lines "  N. Title  …". */
export function walked(run: ProcessOutput): Walk {
  const output = run.stdall
  return { code: run.exitCode ?? 1, output, legs: [...output.matchAll(/^\s*\d+\. (.+?) {2}/gm)].map((m) => m[1]) }
}

/** The environment of one walk: its own data folder, no colours (the output is read). */
export const walkEnv = (dataDir: string): NodeJS.ProcessEnv => ({ ...process.env, DATA_DIR: dataDir, FORCE_COLOR: '0' })

/** Walks against `serverUrl`; `dataDir` keeps the client's registration and tokens between walks. */
export async function walk(serverUrl: string, dataDir: string, args: string[] = []): Promise<Walk> {
  const run = $({ cwd: ROOT, env: walkEnv(dataDir), nothrow: true, quiet: true })
  return walked(await run`${process.execPath} --import tsx ${walkFile()} ${args} ${serverUrl}`)
}
