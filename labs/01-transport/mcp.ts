// The MCP endpoint: one handler that serves both protocol eras on the same URL (MCP 2026-07-28,
// Streamable HTTP, "Backwards compatibility"). Everything in front of it (Host, Origin, and from lab 2
// on the token and the scope gate) is this workshop's own code; the protocol itself is the SDK's.
import { createMcpHandler } from '@modelcontextprotocol/server'
import { toNodeHandler } from '@modelcontextprotocol/node'
import type { Request, RequestHandler, Response } from 'express'
import { type Caller, notesServer } from './notes.ts'

/**
 * How the SDK tells the eras apart, per request: a 2026-07-28 request carries its protocol version in
 * `params._meta` (and in the MCP-Protocol-Version header); a request without it is a 2025-era client's,
 * served statelessly as before (no `initialize` needed, answered as an SSE stream).
 */
export function mcpEndpoint(callerOf: (req: Request, res: Response) => Caller): RequestHandler {
  // A fresh McpServer for every request, in either era: nothing from one caller reaches the next.
  const handler = createMcpHandler(({ authInfo }) => notesServer(authInfo?.extra?.caller as Caller))
  const node = toNodeHandler(handler)
  return (req, res) => {
    const caller = callerOf(req, res)
    // The SDK takes who is calling as AuthInfo (req.auth) and hands it to the factory above; the token
    // itself stays out of it: nothing after this line needs it.
    const auth = { token: '', clientId: '', scopes: caller.scopes, extra: { caller } }
    void node(Object.assign(req, { auth }), res, req.body)
  }
}
