// Dev access tokens for labs 2–4: RFC 9068 JWTs signed with the key in keys/.
import { randomUUID } from 'node:crypto'
import { SignJWT, type JWTHeaderParameters, type JWTPayload } from 'jose'
import { readDevKey } from './keys.ts'

export interface MintOptions {
  /** the lab's port: issuer http://127.0.0.1:PORT, audience http://127.0.0.1:PORT/mcp */
  port: number
  scope?: string
  sub?: string
  /** lifetime in seconds, or "90s", "5m", "1h", "2d"; negative mints an expired token */
  ttl?: number | string
  aud?: string | string[]
  clientId?: string
  /** claims to add or replace (undefined removes one) */
  claims?: Record<string, unknown>
  /** header parameters to add or replace (undefined removes one) */
  header?: Record<string, unknown>
}

export function parseTtl(ttl: number | string): number {
  if (typeof ttl === 'number') return ttl
  const match = /^(-?\d+)([smhd]?)$/.exec(ttl.trim())
  if (!match) throw new Error(`bad --ttl "${ttl}": use seconds or a number with s, m, h or d (e.g. 5m)`)
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] as '' | 's' | 'm' | 'h' | 'd']
  return Number(match[1]) * unit
}

export function issuerFor(port: number): string {
  return `http://127.0.0.1:${port}`
}

export function resourceFor(port: number): string {
  return `${issuerFor(port)}/mcp`
}

export async function mintAccessToken(options: MintOptions): Promise<string> {
  const { privateKey, kid } = await readDevKey()
  const now = Math.floor(Date.now() / 1000)
  const payload: JWTPayload = {
    iss: issuerFor(options.port),
    sub: options.sub ?? 'alice',
    aud: options.aud ?? resourceFor(options.port),
    exp: now + parseTtl(options.ttl ?? '15m'),
    iat: now,
    jti: randomUUID(),
    client_id: options.clientId ?? 'workshop-dev-token',
    scope: options.scope ?? 'notes:read',
    ...options.claims,
  }
  const header = { alg: 'RS256', typ: 'at+jwt', kid, ...options.header } as JWTHeaderParameters
  return new SignJWT(dropUndefined(payload)).setProtectedHeader(dropUndefined(header)).sign(privateKey)
}

function dropUndefined<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as T
}
