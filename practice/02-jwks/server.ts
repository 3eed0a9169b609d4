// Lab 2: every call to /mcp needs a JWT access token, verified against our own key set.
import express from 'express'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { localhostHostValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js'
import { requireBearer } from './bearer.ts'
import { ISSUER, MCP_URL, PORT } from './config.ts'
import { jsonErrors, methodNotAllowed, notFound, requireJsonBody } from './errors.ts'
import { loadPublicKeys } from './keys.ts'
import { notesServer } from './notes.ts'
import { allowedOrigins, checkOrigin } from './origin.ts'
import { serve } from './serve.ts'

const jwks = await loadPublicKeys()
const bearer = requireBearer({
  issuer: ISSUER,
  audience: MCP_URL,
  keys: jwks,
  challenge: { realm: 'mcp' },
})

const parseJson = express.json({ limit: '64kb' })

const app = express()
app.disable('x-powered-by')
app.use(localhostHostValidation()) // DNS rebinding: refuse a Host that is not this machine
app.use(checkOrigin(allowedOrigins(PORT)))

// RFC 7517 §5: the public keys that verify our tokens. Anyone may fetch them.
app.get('/.well-known/jwks.json', (_req, res) => {
  res.json(jwks)
})

app.post('/mcp', bearer, parseJson, requireJsonBody, async (req, res) => {
  // Stateless Streamable HTTP: a fresh server and transport for every request,
  // so nothing from one request (or one caller) leaks into the next.
  const mcp = notesServer(res.locals.caller) // the notes belong to the token's sub
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
  res.on('close', () => void mcp.close())
  await mcp.connect(transport)
  await transport.handleRequest(req, res, req.body)
})
app.all('/mcp', methodNotAllowed)
app.use(notFound)
app.use(jsonErrors)

serve(app, { port: PORT, url: MCP_URL })
