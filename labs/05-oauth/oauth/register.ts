// POST /register: dynamic client registration (RFC 7591). MCP 2025-11-25 keeps it for
// compatibility but prefers client ID metadata documents (client-metadata-document.ts):
// open registration lets anyone create clients, and a name chosen by its author proves nothing.
import { randomUUID } from 'node:crypto'
import type { RequestHandler } from 'express'
import { z } from 'zod'
import { type Context, nowSeconds } from './context.ts'
import { OAuthError } from './errors.ts'
import { redirectUriProblem } from './redirect-uris.ts'
import { randomToken, sha256 } from './secrets.ts'
import type { AuthMethod, Client } from './store.ts'

const AUTH_METHODS: AuthMethod[] = ['none', 'client_secret_basic', 'client_secret_post']

// RFC 7591 §2. Members we do not know are ignored (zod drops them), as §2 requires.
const Metadata = z.object({
  redirect_uris: z.array(z.string().max(2000)).min(1).max(10),
  token_endpoint_auth_method: z.string().default('client_secret_basic'), // §2: the default when omitted
  grant_types: z.array(z.string()).min(1).max(5).default(['authorization_code']),
  response_types: z.array(z.string()).min(1).max(5).default(['code']),
  client_name: z.string().trim().min(1).max(100).optional(),
})

const invalidMetadata = (description: string) => new OAuthError('invalid_client_metadata', description)

export function register(context: Context): RequestHandler {
  return (req, res) => {
    res.set('Cache-Control', 'no-store') // the answer may carry a client secret
    if (typeof req.body !== 'object' || req.body === null || Array.isArray(req.body)) {
      throw invalidMetadata('Send the client metadata as a JSON object (Content-Type: application/json)')
    }
    // §3.2.2: redirect URI problems have their own error code.
    const uris: unknown = req.body.redirect_uris
    if (!Array.isArray(uris) || uris.length === 0 || !uris.every((u) => typeof u === 'string')) {
      throw new OAuthError('invalid_redirect_uri', 'redirect_uris must be a non-empty array of URLs')
    }
    for (const uri of uris as string[]) {
      const problem = redirectUriProblem(uri)
      if (problem) throw new OAuthError('invalid_redirect_uri', problem)
    }
    const parsed = Metadata.safeParse(req.body)
    if (!parsed.success)
      throw invalidMetadata(`${parsed.error.issues[0]?.path.join('.') || 'metadata'}: ${parsed.error.issues[0]?.message}`)
    const metadata = parsed.data
    const method = metadata.token_endpoint_auth_method as AuthMethod
    if (!AUTH_METHODS.includes(method)) throw invalidMetadata(`token_endpoint_auth_method must be one of ${AUTH_METHODS.join(', ')}`)
    if (!metadata.grant_types.every((g) => g === 'authorization_code' || g === 'refresh_token')) {
      throw invalidMetadata('grant_types may only contain authorization_code and refresh_token')
    }
    if (!metadata.response_types.every((r) => r === 'code')) throw invalidMetadata('response_types may only contain code')
    // §2.1: the code flow needs both the authorization_code grant and the code response type.
    if (!metadata.grant_types.includes('authorization_code')) throw invalidMetadata('grant_types must include authorization_code')

    const secret = method === 'none' ? undefined : randomToken()
    const client: Client = {
      client_id: randomUUID(),
      secret_hash: secret === undefined ? null : sha256(secret), // only its hash is kept: shown once, here
      token_endpoint_auth_method: method,
      redirect_uris: metadata.redirect_uris,
      grant_types: [...new Set(metadata.grant_types)],
      response_types: ['code'],
      client_name: metadata.client_name ?? null,
      source: 'registration',
      issued_at: nowSeconds(context),
      cached_until: null,
    }
    context.store.saveClient(client)
    // §3.2.1: the client id, its secret (confidential clients; 0 = never expires), and the metadata as registered.
    res.status(201).json({
      client_id: client.client_id,
      client_id_issued_at: client.issued_at,
      ...(secret === undefined ? {} : { client_secret: secret, client_secret_expires_at: 0 }),
      redirect_uris: client.redirect_uris,
      token_endpoint_auth_method: method,
      grant_types: client.grant_types,
      response_types: client.response_types,
      ...(client.client_name === null ? {} : { client_name: client.client_name }),
    })
  }
}
