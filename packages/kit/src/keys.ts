// The workshop's dev key pair: generated on first use, never committed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { KEYS_DIR, PRIVATE_KEY_FILE } from './paths.ts'

export interface DevKey {
  privateKey: KeyObject
  publicJwk: JWK
  kid: string
}

/** Writes a fresh RSA-2048 key pair (PKCS#8 PEM, mode 0600). Replaces any existing one. */
export function generateDevKey(): void {
  mkdirSync(KEYS_DIR, { recursive: true })
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  writeFileSync(PRIVATE_KEY_FILE, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 })
}

/** Generates the key pair if it does not exist yet; returns true if it did. */
export function ensureDevKey(): boolean {
  if (existsSync(PRIVATE_KEY_FILE)) return false
  generateDevKey()
  return true
}

export async function readDevKey(): Promise<DevKey> {
  ensureDevKey()
  const privateKey = createPrivateKey(readFileSync(PRIVATE_KEY_FILE, 'utf8'))
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK
  const kid = await calculateJwkThumbprint(publicJwk) // RFC 7638
  return { privateKey, publicJwk: { ...publicJwk, kid, alg: 'RS256', use: 'sig' }, kid }
}
