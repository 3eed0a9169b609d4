// The scopes this resource understands, advertised as scopes_supported (RFC 9728 §2).
// Lab 4 turns this list into a gate in front of every tool.
export const SCOPES_SUPPORTED = ['notes:read', 'notes:write', 'notes:admin']

// MCP authorization, scope selection: the challenge names what a client should ask for first.
// Everyday use, not the admin scope: least privilege until a call really needs more.
export const DEFAULT_SCOPE = 'notes:read notes:write'
