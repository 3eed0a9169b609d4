// The 2025-era client: @modelcontextprotocol/sdk 1.x (the maintenance line, spec up to 2025-11-25) with
// its own OAuth client (discovery, registration, PKCE, refresh), walked through a lab by a scripted
// person. It proves that a server on SDK 2 still serves the clients learners have installed today.
// `npm run interop` prints its row; test/client-sdk1.test.ts asserts it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { type OAuthClientProvider, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js'
import { type Row, type SignIn, type Target, fail, makeUnusable, nextCapability, oneLine, pass } from './client-interop.ts'
import { signInAndApprove } from './user-agent.ts'

export const SDK1_NAME = '@modelcontextprotocol/sdk 1.32.2'
// A loopback redirect URI (RFC 8252 §7.3). Nothing listens: the person's browser stops at the redirect and hands the code over.
const REDIRECT_URI = 'http://127.0.0.1:8977/callback'

type CallResult = { content?: { type: string; text?: string }[]; isError?: boolean }
const text = (result: CallResult) => result.content?.map((c) => c.text ?? '').join(' ') ?? ''

/** Walks `target` with an SDK 1.x client: sign-in, tools/list, read_notes, step-up to notes:admin (purge_notes), refresh. */
export async function walkSdk1(target: Target): Promise<Row> {
  const row: Row = {}
  const signIns: SignIn[] = []
  let client: OAuthClientInformationMixed | undefined
  let tokens: OAuthTokens | undefined
  let verifier = ''
  let code: string | undefined
  let problem: string | undefined

  const provider: OAuthClientProvider = {
    redirectUrl: REDIRECT_URI,
    clientMetadata: {
      client_name: 'SDK 1.x client (workshop)',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    clientInformation: () => client,
    saveClientInformation: (info) => void (client = info),
    tokens: () => tokens,
    saveTokens: (next) => void (tokens = next),
    saveCodeVerifier: (next) => void (verifier = next),
    codeVerifier: () => verifier,
    async redirectToAuthorization(url) {
      signIns.push({
        scope: url.searchParams.get('scope') ?? '',
        pkce: url.searchParams.get('code_challenge_method'),
        resource: url.searchParams.get('resource'),
      })
      try {
        const { callback } = await signInAndApprove(url.href, target.user, REDIRECT_URI)
        code = callback.searchParams.get('code') ?? undefined
        if (code === undefined) problem = `the authorization server answered ${callback.search}`
      } catch (error) {
        problem = `sign-in: ${oneLine(error)}`
      }
    },
  }

  let transport = new StreamableHTTPClientTransport(new URL(target.lab.mcpUrl), { authProvider: provider })
  const mcp = new Client({ name: 'workshop-sdk1-client', version: '1.0.0' })

  /** Runs `call`; when the SDK stops for a sign-in, hands it the code the person brought back and runs it again. */
  async function signedIn<T>(call: () => Promise<T>, fresh = false): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call()
      } catch (error) {
        if (!(error instanceof UnauthorizedError) || attempt === 2) throw error
        if (code === undefined) throw new Error(problem ?? 'the SDK asked for a sign-in but showed no authorization URL')
        await transport.finishAuth(code)
        code = undefined
        // A first connection starts over on a new transport, as the SDK's own examples do.
        if (fresh) transport = new StreamableHTTPClientTransport(new URL(target.lab.mcpUrl), { authProvider: provider })
      }
    }
  }

  try {
    await signedIn(() => mcp.connect(transport), true)
    const first = signIns[0]
    row['sign-in'] =
      first?.pkce === 'S256'
        ? pass(`registered, PKCE S256, asked for "${first.scope}"`)
        : fail(problem ?? 'no PKCE S256 in its authorization request')
    row.protocol = transport.protocolVersion

    const { tools } = await signedIn(() => mcp.listTools())
    row['tools/list'] = tools.some((t) => t.name === 'read_notes') ? pass() : fail(`tools: ${tools.map((t) => t.name).join(', ')}`)

    const read = (await signedIn(() => mcp.callTool({ name: 'read_notes', arguments: {} }))) as CallResult
    row.read_notes = !read.isError && text(read).includes(`Notes of ${target.user.username}`) ? pass() : fail(text(read))

    // Step-up: purge_notes needs notes:admin, which the first sign-in did not ask for (MCP authorization, scope challenge).
    const before = signIns.length
    try {
      const purge = (await signedIn(() => mcp.callTool({ name: 'purge_notes', arguments: {} }))) as CallResult
      const second = signIns[before]
      if (first?.scope.split(' ').includes('notes:admin') && signIns.length === before) {
        row['step-up'] = purge.isError ? fail(text(purge)) : { result: 'n/a', note: 'asked for notes:admin at its first sign-in' }
      } else {
        row['step-up'] =
          !purge.isError && second?.scope.split(' ').includes('notes:admin')
            ? pass(`second sign-in for "${second.scope}"`)
            : fail(text(purge))
      }
    } catch (error) {
      row['step-up'] = fail(`${oneLine(error)}${signIns.length === before ? ' (it never asked to sign in again)' : ''}`)
    }

    // Refresh: the server now refuses the access token; the client should use its refresh token, not a new sign-in.
    const held = tokens?.access_token
    const clientId = client?.client_id
    if (!held || !clientId) throw new Error('it holds no access token or client_id')
    if (!tokens?.refresh_token) {
      row.refresh = fail('the authorization server gave it no refresh token')
      return row
    }
    await makeUnusable(target, held, clientId)
    const signInsBefore = signIns.length
    const again = (await signedIn(() => mcp.callTool({ name: 'read_notes', arguments: {} }))) as CallResult
    if (signIns.length > signInsBefore) row.refresh = fail('asked for a new sign-in instead of refreshing')
    else row.refresh = !again.isError && tokens?.access_token !== held ? pass() : fail(text(again) || 'kept the old access token')
  } catch (error) {
    const next = nextCapability(row)
    if (next) row[next] = fail(oneLine(error))
  } finally {
    await mcp.close()
  }
  return row
}
