// Random values and how they are kept: codes, refresh tokens, client secrets and CSRF tokens.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** 32 random bytes, base64url: 256 bits, beyond guessing (OAuth 2.1 §7.4.1, RFC 6749 §10.10). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url')
}

/**
 * What the database keeps instead of the value: its SHA-256. A copy of the database then
 * holds nothing that works at /token. A fast hash suffices because the values are 256-bit
 * random, not passwords a dictionary could find (passwords get scrypt, see users.ts).
 */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url')
}

/** Compares in constant time, so response timing reveals nothing about how much matched. */
export function sameSecret(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}
