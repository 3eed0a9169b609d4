// Forged and tampered tokens for the negative checks (RFC 8725 §2 lists the attacks).
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { SignJWT, base64url, type JWK } from 'jose'
import { readDevKey } from './keys.ts'
import { mintAccessToken, type MintOptions } from './tokens.ts'

const encodeJson = (value: unknown) => base64url.encode(JSON.stringify(value))

function decodeJson(part: string): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(base64url.decode(part)))
}

/** A valid token's claims, re-encoded unsigned with the given `alg` ("none", "None", "NONE"…). */
export async function unsignedToken(options: MintOptions, alg = 'none'): Promise<string> {
  const [header, payload] = (await mintAccessToken(options)).split('.')
  return `${encodeJson({ ...decodeJson(header), alg })}.${payload}.`
}

/** HS256 "signed" with the server's public key as the HMAC secret (algorithm confusion). */
export async function hmacWithPublicKey(options: MintOptions): Promise<string> {
  const { publicJwk, kid } = await readDevKey()
  const [, payload] = (await mintAccessToken(options)).split('.')
  const secret = createPublicKey({ key: publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' })
  return new SignJWT(decodeJson(payload))
    .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid })
    .sign(new TextEncoder().encode(String(secret)))
}

/** A valid token whose payload was changed after signing (scope widened). */
export async function tamperedToken(options: MintOptions): Promise<string> {
  const [header, payload, signature] = (await mintAccessToken(options)).split('.')
  const claims = decodeJson(payload)
  return `${header}.${encodeJson({ ...claims, scope: 'notes:read notes:write notes:admin' })}.${signature}`
}

/** Signed by an attacker's key, which the header offers inline (`jwk`) or by URL (`jku`, `x5u`). */
export async function selfSignedToken(options: MintOptions, offer: 'jwk' | 'jku' | 'x5u' | 'none'): Promise<string> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const { kid } = await readDevKey()
  const [, payload] = (await mintAccessToken(options)).split('.')
  const header: Record<string, unknown> = { alg: 'RS256', typ: 'at+jwt', kid }
  if (offer === 'jwk') header.jwk = publicKey.export({ format: 'jwk' }) as JWK
  if (offer === 'jku') header.jku = 'http://127.0.0.1:1/attacker-jwks.json'
  if (offer === 'x5u') header.x5u = 'http://127.0.0.1:1/attacker-cert.pem'
  return new SignJWT(decodeJson(payload)).setProtectedHeader(header as never).sign(privateKey)
}
