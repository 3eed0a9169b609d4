// Lab 3: a bare 401 tells a client everything it needs to discover where tokens come from.
import express from 'express'
import { localhostHostValidation } from '@modelcontextprotocol/node'
import { requireBearer } from './bearer.ts'
import { ISSUER, MCP_URL, PORT } from './config.ts'
import { jsonErrors, methodNotAllowed, notFound, requireJsonBody } from './errors.ts'
import { loadPublicKeys } from './keys.ts'
import { metadataRoutes, resourceMetadataUrl } from './metadata.ts'
import { mcpEndpoint } from './mcp.ts'
import { allowedOrigins, checkOrigin } from './origin.ts'
import { DEFAULT_SCOPE, SCOPES_SUPPORTED } from './scopes.ts'
import { serve } from './serve.ts'

const jwks = await loadPublicKeys()
const challenge = { realm: 'mcp', resource_metadata: resourceMetadataUrl(MCP_URL) } // RFC 9728 §5.1
const bearer = requireBearer({
  issuer: ISSUER,
  audience: MCP_URL,
  keys: jwks,
  challenge: { ...challenge, scope: DEFAULT_SCOPE }, // MCP scope selection: what to ask for
})

const parseJson = express.json({ limit: '64kb' })

const app = express()
app.disable('x-powered-by')
const localHost = localhostHostValidation()
app.use((req, res, next) => localHost(req, res) && next()) // DNS rebinding: refuse a Host that is not this machine
app.use(checkOrigin(allowedOrigins(PORT)))

// RFC 7517 §5: the public keys that verify our tokens. Anyone may fetch them.
app.get('/.well-known/jwks.json', (_req, res) => {
  res.json(jwks)
})

app.use(metadataRoutes({ resource: MCP_URL, issuer: ISSUER, scopes: SCOPES_SUPPORTED }))

app.post(
  '/mcp',
  bearer,
  parseJson,
  requireJsonBody,
  mcpEndpoint((_req, res) => res.locals.caller),
) // the notes belong to the token's sub
app.all('/mcp', methodNotAllowed)
app.use(notFound)
app.use(jsonErrors)

serve(app, { port: PORT, url: MCP_URL })
