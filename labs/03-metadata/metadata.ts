// Discovery: how a client that knows only our URL finds out where to get a token.
import { Router } from 'express'

export interface MetadataOptions {
  resource: string // the canonical MCP URL
  issuer: string
  scopes: string[]
}

/** RFC 9728 §3.1: the metadata URL inserts /.well-known/oauth-protected-resource before the resource's path. */
export function resourceMetadataUrl(resource: string): string {
  const url = new URL(resource)
  return `${url.origin}/.well-known/oauth-protected-resource${url.pathname === '/' ? '' : url.pathname}`
}

export function metadataRoutes({ resource, issuer, scopes }: MetadataOptions): Router {
  // Well-known URLs are matched exactly (RFC 3986 §6.2.1): /mcp/ or /MCP after the well-known string is
  // another resource's metadata URL (RFC 9728 §3.1), not ours, so it is a 404 and not our document.
  const router = Router({ strict: true, caseSensitive: true })

  // #region exercise: protected-resource
  // RFC 9728 §2: who we are, and which authorization servers issue tokens for us.
  const protectedResource = {
    resource, // §3.3: must equal the URL the client used, byte for byte
    authorization_servers: [issuer],
    scopes_supported: scopes,
    bearer_methods_supported: ['header'], // OAuth 2.1 §5.2: no tokens in query strings or bodies
    resource_name: 'Notes MCP server (workshop)',
  }
  // Served path-inserted (RFC 9728 §3.1) and at the root, the MCP client's fallback.
  router.get([new URL(resourceMetadataUrl(resource)).pathname, '/.well-known/oauth-protected-resource'], (_req, res) => {
    res.json(protectedResource)
  })
  // #endregion

  // #region exercise: issuer-metadata
  // RFC 8414 §2: the issuer's own metadata. This issuer only signs tokens (`npm run token`) until
  // lab 5, so it advertises its keys and nothing else: no endpoint it does not serve.
  const authorizationServer = {
    issuer, // §3.3: identical to the URL the metadata was built from
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    scopes_supported: scopes,
    response_types_supported: [], // required by §2; empty: no authorization endpoint yet
    grant_types_supported: [],
  }
  router.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.json(authorizationServer)
  })
  // #endregion

  return router
}
