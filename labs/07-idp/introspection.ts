// TOKEN_VALIDATION=introspection: instead of checking a signature, ask the provider about every
// token (RFC 7662). It sees revocation at once; it costs a round trip per request, and the provider
// must be up for this server to work. The README weighs the two.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { CLAIM_NAMES, DATA_DIR, INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET } from './config.ts'
import type { ProviderMetadata } from './discovery.ts'
import { ProviderUnavailable } from './errors.ts'
import type { Caller } from './notes.ts'

export interface IntrospectionOptions {
  metadata: () => Promise<ProviderMetadata>
  issuer: string
  audience: string
}

/** A token the provider does not vouch for: revoked, expired, unknown, or for someone else. */
export class InactiveToken extends Error {
  name = 'InactiveToken'
}

// RFC 7662 §2.2: only `active` is required; the rest is what this server needs when it is true.
const Introspection = z.looseObject({
  active: z.boolean(),
  sub: z.string().min(1).optional(),
  iss: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  exp: z.number().optional(),
  token_type: z.string().optional(),
})

export function introspector(options: IntrospectionOptions): (token: string) => Promise<Caller> {
  return async (token) => {
    const { introspection_endpoint: endpoint } = await options.metadata()
    if (typeof endpoint !== 'string') throw new ProviderUnavailable('the provider advertises no introspection_endpoint')
    const { client_id, client_secret } = credentials(options.issuer)
    let response: Response
    let body: unknown
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          // RFC 7662 §2.1: the caller authenticates (RFC 6749 §2.3.1: form-encode id and secret, then Basic)
          Authorization: `Basic ${Buffer.from(`${encodeURIComponent(client_id)}:${encodeURIComponent(client_secret)}`).toString('base64')}`,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(5_000),
      })
      body = await response.json()
    } catch {
      throw new ProviderUnavailable(`cannot reach ${endpoint}`)
    }
    // oidc-provider refuses to introspect its own JWTs (400 unsupported_token_type): not a token for this mode.
    if (response.status === 400 && (body as { error?: string })?.error === 'unsupported_token_type')
      throw new InactiveToken('The token is not an opaque token this provider introspects')
    if (response.status !== 200) {
      if (response.status === 401) console.error("introspection: the provider refused this server's client credentials")
      throw new ProviderUnavailable(`${endpoint} answered HTTP ${response.status}`)
    }
    // #region exercise: introspection
    const answer = Introspection.safeParse(body)
    if (!answer.success) throw new ProviderUnavailable(`${endpoint} did not answer RFC 7662 JSON`)
    const claims = answer.data
    // The same checks as a JWT's, on what the provider says (RFC 7662 §4: the resource server still decides).
    if (!claims.active) throw new InactiveToken('The token is not active (revoked, expired or unknown)')
    if (claims.iss !== undefined && claims.iss !== options.issuer) throw new InactiveToken("The token's iss claim is not acceptable")
    if (![claims.aud].flat().includes(options.audience)) throw new InactiveToken("The token's aud claim is not acceptable")
    if (claims.exp !== undefined && claims.exp <= Date.now() / 1000) throw new InactiveToken('The token has expired')
    if (claims.token_type !== undefined && claims.token_type.toLowerCase() !== 'bearer')
      throw new InactiveToken('The token is not a Bearer token')
    if (claims.sub === undefined) throw new InactiveToken('The token lacks sub')
    const scope = claims[CLAIM_NAMES.scope ?? 'scope']
    return { sub: claims.sub, scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [] }
    // #endregion
  }
}

/** This server's client at the provider: INTROSPECTION_CLIENT_ID/SECRET, or the file our provider writes for it. */
function credentials(issuer: string): { client_id: string; client_secret: string } {
  if (INTROSPECTION_CLIENT_ID !== undefined && INTROSPECTION_CLIENT_SECRET !== undefined)
    return { client_id: INTROSPECTION_CLIENT_ID, client_secret: INTROSPECTION_CLIENT_SECRET }
  const file = join(DATA_DIR, `07-idp-${new URL(issuer).port}-resource-server.json`)
  try {
    const { client_id, client_secret } = JSON.parse(readFileSync(file, 'utf8'))
    return { client_id: String(client_id), client_secret: String(client_secret) }
  } catch {
    console.error(
      'introspection: no credentials (set INTROSPECTION_CLIENT_ID and INTROSPECTION_CLIENT_SECRET, ' +
        `or start the provider so it writes ${file})`,
    )
    throw new ProviderUnavailable('no introspection credentials')
  }
}
