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
}

/**
 * How long what can no longer be used is kept, so that the database stays bounded (store.ts, prune).
 * Codes, pending sign-ins and tokens (used and revoked ones too) go when they would have expired
 * anyway (LIFETIMES above), and a grant once nothing of it is left. Clients have no lifetime, so:
 */
export const RETENTION = {
  /**
   * A client that was registered (or whose document was fetched) but never used at /token. An MCP
   * client registers right before it sends the user to /authorize, and a sign-in lasts 10 minutes:
   * an hour is plenty. With /register's rate limit (300 a minute), one address can keep about
   * 20,000 unused registrations alive (an hour and a pruning period's worth), not millions.
   */
  unusedClient: 3600,
  /**
   * A client that was used, counted from its last use at /token, /revoke or /introspect. Longer than
   * a refresh token lives (14 days, and every refresh is a use), so a client whose refresh token still
   * works is never forgotten; a forgotten one simply registers again.
   */
  idleClient: 30 * 24 * 3600,
  /** how often the housekeeping runs (index.ts), in seconds */
  pruneEvery: 600,
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
