// Lab 7: what this server learns about its identity provider, from the issuer URL alone.
// The same discovery a client does (RFC 8414 first, then OpenID Connect Discovery), with the same check.
import { ProviderUnavailable } from './errors.ts'

export interface ProviderMetadata {
  issuer: string
  jwks_uri?: string
  introspection_endpoint?: string
}

/** RFC 8414 §3.1 inserts the well-known path before the issuer's path; OIDC Discovery §4 appends it. */
function metadataUrls(issuer: string): string[] {
  const { origin, pathname } = new URL(issuer)
  const path = pathname.replace(/\/$/, '')
  return [`${origin}/.well-known/oauth-authorization-server${path}`, `${origin}${path}/.well-known/openid-configuration`]
}

/**
 * Fetched on first use and kept, so this server starts even while its provider is down (requests get
 * 503 until it is back). A failure is not cached: the next request tries again.
 */
export function providerMetadata(issuer: string): () => Promise<ProviderMetadata> {
  let pending: Promise<ProviderMetadata> | undefined
  const discover = async (): Promise<ProviderMetadata> => {
    for (const url of metadataUrls(issuer)) {
      let response: Response
      try {
        response = await fetch(url, { headers: { Accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(5_000) })
      } catch {
        throw new ProviderUnavailable(`cannot reach ${url}`)
      }
      if (response.status === 404) continue // this provider uses the other well-known URL
      const metadata = (await response.json().catch(() => undefined)) as ProviderMetadata | undefined
      if (response.status !== 200 || typeof metadata?.issuer !== 'string')
        throw new ProviderUnavailable(`${url} answered HTTP ${response.status} without metadata`)
      // RFC 8414 §3.3: the issuer inside must be the one we asked about, or someone else answered.
      if (metadata.issuer !== issuer) throw new ProviderUnavailable(`${url} describes issuer ${metadata.issuer}, not ${issuer}`)
      return metadata
    }
    throw new ProviderUnavailable(`no metadata for ${issuer} at ${metadataUrls(issuer).join(' or ')}`)
  }
  return () =>
    (pending ??= discover().catch((error) => {
      pending = undefined
      throw error
    }))
}
