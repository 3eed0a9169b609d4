// The dev signing key. Lab 5's authorization server signs with the private half;
// the public half is published as a JWK Set (RFC 7517 §5). The private key is never served.
import { readFileSync } from 'node:fs'
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto'
import { calculateJwkThumbprint, type JSONWebKeySet, type JWK } from 'jose'

const KEY_FILE = new URL('../../keys/private.pem', import.meta.url)

export interface SigningKey {
  privateKey: KeyObject
  kid: string
  jwks: JSONWebKeySet
}

export async function loadSigningKey(): Promise<SigningKey> {
  let pem: string
  try {
    pem = readFileSync(KEY_FILE, 'utf8')
  } catch {
    // Fail closed: without a key no token can be verified, so the server does not start.
    console.error('No dev key in keys/private.pem: run `npm run keys` (npm run step does it for you).')
    process.exit(1)
  }
  const privateKey = createPrivateKey(pem)
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK // public parts only: kty, n, e
  // kid = the key's RFC 7638 thumbprint, so the same key always has the same id.
  const kid = await calculateJwkThumbprint(jwk)
  // Pin the key to one algorithm (RFC 8725 §3.1).
  return { privateKey, kid, jwks: { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] } }
}
