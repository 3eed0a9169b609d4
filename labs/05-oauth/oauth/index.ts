// Lab 5's authorization server (OAuth 2.1 draft 13 with PKCE, RFC 8707 resource indicators,
// RFC 9207 iss, RFC 7591 registration, client ID metadata documents, RFC 7009 revocation and
// RFC 7662 introspection), as one express router in the resource server's process.
// Every endpoint has its own file; this one only wires them together.
import { createPublicKey, type KeyObject } from 'node:crypto'
import express, { type RequestHandler, Router } from 'express'
import { authorize } from './authorize.ts'
import { consent } from './consent.ts'
import type { Context } from './context.ts'
import { RETENTION, nowSeconds } from './context.ts'
import { jsonErrors, pageErrors } from './errors.ts'
import { introspect } from './introspect.ts'
import { login } from './login.ts'
import { authorizationServerMetadata, metadataPath } from './metadata.ts'
import { rateLimit, rateLimitFromEnv } from './rate-limit.ts'
import { register } from './register.ts'
import { revoke } from './revoke.ts'
import { openStore } from './store.ts'
import { token } from './token.ts'
import { demoUserDirectory } from './users.ts'

export { DEMO_USERS } from './users.ts'

export interface AuthorizationServerOptions {
  issuer: string // "http://127.0.0.1:PORT" (no trailing slash)
  resource: string // "http://127.0.0.1:PORT/mcp", the only resource it issues tokens for (RFC 8707)
  scopes: string[] // ['notes:read', 'notes:write', 'notes:admin']
  jwksUri: string // `${issuer}/.well-known/jwks.json` (served by the lab's server.ts)
  signingKey: { privateKey: KeyObject; kid: string } // RS256, the dev key from keys/private.pem
  databaseFile: string // SQLite file, e.g. data/05-oauth-9000.sqlite (the folder is created if missing)
  /** milliseconds since the epoch; only tests replace it */
  clock?: () => number
}

export interface AuthorizationServer {
  router: Router // mounted with app.use(router) at the root; defines its own body parsers per route
  metadata: Record<string, unknown> // the RFC 8414 document it serves
  /** the resource server asks this after verifying a JWT: false if the token's jti is unknown, expired, or from a revoked grant */
  isAccessTokenActive(jti: string): boolean
  /** housekeeping, run every RETENTION.pruneEvery by itself: deletes what can no longer be used, and says how many rows went */
  prune(): Record<string, number>
  close(): void
}

/** Asked for nothing, a client gets read and write: enough to use the notes, not to purge them. */
const DEFAULT_SCOPES = ['notes:read', 'notes:write']

export function authorizationServer(options: AuthorizationServerOptions): AuthorizationServer {
  const context: Context = {
    issuer: options.issuer,
    resource: options.resource,
    scopes: options.scopes,
    defaultScopes: DEFAULT_SCOPES.filter((s) => options.scopes.includes(s)),
    signingKey: { ...options.signingKey, publicKey: createPublicKey(options.signingKey.privateKey) },
    store: openStore(options.databaseFile),
    users: demoUserDirectory(),
    // Production accepts only https client id URLs; see client-metadata-document.ts.
    allowLoopbackClientMetadata: process.env.ALLOW_LOOPBACK_CLIENT_METADATA === '1',
    clock: options.clock ?? Date.now,
  }
  const metadata = authorizationServerMetadata(options)

  // Each route parses its own body: forms for the OAuth endpoints (OAuth 2.1 §3.2), JSON for
  // registration (RFC 7591 §3.1), with small limits. Errors end as JSON or as a page.
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 })
  const json = express.json({ limit: '8kb' })
  const perMinute = rateLimitFromEnv(300)

  const router = Router()
  router.get(metadataPath(options.issuer), (_req, res) => {
    res.json(metadata)
  })
  router.get('/authorize', rateLimit(perMinute, context.clock), authorize(context), pageErrors) // each stores a pending request
  router.post('/authorize/login', rateLimit(perMinute, context.clock), form, login(context), pageErrors) // password guessing
  router.post('/authorize/consent', form, consent(context), pageErrors)
  router.post('/token', rateLimit(perMinute, context.clock), form, token(context), jsonErrors)
  router.post('/register', rateLimit(perMinute, context.clock), json, register(context), jsonErrors)
  router.post('/revoke', form, revoke(context), jsonErrors)
  router.post('/introspect', form, introspect(context), jsonErrors)
  router.all('/authorize', allow('GET'))
  router.all(['/authorize/login', '/authorize/consent', '/token', '/register', '/revoke', '/introspect'], allow('POST'))

  // Nothing lives forever: expired and useless rows go now (after a restart), then every few minutes.
  const prune = () => context.store.prune(nowSeconds(context), RETENTION)
  prune()
  const pruning = setInterval(() => {
    try {
      prune()
    } catch (error) {
      console.error(`authorization server: pruning failed, will try again: ${(error as Error).message}`)
    }
  }, RETENTION.pruneEvery * 1000).unref()

  return {
    router,
    metadata,
    isAccessTokenActive: (jti) => typeof jti === 'string' && context.store.isAccessTokenActive(jti, nowSeconds(context)),
    prune,
    close: () => {
      clearInterval(pruning)
      context.store.close()
    },
  }
}

/** 405 with the method that works (RFC 9110 §15.5.6). */
function allow(method: string): RequestHandler {
  return (_req, res) => {
    res
      .status(405)
      .set('Allow', method)
      .json({ error: 'invalid_request', error_description: `Use ${method}` })
  }
}
