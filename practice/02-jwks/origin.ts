// MCP transports (2025-11-25, "Security Warning"): servers MUST validate the Origin header, so a web
// page the user visits cannot drive a local server (DNS rebinding). The answer is an explicit
// allowlist: this server's own origins, and the local tools known to call MCP servers from a browser.
import type { RequestHandler } from 'express'

/** The MCP Inspector's web UI, on its default port: a developer tool that calls servers from the browser. */
export const LOCAL_TOOLS = ['http://localhost:6274', 'http://127.0.0.1:6274']

/** Who may call a server on `port` from a browser: itself, the local tools, and ALLOWED_ORIGINS (comma-separated). */
export function allowedOrigins(port: number, extra = process.env.ALLOWED_ORIGINS ?? ''): string[] {
  const fromEnv = extra
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean)
  return [`http://127.0.0.1:${port}`, `http://localhost:${port}`, ...LOCAL_TOOLS, ...fromEnv]
}

/** Refuses a present, foreign Origin with 403; lets browsers at `allowed` origins call us (CORS). */
export function checkOrigin(allowed: string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin
    // No Origin: not a browser's cross-site request (curl, an SDK client). Nothing to check.
    if (origin === undefined) return next()
    // #region exercise: origin-check
    if (!allowed.includes(origin)) {
      res
        .status(403)
        .json({ jsonrpc: '2.0', error: { code: -32000, message: 'Forbidden: this Origin may not call this server' }, id: null })
      return
    }
    res.setHeader('Access-Control-Allow-Origin', origin)
    res.setHeader('Vary', 'Origin')
    // A browser-based client must be able to read the challenge (RFC 6750 §3) and the session headers.
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version')
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, DELETE, OPTIONS')
      res.setHeader(
        'Access-Control-Allow-Headers',
        'Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID',
      )
      res.setHeader('Access-Control-Max-Age', '600')
      res.status(204).end()
      return
    }
    next()
    // #endregion
  }
}
