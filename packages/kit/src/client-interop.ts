// A walk of an MCP client nobody in this workshop wrote (npm run interop) or the SDK 1.x client (its
// test) through a lab: what it is measured on, the scripted person who signs in when a client shows an
// authorization URL, and how the harness makes an access token unusable so that a client has to refresh.
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeJwt } from 'jose'
import { signInAndApprove } from './user-agent.ts'
import { MCP_ACCEPT, send } from './http.ts'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunningLab } from './lab-process.ts'
import { ROOT } from './paths.ts'

export const CAPABILITIES = ['sign-in', 'tools/list', 'read_notes', 'step-up', 'refresh'] as const
export type Capability = (typeof CAPABILITIES)[number]
export type Result = 'pass' | 'fail' | 'n/a'
export interface Cell {
  result: Result
  note?: string
}
export type Row = Partial<Record<Capability, Cell>> & {
  /** the protocol revision the client and the server settled on, e.g. 2025-11-25 or 2026-07-28 */
  protocol?: string
}

export interface Target {
  n: number
  lab: RunningLab
  /** the demo user who signs in: one who may grant notes:admin, so that step-up can succeed */
  user: { username: string; password: string }
}

// Lab 7's provider issues access tokens this short-lived (seconds), so that refresh can be seen within a run.
export const LAB7_ACCESS_TOKEN_TTL = '45'

/** interop/expected.json: what each client is known to do, and why not where it cannot (its upstream issue). */
export interface Expected {
  /** client → lab → capability → what it is known to do */
  clients: Record<string, Record<string, Record<string, Result>>>
  /** client → capability → why it cannot, with the upstream issue (lines of one text) */
  limits: Record<string, Record<string, string[]>>
}

export const readExpected = (): Expected => JSON.parse(readFileSync(join(ROOT, 'interop/expected.json'), 'utf8')) as Expected

export const pass = (note?: string): Cell => ({ result: 'pass', note })
export const fail = (note: string): Cell => ({ result: 'fail', note })

/** One sign-in: what the client asked for, as its authorization request said. */
export interface SignIn {
  scope: string
  pkce: string | null
  resource: string | null
}

/** The first capability the row has no cell for: where a walk that threw stopped. */
export const nextCapability = (row: Row): Capability | undefined => CAPABILITIES.find((c) => !(c in row))

/** Summarises what a failure said, on one line. */
export const oneLine = (error: unknown, length = 160) =>
  String((error as Error)?.message ?? error)
    .replace(/\s+/g, ' ')
    .slice(0, length)

/**
 * A person at a browser, for clients that print an authorization URL (mcp-remote, the SDK 2.x driver):
 * opens it, signs in, approves, and follows the redirect back to the client's loopback listener.
 */
export class ScriptedUser {
  readonly signIns: SignIn[] = []
  readonly problems: string[] = []

  constructor(private readonly user: Target['user']) {}

  async authorize(authorizationUrl: string): Promise<void> {
    const url = new URL(authorizationUrl)
    const redirectUri = url.searchParams.get('redirect_uri') ?? ''
    this.signIns.push({
      scope: url.searchParams.get('scope') ?? '',
      pkce: url.searchParams.get('code_challenge_method'),
      resource: url.searchParams.get('resource'),
    })
    try {
      const { callback } = await signInAndApprove(url.href, this.user, redirectUri)
      await arrive(callback.href)
    } catch (error) {
      this.problems.push(`sign-in: ${oneLine(error)}`)
    }
  }
}

/** The browser lands on the client's redirect URI; a client may open its listener a moment after printing the URL. */
async function arrive(url: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await (await fetch(url)).text()
      return
    } catch (error) {
      if (attempt === 100) throw new Error(`the client's redirect URI never answered: ${oneLine(error)}`)
      await sleep(300)
    }
  }
}

/**
 * Makes the client's access token one the MCP server refuses, as time does, while its refresh token
 * stays good. Lab 5 records revocations (RFC 7009), so the client's own token is revoked there; lab 7
 * verifies JWTs offline, so the harness waits until the token has expired (the provider runs with a
 * short ACCESS_TOKEN_TTL). Either way the server is asked first: it must now answer 401.
 */
export async function makeUnusable(target: Target, accessToken: string, clientId: string): Promise<void> {
  if (target.n === 5) {
    const metadata = (await send({ url: `${target.lab.base}/.well-known/oauth-authorization-server` })).json
    const reply = await send({
      url: metadata.revocation_endpoint,
      form: { token: accessToken, token_type_hint: 'access_token', client_id: clientId },
    })
    if (reply.status !== 200) throw new Error(`revocation answered HTTP ${reply.status}`)
  } else {
    const { exp } = decodeJwt(accessToken)
    if (typeof exp !== 'number') throw new Error('the access token has no exp')
    await sleep(Math.max(0, exp * 1000 - Date.now()) + 1500)
  }
  const probe = await send({
    url: target.lab.mcpUrl,
    headers: { Authorization: `Bearer ${accessToken}`, Accept: MCP_ACCEPT },
    body: { jsonrpc: '2.0', id: 1, method: 'ping' },
  })
  if (probe.status !== 401) throw new Error(`the server still accepts the old access token (HTTP ${probe.status})`)
}
