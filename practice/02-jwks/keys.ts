// The public half of the dev signing key, as a JWK Set (RFC 7517 §5).
// The private half stays in keys/private.pem: `npm run token` signs with it, this server never serves it.
import { readFileSync } from 'node:fs'
import { createPublicKey } from 'node:crypto'
import { calculateJwkThumbprint, type JSONWebKeySet, type JWK } from 'jose'

const KEY_FILE = new URL('../../keys/private.pem', import.meta.url)

export async function loadPublicKeys(): Promise<JSONWebKeySet> {
  let pem: string
  try {
    pem = readFileSync(KEY_FILE, 'utf8')
  } catch {
    // Fail closed: without a key no token can be verified, so the server does not start.
    console.error('No dev key in keys/private.pem: run `npm run keys` (npm run step does it for you).')
    process.exit(1)
  }
  const jwk = createPublicKey(pem).export({ format: 'jwk' }) as JWK // public parts only: kty, n, e
  // kid = the key's RFC 7638 thumbprint, so the same key always has the same id.
  const kid = await calculateJwkThumbprint(jwk)
  // Pin the key to one algorithm (RFC 8725 §3.1).
  return { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] }
}
