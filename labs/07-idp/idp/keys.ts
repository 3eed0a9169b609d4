// The provider's secrets: its signing keys (and their rotation), the keys that sign its cookies,
// and the resource server's client secret. Generated on first start into the data folder, never
// committed; in production they would live in a KMS or HSM and never touch a disk in the clear.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { calculateJwkThumbprint, type JWK } from 'jose'

export interface SigningKey {
  jwk: JWK // the private key, with kid, alg and use
  createdAt: number // epoch seconds
  /** when a newer key took over; the key stays published until the tokens it signed have expired */
  retiredAt?: number
}

export interface Secrets {
  /** newest first: keys[0] signs, every key listed is published in the JWKS */
  signingKeys: SigningKey[]
  cookieKeys: string[] // HMAC keys for signed cookies (session, interaction)
  csrfSecret: string // derives the login and consent forms' CSRF tokens
  resourceServer: { client_id: string; client_secret: string }
}

const now = () => Math.floor(Date.now() / 1000)
const secret = () => randomBytes(32).toString('base64url')

/** RS256 only (RFC 8725 §3.1: one algorithm per key); kid = RFC 7638 thumbprint, so a key always has the same id. */
async function newSigningKey(): Promise<SigningKey> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = privateKey.export({ format: 'jwk' }) as JWK
  const kid = await calculateJwkThumbprint({ kty: jwk.kty, n: jwk.n, e: jwk.e })
  return { jwk: { ...jwk, kid, alg: 'RS256', use: 'sig' }, createdAt: now() }
}

/** Reads the secrets file, or creates it (mode 0600: only this user may read it). */
export async function loadSecrets(file: string, resourceServerClientId: string): Promise<Secrets> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Secrets
  const secrets: Secrets = {
    signingKeys: [await newSigningKey()],
    cookieKeys: [secret()],
    csrfSecret: secret(),
    resourceServer: { client_id: resourceServerClientId, client_secret: secret() },
  }
  saveSecrets(file, secrets)
  return secrets
}

export function saveSecrets(file: string, secrets: Secrets): void {
  writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 })
}

/**
 * Rotation: a new key signs from now on; the old one stays in the JWKS until every token it
 * signed has expired (`keepFor` seconds after it retired), so nothing already issued breaks.
 */
export async function rotate(secrets: Secrets, keepFor: number): Promise<Secrets> {
  const [current, ...older] = secrets.signingKeys
  const retired = [{ ...current, retiredAt: now() }, ...older].filter((key) => now() - (key.retiredAt ?? now()) <= keepFor)
  return { ...secrets, signingKeys: [await newSigningKey(), ...retired] }
}

/** Drops keys whose tokens have all expired (also on start, after a long pause). */
export function pruneRetired(secrets: Secrets, keepFor: number): Secrets {
  const [current, ...older] = secrets.signingKeys
  return { ...secrets, signingKeys: [current, ...older.filter((key) => now() - (key.retiredAt ?? now()) <= keepFor)] }
}
