import { fileURLToPath } from 'node:url'

// Where this server lives. The MCP endpoint's URL is its canonical identity.
export const PORT = Number(process.env.PORT ?? 9000) // serve.ts refuses anything but a port number
export const ORIGIN = `http://127.0.0.1:${PORT}`
export const MCP_URL = `${ORIGIN}/mcp`

/** What is wrong with the settings below, one line each: server.ts prints them and stops before it listens. */
export const CONFIG_PROBLEMS: string[] = []

// Lab 7: the issuer is an identity provider of its own (idp/, Keycloak, Auth0, Entra…). Pointing this
// server at one is configuration, not code: see the README's "Point it at Keycloak, Auth0 or Entra".
export const ISSUER = process.env.IDP_URL ?? 'http://127.0.0.1:9100' // exactly the provider's `issuer`
if (!/^https?:$/.test(URL.parse(ISSUER)?.protocol ?? '')) {
  CONFIG_PROBLEMS.push(`IDP_URL must be the provider's issuer URL, got "${ISSUER}"`)
}
// The aud a token must carry: this server's URL (RFC 8707), unless the provider names APIs its own way.
export const AUDIENCE = process.env.AUDIENCE ?? MCP_URL
// jwt: check each token's signature with the provider's published keys. introspection: ask the provider (RFC 7662).
export const TOKEN_VALIDATION = process.env.TOKEN_VALIDATION ?? 'jwt'
if (TOKEN_VALIDATION !== 'jwt' && TOKEN_VALIDATION !== 'introspection') {
  CONFIG_PROBLEMS.push(`TOKEN_VALIDATION must be "jwt" or "introspection", got "${TOKEN_VALIDATION}"`)
}
// Optional: where the keys are, for providers whose metadata cannot be discovered from the issuer.
export const JWKS_URI = process.env.JWKS_URI
// jose refetches the key set when a token names an unknown kid, at most once per cooldown (jose's default: 30 s).
export const JWKS_COOLDOWN_SECONDS = Number(process.env.JWKS_COOLDOWN_SECONDS ?? 5)
if (!(JWKS_COOLDOWN_SECONDS >= 0)) {
  CONFIG_PROBLEMS.push(`JWKS_COOLDOWN_SECONDS must be a number of seconds, got "${process.env.JWKS_COOLDOWN_SECONDS}"`)
}
// RFC 9068's typ and claim names, unless the provider uses others, e.g. TOKEN_TYP=JWT CLAIMS=scope:scp,client_id:azp
export const TOKEN_TYP = process.env.TOKEN_TYP ?? 'at+jwt'
const claimPairs = (process.env.CLAIMS ?? '')
  .split(',')
  .filter(Boolean)
  .map((pair) => pair.split(':').map((name) => name.trim()))
if (claimPairs.some((pair) => pair.length !== 2 || !pair[0] || !pair[1])) {
  CONFIG_PROBLEMS.push(`CLAIMS must look like "scope:scp,client_id:azp" (ours:theirs), got "${process.env.CLAIMS}"`)
}
export const CLAIM_NAMES: Record<string, string> = Object.fromEntries(claimPairs)
// Introspection only: this server's own client at the provider (confidential, RFC 7662 §2.1). Set both,
// or leave them unset to read the file our provider writes: DATA_DIR/07-idp-<provider port>-resource-server.json.
export const INTROSPECTION_CLIENT_ID = process.env.INTROSPECTION_CLIENT_ID
export const INTROSPECTION_CLIENT_SECRET = process.env.INTROSPECTION_CLIENT_SECRET
export const DATA_DIR = process.env.DATA_DIR ?? fileURLToPath(new URL('../../data', import.meta.url))
