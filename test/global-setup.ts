// Before any test: the dev key pair (as `npm run step` makes it on a fresh clone), and one server of each
// lab that has one, shared by the test files that only send it requests (each lab's checks, the proofs that
// checks can fail, the attack battery, the browser origins). Starting a lab costs a second or two of CPU;
// starting each once keeps the suite quick on a busy two-core laptop. Tests that stop, restart or
// reconfigure a lab start their own. Each server's output goes to a file, so a test can scan it for tokens.
import { createWriteStream, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { TestProject } from 'vitest/node'
import { ensureDevKey } from '@workshop/kit/keys'
import { type RunningLab, startLab } from '@workshop/kit/lab-process'
import { LABS, labExists } from '@workshop/kit/labs'

export interface SharedLab {
  base: string
  /** lab 7's identity provider */
  idp?: string
  /** where everything the server (and its companions) printed goes */
  log: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    sharedLabs: Record<number, SharedLab>
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  ensureDevKey()
  const dataDir = process.env.DATA_DIR!
  const logs = join(dataDir, 'logs')
  mkdirSync(logs, { recursive: true })
  const labs = LABS.filter((lab) => !lab.attacks && lab.server === undefined && labExists(lab))
  const running: RunningLab[] = []
  const shared: Record<number, SharedLab> = {}
  try {
    await Promise.all(
      labs.map(async (lab) => {
        // no rate limits: several test files send this one server their requests at once
        const server = await startLab(lab, { env: { DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: '1000000' } })
        running.push(server)
        const log = join(logs, `${lab.dir}.log`)
        const file = createWriteStream(log)
        for (const process of [server, ...Object.values(server.companions)]) {
          file.write(process.output())
          process.child.stdout?.on('data', (chunk: Buffer) => file.write(chunk))
          process.child.stderr?.on('data', (chunk: Buffer) => file.write(chunk))
        }
        shared[lab.n] = { base: server.base, idp: server.companions.idp?.base, log }
      }),
    )
  } catch (error) {
    await Promise.all(running.map((server) => server.stop()))
    throw error
  }
  project.provide('sharedLabs', shared)
  return async () => {
    await Promise.all(running.map((server) => server.stop()))
  }
}
