// Lab 4: which scope each MCP operation needs, and the gate that enforces it.
import type { RequestHandler } from 'express'
import { sendChallenge } from './bearer.ts'
import type { Caller } from './notes.ts'

// The scopes this resource understands, advertised as scopes_supported (RFC 9728 §2).
export const SCOPES_SUPPORTED = ['notes:read', 'notes:write', 'notes:admin']

// MCP authorization, scope selection: the challenge names what a client should ask for first.
// Everyday use, not the admin scope: least privilege until a call really needs more.
export const DEFAULT_SCOPE = 'notes:read notes:write'

// The table. Every operation that reads or changes notes, and the scope it needs.
export const SCOPE_TABLE: ReadonlyMap<string, string> = new Map([
  ['tools/call read_notes', 'notes:read'],
  ['tools/call add_note', 'notes:write'],
  ['tools/call purge_notes', 'notes:admin'],
  ['resources/read notes://mine', 'notes:read'],
  ['prompts/get summarise_notes', 'notes:read'],
])

// The hierarchy: a scope also grants the ones it implies (admin ⊃ write ⊃ read).
export const IMPLIES: ReadonlyMap<string, string[]> = new Map([
  ['notes:admin', ['notes:write', 'notes:read']],
  ['notes:write', ['notes:read']],
])

// Open to any valid token: the handshake of either era (2025's initialize, 2026-07-28's server/discover),
// the listings, and subscriptions/listen (its notifications say that a list changed, never what is in it).
// A client must see purge_notes in tools/list to know it exists and step up to it; calling it is gated.
const OPEN_METHODS = new Set([
  'initialize',
  'server/discover',
  'ping',
  'tools/list',
  'resources/list',
  'resources/templates/list',
  'prompts/list',
  'subscriptions/listen',
])

type Requirement = { scope: string } | { open: true } | { unknown: string }

/** What one JSON-RPC message needs. Anything the table does not know is refused: fail closed. */
export function requirementOf(message: unknown): Requirement {
  // #region exercise: scope-lookup
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return { unknown: 'not a JSON-RPC message' }
  const { method, params } = message as { method?: unknown; params?: Record<string, unknown> }
  if (method === undefined) return { open: true } // a response to the server: executes nothing
  if (typeof method !== 'string') return { unknown: 'method is not a string' }
  if (OPEN_METHODS.has(method) || method.startsWith('notifications/')) return { open: true }
  const target =
    method === 'tools/call' ? params?.name : method === 'resources/read' ? params?.uri : method === 'prompts/get' ? params?.name : ''
  const scope = typeof target === 'string' ? SCOPE_TABLE.get(`${method} ${target}`) : undefined
  return scope ? { scope } : { unknown: `${method} ${typeof target === 'string' ? target : ''}`.trim() }
  // #endregion
}

/** JSON-RPC 2.0 §5: an error answers the request's id; null only when it cannot be read (or for a batch). */
function idOf(body: unknown): string | number | null {
  const id = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { id?: unknown }).id : undefined
  return typeof id === 'string' || typeof id === 'number' ? id : null
}

export function grants(caller: Caller, scope: string): boolean {
  return caller.scopes.some((held) => held === scope || IMPLIES.get(held)?.includes(scope))
}

/**
 * The gate. It runs after the bearer check, on the parsed body the SDK will execute, and looks at
 * every message of a batch (MCP transports): the decision is made on exactly what runs. The
 * Mcp-Method and Mcp-Name headers of 2026-07-28 are for proxies and gateways; a gate that trusted
 * them would let a header name read_notes while the body calls purge_notes.
 */
export function requireScopes(challenge: Record<string, string>): RequestHandler {
  return (req, res, next) => {
    // #region exercise: scope-gate
    const caller: Caller = res.locals.caller
    const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body]
    const needed = new Set<string>()
    for (const message of messages) {
      const requirement = requirementOf(message)
      if ('unknown' in requirement) {
        const error = { code: -32601, message: `Unknown operation: ${requirement.unknown.slice(0, 100)}` }
        res.status(400).json({ jsonrpc: '2.0', error, id: idOf(req.body) })
        return
      }
      if ('scope' in requirement) needed.add(requirement.scope)
    }
    const missing = [...needed].filter((scope) => !grants(caller, scope))
    if (missing.length === 0) return next()
    // RFC 6750 §3.1 and MCP step-up: 403 with every scope this request needs, in one challenge,
    // so the client can ask for all of them at once.
    sendChallenge(res, 403, {
      ...challenge,
      error: 'insufficient_scope',
      error_description: `This request needs ${[...needed].join(' ')}`,
      scope: [...needed].join(' '),
    })
    // #endregion
  }
}
