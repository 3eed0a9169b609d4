// Lab 1: a Streamable HTTP MCP server, local-only, with no authorization yet.
import express from 'express'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { localhostHostValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js'
import { MCP_URL, ORIGIN, PORT } from './config.ts'
import { jsonErrors, methodNotAllowed, notFound, requireJsonBody } from './errors.ts'
import { notesServer } from './notes.ts'
import { checkOrigin } from './origin.ts'

const allowedOrigins = [ORIGIN, `http://localhost:${PORT}`, ...(process.env.ALLOWED_ORIGINS?.split(',') ?? [])]

const parseJson = express.json({ limit: '64kb' })

const app = express()
app.disable('x-powered-by')
app.use(localhostHostValidation()) // DNS rebinding: refuse a Host that is not this machine
app.use(checkOrigin(allowedOrigins))

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

// Local servers bind to loopback only (MCP transports): nothing on the network can reach it.
const server = app.listen(PORT, '127.0.0.1', () => console.log(`ready: ${MCP_URL}`))
server.on('error', (error: NodeJS.ErrnoException) => {
  console.error(error.code === 'EADDRINUSE' ? `port ${PORT} is in use: stop the other server, or run with PORT=${PORT + 1}` : error.message)
  process.exit(1)
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close(() => process.exit(0))
    server.closeAllConnections()
  })
}
