// The front half of the authorization code flow as an MCP client starts it: a PKCE pair, and the
// authorization request URL. The checks, lab 7's provider flow and lab 8's attacks all build it here.
import { createHash, randomBytes } from 'node:crypto'

// ---- PKCE (RFC 7636 §4.1, §4.2)

export interface PkcePair {
  verifier: string
  challenge: string
}

/** A fresh verifier (32 random bytes → 43 base64url characters) and its S256 challenge. */
export function pkcePair(verifier = randomBytes(32).toString('base64url')): PkcePair {
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') }
}

// ---- the authorization request (OAuth 2.1 §4.1.1)

export interface AuthorizationRequest {
  clientId: string
  redirectUri: string
  scope?: string
  state: string
  challenge: string
  /** RFC 8707 §2: the MCP server the token is for (MCP requires it) */
  resource?: string
}

/**
 * The URL a client sends the browser to: PKCE S256, state and resource. `params` changes a
 * parameter, or removes it when its value is undefined (how checks and attacks build bad requests).
 */
export function authorizationRequestUrl(
  endpoint: string,
  request: AuthorizationRequest,
  params: Record<string, string | undefined> = {},
): string {
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri,
    scope: request.scope,
    state: request.state,
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
    resource: request.resource,
    ...params,
  }
  const query = new URLSearchParams(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined))
  return `${endpoint}?${query}`
}
