// The provider's public keys, fetched from its jwks_uri and cached (RFC 7517 §5, RFC 8414 §2).
// Lab 4 read one key from keys/; here the provider owns its keys and may rotate them at any time.
import { createRemoteJWKSet, customFetch, type JWTVerifyGetKey } from 'jose'
import { ProviderUnavailable } from './errors.ts'
import type { ProviderMetadata } from './discovery.ts'

export interface RemoteKeysOptions {
  metadata: () => Promise<ProviderMetadata>
  /** JWKS_URI: skips discovery */
  jwksUri?: string
  /** at most one refetch per cooldown when a token names a kid the cache lacks (rotation, or garbage) */
  cooldownSeconds: number
}

/**
 * jose's remote key set: fetched on first use, cached for 10 minutes, and refetched early when a
 * token names an unknown kid — which is how a rotated key arrives without a restart.
 */
export function remoteKeys(options: RemoteKeysOptions): JWTVerifyGetKey {
  // #region exercise: remote-keys
  let keys: JWTVerifyGetKey | undefined
  return async (header, token) => {
    keys ??= createRemoteJWKSet(new URL(options.jwksUri ?? (await jwksUri(options.metadata))), {
      cooldownDuration: options.cooldownSeconds * 1000,
      cacheMaxAge: 10 * 60 * 1000,
      timeoutDuration: 5_000,
      [customFetch]: fetchKeys,
    })
    return keys(header, token)
  }
  // #endregion
}

async function jwksUri(metadata: () => Promise<ProviderMetadata>): Promise<string> {
  const { jwks_uri } = await metadata()
  if (typeof jwks_uri !== 'string') throw new ProviderUnavailable('the provider advertises no jwks_uri')
  return jwks_uri
}

/** jose's fetch, telling "the provider cannot be reached" (→ 503) from "the token is bad" (→ 401), and logging each fetch. */
async function fetchKeys(url: string, init: RequestInit): Promise<Response> {
  let response: Response
  let body: { keys?: { kid?: string }[] }
  try {
    response = await fetch(url, init)
    body = await response.json()
  } catch {
    throw new ProviderUnavailable(`cannot fetch the key set from ${url}`)
  }
  if (response.status !== 200 || !Array.isArray(body?.keys))
    throw new ProviderUnavailable(`${url} answered HTTP ${response.status} without a key set`)
  console.log(`jwks: fetched ${url}: kids ${body.keys.map((key) => `${String(key.kid).slice(0, 8)}…`).join(', ')}`)
  return Response.json(body)
}
