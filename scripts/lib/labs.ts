import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { LABS_DIR } from './paths.ts'

export interface Lab {
  n: number
  dir: string // e.g. "02-jwks"
  title: string
  /** the lab verifies tokens minted from keys/ by `npm run token` */
  devTokens: boolean
  /** a client program run against the lab's server by `npm run step` (lab 6's narrated walk) */
  client?: string
  /** only on request: [w] in the guide offers the client, `npm run step` without a terminal just serves */
  clientOnRequest?: boolean
  /** processes started before server.ts (e.g. lab 7's identity provider), each on its own free port */
  companions?: Companion[]
  /** an attack battery run against another lab's server by `npm run step N -- --target M` (lab 8); no server.ts of its own */
  attacks?: string
}

export interface Companion {
  name: string
  /** entry point, relative to the lab folder; prints `ready: http://127.0.0.1:PORT…` */
  file: string
  /** the variable that tells server.ts the companion's base URL, e.g. IDP_URL */
  urlEnv: string
}

// The map of the workshop. Each row is a folder under labs/.
export const LABS: Lab[] = [
  { n: 1, dir: '01-transport', title: 'Streamable HTTP transport, Origin check and CORS', devTokens: false },
  { n: 2, dir: '02-jwks', title: 'JWT access tokens, a JWKS and the 401 challenge', devTokens: true },
  { n: 3, dir: '03-metadata', title: 'Protected-resource metadata: discovery from a bare 401', devTokens: true },
  { n: 4, dir: '04-scopes', title: 'The scope gate: 403 insufficient_scope and step-up', devTokens: true },
  { n: 5, dir: '05-oauth', title: 'An OAuth 2.1 authorization server with PKCE, by hand', devTokens: false },
  { n: 6, dir: '06-client', title: 'A real client walks the whole flow', devTokens: false, client: 'client/walk.ts' },
  {
    n: 7,
    dir: '07-idp',
    title: 'A certified identity provider replaces the hand-built one',
    devTokens: false,
    client: '../06-client/client/walk.ts',
    clientOnRequest: true,
    companions: [{ name: 'idp', file: 'idp/server.ts', urlEnv: 'IDP_URL' }],
  },
  { n: 8, dir: '08-attacks', title: 'Attack every lab: which defence stops what', devTokens: false, attacks: 'battery.ts' },
]

/** The lab an attacks lab targets unless told otherwise (`npm run step 8 -- --target N`). */
export const DEFAULT_TARGET = 5

export class UnknownLabError extends Error {
  constructor(arg: string | undefined) {
    const list = LABS.map((lab) => `  ${lab.n}  ${lab.dir.padEnd(14)} ${lab.title}`).join('\n')
    super(`${arg === undefined ? 'Which lab?' : `There is no lab "${arg}".`} The labs are:\n${list}`)
    this.name = 'UnknownLabError'
  }
}

/** Accepts "3", "03" or "03-metadata". */
export function findLab(arg: string | undefined): Lab {
  const lab = LABS.find((l) => arg !== undefined && (String(l.n) === arg.replace(/^0+/, '') || l.dir === arg))
  if (!lab) throw new UnknownLabError(arg)
  return lab
}

export function labPath(lab: Lab, file = ''): string {
  return join(LABS_DIR, lab.dir, file)
}

export function previousLab(lab: Lab): Lab | undefined {
  return LABS.find((l) => l.n === lab.n - 1)
}

export function labExists(lab: Lab): boolean {
  return existsSync(labPath(lab, lab.attacks ?? 'server.ts'))
}
