// Garbage in, a clear 4xx out: never a 500, never a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express'

function rpcError(status: number, code: number, message: string) {
  return { status, body: { jsonrpc: '2.0', error: { code, message }, id: null } }
}

// RFC 8259 §9: a parser may limit nesting. No honest MCP message nests this deep, and the SDK's validators
// recurse once per level: a body nested thousands deep would exhaust the stack (a 500), so it is refused first.
const MAX_DEPTH = 64

function tooDeep(value: unknown): boolean {
  const pending: [unknown, number][] = [[value, 0]]
  while (pending.length > 0) {
    const [item, depth] = pending.pop()!
    if (typeof item !== 'object' || item === null) continue
    if (depth >= MAX_DEPTH) return true
    for (const child of Object.values(item)) pending.push([child, depth + 1])
  }
  return false
}

/** The body must be JSON we parsed ourselves: the SDK then executes exactly what we saw. */
export const requireJsonBody: RequestHandler = (req, res, next) => {
  if (req.body === undefined) {
    const { status, body } = rpcError(415, -32000, 'Unsupported Media Type: send Content-Type: application/json')
    res.status(status).json(body)
    return
  }
  if (tooDeep(req.body)) {
    res.status(400).json(rpcError(400, -32600, `Invalid Request: JSON nested deeper than ${MAX_DEPTH} levels`).body)
    return
  }
  next()
}

export const methodNotAllowed: RequestHandler = (_req, res) => {
  // Stateless server: no SSE stream to GET and no session to DELETE (MCP transports, Streamable HTTP).
  res
    .status(405)
    .set('Allow', 'POST')
    .json(rpcError(405, -32000, 'Method not allowed: POST JSON-RPC messages to /mcp').body)
}

export const notFound: RequestHandler = (_req, res) => {
  res.status(404).json({ error: 'not_found' })
}

/** express.json() reports bad bodies as errors with a 4xx status; JSON-RPC calls that a parse error (-32700). */
export const jsonErrors: ErrorRequestHandler = (error, _req, res, _next) => {
  const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500
  const { body } =
    error?.type === 'entity.parse.failed'
      ? rpcError(400, -32700, 'Parse error: the body is not valid JSON')
      : status === 413
        ? rpcError(413, -32000, 'Request body too large')
        : status < 500
          ? rpcError(status, -32600, 'Invalid request body')
          : rpcError(500, -32603, 'Internal error')
  if (status === 500) console.error(`internal error: ${error?.message ?? error}`)
  if (res.headersSent) return
  res.status(status).json(body)
}
