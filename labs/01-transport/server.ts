// Lab 1: a Streamable HTTP MCP server, local-only, with no authorization yet.
import express from 'express'
import { localhostHostValidation } from '@modelcontextprotocol/node'
import { MCP_URL, PORT } from './config.ts'
import { jsonErrors, methodNotAllowed, notFound, requireJsonBody } from './errors.ts'
import { mcpEndpoint } from './mcp.ts'
import { allowedOrigins, checkOrigin } from './origin.ts'
import { serve } from './serve.ts'

const parseJson = express.json({ limit: '64kb' })

const app = express()
app.disable('x-powered-by')
const localHost = localhostHostValidation()
app.use((req, res, next) => localHost(req, res) && next()) // DNS rebinding: refuse a Host that is not this machine
app.use(checkOrigin(allowedOrigins(PORT)))

// No credentials yet: everyone is "local", and shares one list of notes.
app.post(
  '/mcp',
  parseJson,
  requireJsonBody,
  mcpEndpoint(() => ({ sub: 'local', scopes: [] })),
)
app.all('/mcp', methodNotAllowed)
app.use(notFound)
app.use(jsonErrors)

serve(app, { port: PORT, url: MCP_URL })
