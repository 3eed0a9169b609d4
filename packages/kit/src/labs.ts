// The lab registry: the one map of the workshop. Every tool and test asks it which lab a lab is based
// on, whose server it runs, what it starts beside that server and which client it walks; nothing else
// assumes that "the previous lab is N−1" or names a lab by number.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { LABS_DIR } from './paths.ts'

export interface Lab {
  n: number
  dir: string // e.g. "02-jwks"
  title: string
  /**
   * The lab this one builds on: `npm run diff <base> <n>` shows its lesson, the guide's [d] diffs against it,
   * its checks must fail on the base's server, and every file its README does not list as changed is a
   * byte-identical copy of the base's. None for lab 1 and for lab 8 (which attacks the others).
   */
  base?: number
  /** The lab whose server.ts this lab runs, when it has none of its own (lab 6 holds only a client). */
  server?: number
  /** the lab verifies tokens minted from keys/ by `npm run token` */
  devTokens: boolean
  /** its authorization server has a sign-in page for the demo users (@workshop/kit/demo-users) */
  signIn?: boolean
  /** a client program `npm run step` walks against the server (lab 6's narrated client) */
  client?: Client
  /** processes started before server.ts (e.g. lab 7's identity provider), each on its own port */
  companions?: Companion[]
  /** an attack battery run against another lab's server by `npm run step N -- --target M` (lab 8); no server of its own */
  attacks?: string
}

export interface Client {
  /** the lab whose folder holds it */
  lab: number
  /** its entry point, relative to that lab's folder */
  file: string
  /** only on request: [w] in the guide offers it, and `npm run step` without a terminal just serves */
  onRequest?: boolean
}

export interface Companion {
  name: string
  /** entry point, relative to the lab folder; prints `ready: http://127.0.0.1:PORT…` */
  file: string
  /** the variable that tells server.ts the companion's base URL, e.g. IDP_URL */
  urlEnv: string
  /** the variable a learner sets to choose its port, e.g. IDP_PORT (default: a free port) */
  portEnv: string
}

const lab6Client: Client = { lab: 6, file: 'client/walk.ts' }

// Each row is a folder under labs/.
export const LABS: readonly Lab[] = [
  { n: 1, dir: '01-transport', title: 'Streamable HTTP transport, Origin check and CORS', devTokens: false },
  { n: 2, dir: '02-jwks', title: 'JWT access tokens, a JWKS and the 401 challenge', base: 1, devTokens: true },
  { n: 3, dir: '03-metadata', title: 'Protected-resource metadata: discovery from a bare 401', base: 2, devTokens: true },
  { n: 4, dir: '04-scopes', title: 'The scope gate: 403 insufficient_scope and step-up', base: 3, devTokens: true },
  { n: 5, dir: '05-oauth', title: 'An OAuth 2.1 authorization server with PKCE, by hand', base: 4, devTokens: false, signIn: true },
  { n: 6, dir: '06-client', title: 'A real client walks the whole flow', base: 5, server: 5, devTokens: false, client: lab6Client },
  {
    n: 7,
    dir: '07-idp',
    title: 'A certified identity provider replaces the hand-built one',
    base: 4, // the resource server of lab 4, pointed at a provider: lab 5's hand-built server is what it replaces
    devTokens: false,
    signIn: true,
    client: { ...lab6Client, onRequest: true },
    companions: [{ name: 'idp', file: 'idp/server.ts', urlEnv: 'IDP_URL', portEnv: 'IDP_PORT' }],
  },
  { n: 8, dir: '08-attacks', title: 'Attack every lab: which defence stops what', devTokens: false, attacks: 'battery.ts' },
]

/** The lab an attacks lab targets unless told otherwise (`npm run step 8 -- --target N`). */
export const DEFAULT_TARGET = 5

export class UnknownLabError extends Error {
  name = 'UnknownLabError'
  constructor(arg: string | undefined) {
    const list = LABS.map((lab) => `  ${lab.n}  ${lab.dir.padEnd(14)} ${lab.title}`).join('\n')
    super(`${arg === undefined ? 'Which lab?' : `There is no lab "${arg}".`} The labs are:\n${list}`)
  }
}

/** Accepts "3", "03" or "03-metadata". */
export function findLab(arg: string | number | undefined): Lab {
  const text = arg === undefined ? undefined : String(arg)
  const lab = LABS.find((l) => text !== undefined && (String(l.n) === text.replace(/^0+(?=\d)/, '') || l.dir === text))
  if (!lab) throw new UnknownLabError(text)
  return lab
}

export function labPath(lab: Lab, file = ''): string {
  return join(LABS_DIR, lab.dir, file)
}

/** The lab this one builds on (see Lab.base). */
export function baseLab(lab: Lab): Lab | undefined {
  return lab.base === undefined ? undefined : findLab(lab.base)
}

/** The lab whose server.ts and companions run for this lab: its own, or the one it names (lab 6 → lab 5). */
export function serverLab(lab: Lab): Lab {
  return lab.server === undefined ? lab : findLab(lab.server)
}

/** The path of the lab's client program, if it has one. */
export function clientPath(lab: Lab): string | undefined {
  return lab.client && labPath(findLab(lab.client.lab), lab.client.file)
}

/** Written yet: its server (or the server it runs), or its battery. */
export function labExists(lab: Lab): boolean {
  return existsSync(lab.attacks ? labPath(lab, lab.attacks) : labPath(serverLab(lab), 'server.ts'))
}
