// PKCE (RFC 7636), S256 only: the code is useless to anyone who lacks the verifier.
import { createHash } from 'node:crypto'
import { sameSecret } from './secrets.ts'

/** RFC 7636 §4.1: 43 to 128 characters from the unreserved set [A-Z] [a-z] [0-9] - . _ ~ */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/

/** RFC 7636 §4.2: BASE64URL(SHA256(verifier)) is always 43 characters of the base64url alphabet. */
const S256_CHALLENGE = /^[A-Za-z0-9\-_]{43}$/

export function isValidVerifier(verifier: string): boolean {
  return VERIFIER.test(verifier)
}

export function isValidS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge)
}

// #region exercise: verify-pkce
/** RFC 7636 §4.2: code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url')
}

/** RFC 7636 §4.6: the verifier must be well formed and hash to the challenge stored with the code. */
export function verifyPkce(verifier: string, challenge: string): boolean {
  return isValidVerifier(verifier) && sameSecret(s256(verifier), challenge)
}
// #endregion
