// The labs test/global-setup.ts started once for the whole suite, and a way to get one: shared when it
// exists, else started for this file (and stopped when it ends).
import { readFileSync } from 'node:fs'
import { afterAll, inject } from 'vitest'
import { type Lab, serverLab } from '@workshop/kit/labs'
import { startLab } from '@workshop/kit/lab-process'

export interface LabServer {
  base: string
  mcpUrl: string
  /** lab 7's identity provider */
  idp?: string
  /** everything the server (and its companions) printed so far */
  output(): string
}

const started: { stop(): Promise<void> }[] = []
afterAll(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()))
})

/** The shared server of `lab` (lab 6: lab 5's), or undefined when the suite has none. */
export function sharedLab(lab: Lab): LabServer | undefined {
  const shared = inject('sharedLabs')?.[serverLab(lab).n]
  if (shared === undefined) return undefined
  return { base: shared.base, mcpUrl: `${shared.base}/mcp`, idp: shared.idp, output: () => readFileSync(shared.log, 'utf8') }
}

/** The shared server of `lab`, or one started for this test file. */
export async function sharedOrStarted(lab: Lab): Promise<LabServer> {
  return sharedLab(lab) ?? ownLab(lab)
}

/**
 * A server of this test file's own, stopped when the file ends: for tests that fill a server's connections
 * (a flood, the connection cap), which would make every other test using the shared one fail meanwhile.
 */
export async function ownLab(lab: Lab): Promise<LabServer> {
  const server = await startLab(lab)
  started.push(server)
  return {
    base: server.base,
    mcpUrl: server.mcpUrl,
    idp: server.companions.idp?.base,
    output: () => [server.output(), ...Object.values(server.companions).map((c) => c.output())].join('\n'),
  }
}
