// RFC 8414: the authorization server's metadata, how a client finds every endpoint below.
// Only what this server really does is advertised: a client trusts this document.

export interface MetadataInput {
  issuer: string
  jwksUri: string
  scopes: string[]
}

/** RFC 8414 §3: the well-known URL, with the issuer's path (if any) inserted after it. */
export function metadataPath(issuer: string): string {
  const path = new URL(issuer).pathname.replace(/\/$/, '')
  return `/.well-known/oauth-authorization-server${path}`
}

export function authorizationServerMetadata({ issuer, jwksUri, scopes }: MetadataInput): Record<string, unknown> {
  const clientAuthMethods = ['none', 'client_secret_basic', 'client_secret_post']
  return {
    // RFC 8414 §3.3: identical to the issuer the metadata URL was built from, byte for byte.
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    registration_endpoint: `${issuer}/register`, // RFC 7591
    revocation_endpoint: `${issuer}/revoke`, // RFC 7009
    introspection_endpoint: `${issuer}/introspect`, // RFC 7662
    jwks_uri: jwksUri, // the keys that verify our access tokens (served next to us, by server.ts)
    scopes_supported: scopes,
    response_types_supported: ['code'], // OAuth 2.1 §4: the authorization code flow only
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_methods_supported: clientAuthMethods,
    revocation_endpoint_auth_methods_supported: clientAuthMethods,
    // RFC 7662 §2.1: the caller must authenticate; only confidential clients can.
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    // RFC 8414 §2, RFC 7636 §4.2, MCP authorization: S256 only. MCP clients refuse a server that omits this.
    code_challenge_methods_supported: ['S256'],
    // RFC 9207 §3: every authorization response carries iss, so a client can spot a mix-up.
    authorization_response_iss_parameter_supported: true,
    // MCP client registration: a client may use the URL of its metadata document as its client id.
    client_id_metadata_document_supported: true,
  }
}
