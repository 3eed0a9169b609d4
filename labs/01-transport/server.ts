// Lab 1: a Streamable HTTP MCP server, local-only, with no authorization yet.
import express from 'express'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { localhostHostValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js'
import { MCP_URL, PORT } from './config.ts'
import { jsonErrors, methodNotAllowed, notFound, requireJsonBody } from './errors.ts'
import { notesServer } from './notes.ts'
import { allowedOrigins, checkOrigin } from './origin.ts'
import { serve } from './serve.ts'

const parseJson = express.json({ limit: '64kb' })

const app = express()
app.disable('x-powered-by')
app.use(localhostHostValidation()) // DNS rebinding: refuse a Host that is not this machine
app.use(checkOrigin(allowedOrigins(PORT)))

app.post('/mcp', parseJson, requireJsonBody, async (req, res) => {
  // Stateless Streamable HTTP: a fresh server and transport for every request,
  // so nothing from one request (or one caller) leaks into the next.
  const mcp = notesServer({ sub: 'local', scopes: [] }) // no credentials yet: everyone is "local"
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true })
  res.on('close', () => void mcp.close())
  await mcp.connect(transport)
  await transport.handleRequest(req, res, req.body)
})
app.all('/mcp', methodNotAllowed)
app.use(notFound)
app.use(jsonErrors)

serve(app, { port: PORT, url: MCP_URL })
