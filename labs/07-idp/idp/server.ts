// Lab 7's identity provider: oidc-provider (an OpenID Certified implementation) in its own process.
// The resource server (../server.ts) never imports this file: it only knows the issuer's URL.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import express, { type ErrorRequestHandler } from 'express'
import { localhostHostValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js'
import type { Provider } from 'oidc-provider'
import { allowedOrigins } from '../origin.ts'
import { serve } from '../serve.ts'
import { providerCors } from './cors.ts'
import { interactionRoutes } from './interactions.ts'
import { loadSecrets, pruneRetired, rotate, saveSecrets } from './keys.ts'
import { canonicalResource, createProvider } from './provider.ts'
import { sqliteAdapter } from './sqlite-adapter.ts'
import { demoUsers } from './users.ts'

const PORT = Number(process.env.PORT ?? 9100)
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) {
  console.error(`PORT must be a port number, got "${process.env.PORT}"`)
  process.exit(2)
}
const ISSUER = `http://127.0.0.1:${PORT}` // RFC 8414 §2: https in production; loopback http for the workshop
const DATA_DIR = process.env.DATA_DIR ?? fileURLToPath(new URL('../../../data', import.meta.url))
const FORMAT = process.env.ACCESS_TOKEN_FORMAT ?? 'jwt'
if (FORMAT !== 'jwt' && FORMAT !== 'opaque') {
  console.error(`ACCESS_TOKEN_FORMAT must be "jwt" or "opaque", got "${FORMAT}"`)
  process.exit(2)
}
const ACCESS_TOKEN_TTL = Number(process.env.ACCESS_TOKEN_TTL ?? 600) // 10 minutes: short, because a JWT cannot be recalled
// Which MCP servers may be a token's audience: the listed ones, or any loopback /mcp endpoint (the workshop's ports vary).
// Both sides of the comparison are canonical: scheme and host in lower case (provider.ts).
const RESOURCES = process.env.MCP_RESOURCES?.split(',').map((r) => canonicalResource(r.trim()))
const isKnownResource = (resource: string) =>
  RESOURCES ? RESOURCES.includes(resource) : /^http:\/\/127\.0\.0\.1:\d{1,5}\/mcp$/.test(resource)

// Client ID metadata documents come from public https URLs only. Lab only: ALLOW_LOOPBACK_CLIENT_METADATA=1
// also lets the provider fetch from this machine (https://127.0.0.1:<port>/…), for a document you serve yourself.
const ALLOW_LOOPBACK_CLIENT_METADATA = process.env.ALLOW_LOOPBACK_CLIENT_METADATA === '1'

const secretsFile = join(DATA_DIR, `07-idp-${PORT}-secrets.json`)
const adapter = sqliteAdapter(join(DATA_DIR, `07-idp-${PORT}.sqlite`))
const users = demoUsers()
let secrets = pruneRetired(await loadSecrets(secretsFile, 'notes-resource-server'), ACCESS_TOKEN_TTL + 60)
// The resource server's client for introspection: set INTROSPECTION_CLIENT_ID/SECRET for both processes,
// or let the resource server read this file. Mode 0600: a secret, like any client secret.
const { INTROSPECTION_CLIENT_ID: clientId, INTROSPECTION_CLIENT_SECRET: clientSecret } = process.env
if (clientId && clientSecret) secrets = { ...secrets, resourceServer: { client_id: clientId, client_secret: clientSecret } }
writeFileSync(
  join(DATA_DIR, `07-idp-${PORT}-resource-server.json`),
  `${JSON.stringify({ issuer: ISSUER, ...secrets.resourceServer }, null, 2)}\n`,
  { mode: 0o600 },
)

const build = () =>
  createProvider({
    issuer: ISSUER,
    adapter,
    secrets,
    users,
    isKnownResource,
    resourceScopes: ['notes:read', 'notes:write', 'notes:admin'],
    accessTokenFormat: FORMAT,
    accessTokenTtl: ACCESS_TOKEN_TTL,
    fetchPolicy: { allowLoopback: ALLOW_LOOPBACK_CLIENT_METADATA },
  })
// oidc-provider fixes its keys when constructed. Rotation builds a new instance behind the same
// listener; sessions, clients and grants live in SQLite, so nothing in flight is lost.
let provider: Provider = build()
let handle = provider.callback()
let jwksRequests = 0

const app = express()
app.disable('x-powered-by')
app.use(localhostHostValidation()) // DNS rebinding: refuse a Host that is not this machine
app.use(providerCors(allowedOrigins(PORT))) // browser clients: the MCP server's allowlist (cors.ts)
app.use((req, res, next) => {
  // No page of this provider may be framed (clickjacking the consent button; MCP security best practices).
  res.set('X-Frame-Options', 'DENY')
  res.set('Content-Security-Policy', "frame-ancestors 'none'")
  if (req.method === 'GET' && req.path === '/jwks') jwksRequests++
  next()
})
app.use(interactionRoutes(() => provider, users, secrets.csrfSecret))

// Key rotation, shown live (README "Rotate the signing key"). A dev-only door: on unless DEV_ROTATION=0,
// reachable on loopback only, and refused to browsers (they always send Origin on a cross-site POST).
if (process.env.DEV_ROTATION !== '0') {
  const keysView = () => ({
    signing_kid: secrets.signingKeys[0].jwk.kid,
    published_kids: secrets.signingKeys.map((k) => k.jwk.kid),
    jwks_requests: jwksRequests,
  })
  app.get('/dev/keys', (_req, res) => void res.json(keysView()))
  app.post('/dev/rotate-keys', async (req, res) => {
    if (req.headers.origin !== undefined) return void res.status(403).json({ error: 'forbidden', error_description: 'not from a browser' })
    const previous = secrets.signingKeys[0].jwk.kid
    secrets = await rotate(secrets, ACCESS_TOKEN_TTL + 60) // the old key stays published until its tokens expire
    saveSecrets(secretsFile, secrets)
    provider = build()
    handle = provider.callback()
    console.log(`keys: rotated; ${secrets.signingKeys[0].jwk.kid?.slice(0, 8)}… signs now, ${previous?.slice(0, 8)}… stays published`)
    res.json({ previous_kid: previous, ...keysView() })
  })
}

// RFC 6749 §3.3: an authorization request without scope is processed with a pre-defined default,
// the resource's everyday scopes (as lab 5 does), instead of a consent with nothing to grant.
app.get('/auth', (req, _res, next) => {
  const url = new URL(req.url, ISSUER)
  if (!url.searchParams.has('scope')) {
    url.searchParams.set('scope', 'notes:read notes:write')
    req.url = `${url.pathname}${url.search}`
  }
  next()
})

app.use((req, res) => handle(req, res)) // everything else is oidc-provider's: /auth, /token, /jwks, /reg, discovery…

const failed: ErrorRequestHandler = (error, _req, res, _next) => {
  const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500
  if (status === 500) console.error(`internal error: ${error?.message ?? error}`)
  if (!res.headersSent)
    res
      .status(status)
      .type('text')
      .send(status === 500 ? 'Internal error' : 'Bad request')
}
app.use(failed)

console.log(`identity provider ${ISSUER}: ${FORMAT} access tokens, ${ACCESS_TOKEN_TTL} s; data in ${DATA_DIR}`)
if (ALLOW_LOOPBACK_CLIENT_METADATA) console.log('ALLOW_LOOPBACK_CLIENT_METADATA=1: client ID metadata documents may come from this machine')
serve(app, { port: PORT, url: ISSUER })
