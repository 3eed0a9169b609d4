// What every endpoint of the authorization server needs: who we are, the store, the users, the clock.
import type { KeyObject } from 'node:crypto'
import type { Store } from './store.ts'
import type { UserDirectory } from './users.ts'

// Lifetimes, in seconds. Short ones make a stolen artefact worth little.
export const LIFETIMES = {
  /** OAuth 2.1 §4.1.2: a code lives at most 10 minutes; a client redeems it within a second anyway */
  code: 120,
  /** OAuth 2.1 §7.1.3: short-lived access tokens, so a leaked one is worth little and revocation bites soon */
  accessToken: 600,
  /** OAuth 2.1 §4.3.1: refresh tokens may expire; each use rotates it and restarts this clock */
  refreshToken: 14 * 24 * 3600,
  /** a pending authorization request: time to sign in and decide */
  authorizationRequest: 600,
  /** draft-ietf-oauth-client-id-metadata-document §4.2 allows caching a fetched document: briefly */
  clientMetadataDocument: 300,
}

export interface Context {
  issuer: string
  resource: string
  scopes: string[]
  /** the scopes a client gets when it asks for none (OAuth 2.1 §3.2.2.1 lets the server pick a default) */
  defaultScopes: string[]
  signingKey: { privateKey: KeyObject; publicKey: KeyObject; kid: string }
  store: Store
  users: UserDirectory
  /** lab-only switch: accept http://127.0.0.1 / localhost client ID metadata documents */
  allowLoopbackClientMetadata: boolean
  /** milliseconds since the epoch; tests inject a fake clock */
  clock: () => number
}

/** The clock in whole seconds, as JWTs and the store count time (RFC 7519 §2 NumericDate). */
export function nowSeconds(context: Context): number {
  return Math.floor(context.clock() / 1000)
}
