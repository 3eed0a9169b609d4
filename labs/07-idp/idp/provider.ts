// oidc-provider, configured for MCP. Everything lab 5 wrote by hand is a line of configuration here;
// each line says which rule it switches on. Reference: https://github.com/panva/node-oidc-provider/blob/main/docs/README.md
import Provider, { errors, type Client } from 'oidc-provider'
import { type FetchPolicy, fetchRefusal, guardedFetch } from './client-id-metadata.ts'
import type { Secrets } from './keys.ts'
import { renderError } from './pages.ts'
import type { UserDirectory } from './users.ts'

export interface ProviderOptions {
  issuer: string
  adapter: unknown // the class sqliteAdapter() returns
  secrets: Secrets
  users: UserDirectory
  /** the MCP servers this provider issues tokens for (RFC 8707 resource indicators) */
  isKnownResource(resource: string): boolean
  /** the scopes those servers understand (their RFC 9728 scopes_supported) */
  resourceScopes: string[]
  /** 'jwt': RFC 9068 tokens the resource server verifies itself; 'opaque': it must ask (introspection) */
  accessTokenFormat: 'jwt' | 'opaque'
  accessTokenTtl: number // seconds
  /** what the provider may fetch when a client id is a URL (client-id-metadata.ts) */
  fetchPolicy: FetchPolicy
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost'])

/**
 * MCP authorization §Canonical Server URI: "implementations SHOULD accept uppercase scheme and host
 * components". Scheme and host are case-insensitive (RFC 3986 §3.1, §3.2.2), so they are compared
 * lower-cased; the rest (port, path, query) stays exactly as written: /MCP is another resource.
 */
export function canonicalResource(resource: string): string {
  const match = /^([a-z][a-z\d+.-]*:\/\/[^/?#]*)(.*)$/is.exec(resource)
  return match ? match[1].toLowerCase() + match[2] : resource
}

export function createProvider(options: ProviderOptions): Provider {
  const { secrets, users } = options
  const [signingKey, ...publishedKeys] = options.secrets.signingKeys

  const provider = new Provider(options.issuer, {
    adapter: options.adapter, // state survives a restart (sqlite-adapter.ts)
    // The first key signs; the others are only published, so tokens they signed still verify (keys.ts).
    jwks: { keys: [signingKey, ...publishedKeys].map((key) => key.jwk) },
    cookies: {
      keys: secrets.cookieKeys,
      long: { signed: true, httpOnly: true, sameSite: 'lax' },
      short: { signed: true, httpOnly: true, sameSite: 'lax' },
    },

    // The resource server's own confidential client: it may call introspection (RFC 7662 §2.1), nothing else.
    clients: [
      {
        ...secrets.resourceServer,
        grant_types: [],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],

    async findAccount(_ctx: unknown, sub: string) {
      const user = users.find(sub)
      return user && { accountId: user.sub, claims: async () => ({ sub: user.sub }) }
    },

    responseTypes: ['code'], // OAuth 2.1: the authorization code grant only, no implicit
    pkce: { required: () => true }, // OAuth 2.1 §4.1.1 / MCP: every client, S256 only (oidc-provider 9 knows no "plain")
    // The provider's own scopes, plus the resource's: clients register with `scope` metadata
    // (RFC 7591 §2) naming the notes scopes, and oidc-provider checks it against this list.
    // Which of them a token for the MCP server carries is still decided per resource (below).
    scopes: ['openid', 'offline_access', ...options.resourceScopes],
    // Refresh tokens for every client registered for the refresh_token grant. oidc-provider's default follows
    // OpenID Connect (offline_access plus prompt=consent), which MCP clients do not send.
    issueRefreshToken: async (_ctx: unknown, client: Client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false, // a refresh token lives its own lifetime, not the browser session's
    rotateRefreshToken: true, // OAuth 2.1 §4.3.1: a new refresh token each time; a reused one ends the grant
    ttl: {
      AccessToken: options.accessTokenTtl,
      AuthorizationCode: 60, // OAuth 2.1 §4.1.2: short-lived, single use
      RefreshToken: 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
      Session: 24 * 60 * 60,
      Interaction: 10 * 60,
      IdToken: 10 * 60,
    },

    features: {
      devInteractions: { enabled: false }, // our own login and consent pages (interactions.ts)
      registration: { enabled: true }, // RFC 7591 dynamic client registration
      revocation: { enabled: true }, // RFC 7009
      introspection: {
        enabled: true, // RFC 7662, for the resource server only (§4: the caller must authenticate)
        allowedPolicy: async (_ctx: unknown, client: Client) => client.clientId === secrets.resourceServer.client_id,
      },
      dPoP: { enabled: false }, // the resource server speaks Bearer (RFC 6750) only
      rpInitiatedLogout: { enabled: false },
      // MCP's preferred registration: the client id is an https URL, its JSON document the registration.
      // Experimental in oidc-provider: `ack` names the draft implemented, and a new draft fails at startup.
      clientIdMetadataDocument: {
        enabled: true,
        ack: 'draft-02',
        // Before any fetch: the URL's shape and where its host resolves, with the reason on the error page.
        async allowFetch(_ctx: unknown, clientId: string) {
          const refusal = await fetchRefusal(clientId, options.fetchPolicy)
          if (refusal) throw new errors.InvalidClient(refusal)
          return true
        },
      },
      resourceIndicators: {
        enabled: true, // RFC 8707: the token's aud is the one MCP server it was asked for
        // No resource, no token: a token for "anyone" is what MCP forbids (token passthrough).
        defaultResource: async (_ctx: unknown, _client: Client, oneOf?: string[]) => {
          if (oneOf) return oneOf
          throw new errors.InvalidTarget('resource (RFC 8707) is required: name the MCP server the token is for')
        },
        useGrantedResource: async () => true, // a refresh without resource= stays bound to the granted one
        async getResourceServerInfo(_ctx: unknown, requested: string) {
          const resource = canonicalResource(requested) // HTTP://127.0.0.1:9000/mcp is http://127.0.0.1:9000/mcp
          if (!options.isKnownResource(resource)) throw new errors.InvalidTarget(`no MCP server is registered as ${requested}`)
          return {
            scope: options.resourceScopes.join(' '), // the most a token for this resource can carry
            audience: resource, // RFC 9068 §3: aud = the resource indicator, in the canonical form the server compares
            accessTokenTTL: options.accessTokenTtl,
            accessTokenFormat: options.accessTokenFormat, // 'jwt': typ "at+jwt", iss, sub, aud, exp, iat, jti, client_id, scope
            jwt: { sign: { alg: 'RS256', kid: signingKey.jwk.kid } },
          }
        },
      },
    },

    // Dynamic registration takes https redirect URIs, or http ones on loopback only (RFC 8252 §7.3, §8.3).
    // oidc-provider alone would accept any http URI for a "web" client.
    // And a registration's `scope` is where a client starts, not a ceiling: MCP clients register with the
    // challenge's scope and step up later (MCP authorization §Step-Up). Consent decides what a token carries.
    extraClientMetadata: {
      properties: ['redirect_uris', 'scope'],
      validator(_ctx: unknown, key: string, uris: unknown, metadata: Record<string, unknown>) {
        if (key === 'scope') {
          delete metadata.scope
          return
        }
        if (!Array.isArray(uris)) return // oidc-provider's own checks report it
        for (const uri of uris) {
          const url = URL.parse(String(uri))
          if (url?.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
            throw new errors.InvalidRedirectUri(
              'http redirect URIs must point at a loopback address (127.0.0.1, [::1], localhost); use https otherwise',
            )
          }
        }
      },
    },

    // Every document the provider fetches (metadata documents, a client's jwks_uri) goes through the SSRF guard.
    fetch: guardedFetch(options.fetchPolicy),

    // Browser-based clients may call the token endpoint from the origin of one of their redirect URIs.
    clientBasedCORS: (_ctx: unknown, origin: string, client: Client) =>
      client.redirectUris.some((uri) => URL.parse(uri)?.origin === origin),
    renderError,
  })

  // What happened, for the log; never a token, a code or a secret.
  provider.on(
    'grant.success',
    (ctx: { oidc: { params: Record<string, unknown>; client?: Client; entities: Record<string, { scope?: string; aud?: unknown }> } }) => {
      const token = ctx.oidc.entities.AccessToken
      console.log(
        `token: ${ctx.oidc.params.grant_type} for client ${ctx.oidc.client?.clientId}, ` +
          `aud ${JSON.stringify(token?.aud)}, scope "${token?.scope ?? ''}"`,
      )
    },
  )
  for (const event of ['grant.error', 'authorization.error', 'registration_create.error', 'introspection.error', 'revocation.error']) {
    provider.on(event, (_ctx: unknown, error: { error?: string; error_description?: string; error_detail?: string }) => {
      const why = [error.error_description, error.error_detail].filter(Boolean).join(': ') // detail: e.g. why a fetch failed
      console.log(`${event.replace('.error', '')}: ${error.error ?? 'error'}${why ? ` (${why})` : ''}`)
    })
  }
  provider.on('server_error', (_ctx: unknown, error: Error) => console.error(`provider error: ${error.message}`))
  return provider
}
