// A browser-based MCP client (the MCP Inspector, a web app) calls the provider from its own page:
// discovery, registration, the token endpoint. The browser lets that page read an answer only when the
// provider grants its origin (CORS, https://fetch.spec.whatwg.org/#http-cors-protocol). The provider
// grants the same allowlist as the MCP server (../origin.ts): itself, the known local tools and
// ALLOWED_ORIGINS. Like the MCP server, it is on loopback, so any other page gets 403, preflights included.
import type { RequestHandler } from 'express'

/** oidc-provider answers CORS itself on discovery, /jwks, /token and /token/revocation; registration it leaves without. */
const REGISTRATION = '/reg'

export function providerCors(allowed: string[]): RequestHandler {
  return (req, res, next) => {
    const origin = req.headers.origin
    // No Origin: a person's browser navigating to /auth and back, or a client that is not a browser.
    if (origin === undefined) return next()
    if (!allowed.includes(origin)) {
      res.status(403).json({ error: 'invalid_request', error_description: 'this Origin may not call this provider' })
      return
    }
    // An allowed origin: oidc-provider answers its own endpoints, the token endpoint only for a client whose
    // redirect URIs are on that origin (clientBasedCORS in provider.ts). Registration comes before any
    // client exists (RFC 7591 §3), so it is granted here.
    if (req.path !== REGISTRATION) return next()
    res.setHeader('Access-Control-Allow-Origin', origin)
    res.setHeader('Vary', 'Origin')
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST')
      res.setHeader('Access-Control-Allow-Headers', 'Content-Type, Accept, Mcp-Protocol-Version')
      res.setHeader('Access-Control-Max-Age', '600')
      res.status(204).end()
      return
    }
    next()
  }
}
