// Lab 7: lab 4's server, with its tokens issued by an identity provider in another process (idp/server.ts).
import express from 'express'
import { localhostHostValidation } from '@modelcontextprotocol/node'
import { requireBearer } from './bearer.ts'
import {
  AUDIENCE,
  CLAIM_NAMES,
  CONFIG_PROBLEMS,
  ISSUER,
  JWKS_COOLDOWN_SECONDS,
  JWKS_URI,
  MCP_URL,
  PORT,
  TOKEN_TYP,
  TOKEN_VALIDATION,
} from './config.ts'
import { providerMetadata } from './discovery.ts'
import { jsonErrors, methodNotAllowed, notFound, requireJsonBody } from './errors.ts'
import { introspector } from './introspection.ts'
import { remoteKeys } from './keys.ts'
import { metadataRoutes, resourceMetadataUrl } from './metadata.ts'
import { mcpEndpoint } from './mcp.ts'
import { allowedOrigins, checkOrigin } from './origin.ts'
import { DEFAULT_SCOPE, SCOPES_SUPPORTED, requireScopes } from './scopes.ts'
import { serve } from './serve.ts'

if (CONFIG_PROBLEMS.length > 0) {
  for (const problem of CONFIG_PROBLEMS) console.error(problem)
  process.exit(2)
}

const metadata = providerMetadata(ISSUER) // RFC 8414, fetched on first use
const challenge = { realm: 'mcp', resource_metadata: resourceMetadataUrl(MCP_URL) } // RFC 9728 §5.1
const bearer = requireBearer({
  issuer: ISSUER,
  audience: AUDIENCE,
  keys: remoteKeys({ metadata, jwksUri: JWKS_URI, cooldownSeconds: JWKS_COOLDOWN_SECONDS }),
  introspect: TOKEN_VALIDATION === 'introspection' ? introspector({ metadata, issuer: ISSUER, audience: AUDIENCE }) : undefined,
  typ: TOKEN_TYP,
  claimNames: CLAIM_NAMES,
  challenge: { ...challenge, scope: DEFAULT_SCOPE }, // MCP scope selection: what to ask for
})
const scopeGate = requireScopes(challenge)

const parseJson = express.json({ limit: '64kb' })

const app = express()
app.disable('x-powered-by')
const localHost = localhostHostValidation()
app.use((req, res, next) => localHost(req, res) && next()) // DNS rebinding: refuse a Host that is not this machine
app.use(checkOrigin(allowedOrigins(PORT)))

app.use(metadataRoutes({ resource: MCP_URL, issuer: ISSUER, scopes: SCOPES_SUPPORTED }))

app.post(
  '/mcp',
  bearer,
  parseJson,
  requireJsonBody,
  scopeGate,
  mcpEndpoint((_req, res) => res.locals.caller),
) // the notes belong to the token's sub
app.all('/mcp', methodNotAllowed)
app.use(notFound)
app.use(jsonErrors)

console.log(`tokens from ${ISSUER}, checked by ${TOKEN_VALIDATION === 'jwt' ? 'their signature (remote JWKS)' : 'introspection'}`)
serve(app, { port: PORT, url: MCP_URL })
