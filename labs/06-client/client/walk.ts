// Lab 6: a narrated MCP client. It starts from nothing but the server's URL and walks the whole
// MCP authorization flow with the SDK's client auth (@modelcontextprotocol/client 2.x), printing each leg as it goes.
//   tsx labs/06-client/client/walk.ts [--user carol] [--browser] [--era auto|legacy|2026-07-28] http://127.0.0.1:9000/mcp
// Registration, in the order MCP prefers: pre-registered (--client-id, --client-secret), a client ID
// metadata document (--client-metadata-url, an https URL you host), else dynamic registration.
// The era: 2026-07-28 is stateless (server/discover, no initialize, _meta and headers on every request);
// `auto` asks server/discover first and falls back to 2025's initialize when the server does not know it.
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import {
  Client,
  IssuerMismatchError,
  SdkHttpError,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type VersionNegotiationMode,
  auth,
  validateAuthorizationResponseIssuer,
} from '@modelcontextprotocol/client'
import { chalk } from 'zx'
import { openInBrowser } from './browser.ts'
import { LegFailed, leg, ok, say, shorten, warn } from './narrate.ts'
import { WorkshopClientProvider } from './provider.ts'
import { narratingFetch } from './traffic.ts'
import { type Credentials } from '@workshop/kit/user-agent'
import { DEMO_USERS } from '@workshop/kit/demo-users'
import { scriptedUserAgent } from './user-agent.ts'

const ERAS: Record<string, VersionNegotiationMode> = { auto: 'auto', legacy: 'legacy', '2026-07-28': { pin: '2026-07-28' } }

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    user: { type: 'string', default: 'carol' },
    password: { type: 'string' },
    browser: { type: 'boolean', default: false },
    era: { type: 'string', default: 'auto' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'client-metadata-url': { type: 'string' },
  },
})
const era = ERAS[values.era]
if (era === undefined) {
  console.error(`--era ${values.era}: use auto, legacy or 2026-07-28`)
  process.exit(2)
}
const serverUrl = new URL(positionals.at(-1) ?? 'http://127.0.0.1:9000/mcp').href
// What a person types on the sign-in page: a demo user of labs 5 and 7, unless --password says otherwise.
const password = values.password ?? DEMO_USERS.find((demo) => demo.username === values.user)?.password
if (password === undefined) {
  console.error(
    `There is no demo user "${values.user}" (${DEMO_USERS.map((u) => u.username).join(', ')}): add --password for another user.`,
  )
  process.exit(2)
}
const user: Credentials = { username: values.user, password }
// A loopback redirect URI (RFC 8252 §7.3). The scripted user agent only reads the redirect;
// --browser listens on it for the real browser to come back.
const redirectUrl = process.env.REDIRECT_URI ?? 'http://127.0.0.1:8976/callback'
const dataDir = process.env.DATA_DIR ?? fileURLToPath(new URL('../../../data', import.meta.url))

// One file of credentials, one record per issuer.
const provider = new WorkshopClientProvider({
  file: join(dataDir, 'clients', '06-client.json'),
  username: user.username,
  redirectUrl,
  preRegistered: values['client-id'] ? { client_id: values['client-id'], client_secret: values['client-secret'] } : undefined,
  clientMetadataUrl: values['client-metadata-url'],
  userAgent: (url) => (values.browser ? openInBrowser(url, redirectUrl) : scriptedUserAgent(url, user, redirectUrl)),
})
const traffic = narratingFetch({
  serverUrl,
  onInsufficientScope: (scope) => provider.beginStepUp(scope),
  onTokenRefused: () => provider.forgetDiscovery(),
})

interface Session {
  client: Client
  transport: StreamableHTTPClientTransport
}

const newTransport = () => new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider, fetch: traffic })

let sdkIssShown = false
/** The browser is back: our checks (provider.ts), then the SDK's finishAuth(), which checks iss again and redeems the code. */
async function finishSignIn(transport: StreamableHTTPClientTransport): Promise<void> {
  const callback = provider.takeAuthorizationCode()
  if (!sdkIssShown) {
    sdkIssShown = true
    // SDK 2 enforces RFC 9207 itself: what it does with the iss a mix-up attacker would send.
    try {
      const metadata = provider.issuerMetadata()
      validateAuthorizationResponseIssuer({
        iss: 'https://attacker.example',
        expectedIssuer: metadata?.issuer,
        issParameterSupported: true,
      })
      warn('the SDK accepted a forged iss: no issuer was discovered to compare it with')
    } catch (error) {
      if (!(error instanceof IssuerMismatchError)) throw error
      ok(`the SDK checks iss too: finishAuth() refuses iss=https://attacker.example (${error.name}) before it redeems a code`)
    }
  }
  await transport.finishAuth(callback)
}

/** Connects; when the SDK had to send the user away (UnauthorizedError), finish with the code and connect again. */
async function connect(): Promise<Session> {
  for (let attempt = 1; ; attempt++) {
    const transport = newTransport()
    const client = new Client({ name: 'workshop-lab-6', version: '2.0.0' }, { versionNegotiation: { mode: era } })
    try {
      await client.connect(transport)
      return { client, transport }
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || attempt === 2) throw error
      await finishSignIn(transport)
    }
  }
}

/** Runs a request; when the SDK had to send the user away (a 401 or a step-up), finish with the code and retry, at most twice. */
async function authorized<T>(session: Session, request: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await request()
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || attempt > 2) throw error
      await finishSignIn(session.transport)
    }
  }
}

async function callTool(session: Session, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await authorized(session, () => session.client.callTool({ name, arguments: args }))
  const text = (result.content as { type: string; text?: string }[])[0]?.text ?? ''
  if (result.isError) throw new LegFailed(`${name} failed: ${text}`)
  return text
}

async function revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<void> {
  const endpoint = provider.issuerMetadata()?.revocation_endpoint
  const clientId = provider.clientInformation()?.client_id
  if (!endpoint || !clientId) throw new LegFailed('the authorization server advertises no revocation_endpoint')
  const response = await traffic(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, token_type_hint: hint, client_id: clientId }).toString(),
  })
  if (response.status !== 200) throw new LegFailed(`revocation answered ${response.status}`)
}

/** What revoking the stepped-up grant changed: at the authorization server, and at the resource server. */
async function showRevoked(refreshToken: string, accessToken: string): Promise<void> {
  const tokenEndpoint = provider.issuerMetadata()?.token_endpoint
  const clientId = provider.clientInformation()?.client_id ?? ''
  const refresh = await fetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }).toString(),
  })
  if (refresh.ok) throw new LegFailed('the revoked refresh token still refreshes')
  ok(`the revoked refresh token is refused: ${refresh.status} ${(await refresh.json().catch(() => ({}))).error ?? ''}`)
  const probe = await fetch(serverUrl, {
    method: 'POST',
    headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  })
  if (probe.status === 401) ok('its access token is refused too: this resource server asks the issuer on every request')
  else
    warn(
      `its access token still works (HTTP ${probe.status}): this resource server checks JWTs locally, ` +
        'so it learns of a revocation only when the token expires',
    )
}

async function walk(): Promise<void> {
  console.log(chalk.bold(`MCP authorization, walked by a client that knows only ${chalk.cyan(serverUrl)}`))
  console.log(chalk.dim(`user: ${user.username}${values.browser ? ' (in your browser)' : ' (a scripted user agent fills the forms)'}`))

  const session = await connect()
  const version = session.client.getNegotiatedProtocolVersion()
  ok(`connected to ${session.client.getServerVersion()?.name}, speaking ${version} (--era ${values.era})`)
  if (values.era === 'auto' && version !== '2026-07-28') warn('this server does not answer server/discover: the client fell back to 2025')

  say(await callTool(session, 'read_notes').then((text) => text.split('\n')[0]))
  say(await callTool(session, 'add_note', { text: `walked at ${new Date().toISOString()}` }))

  leg({ title: 'Step-up', soft: false, spec: 'MCP authorization §Step-Up Authorization Flow, RFC 6750 §3.1' })
  say('purge_notes needs notes:admin, which our token does not carry: expect 403 insufficient_scope')
  const everyday = provider.currentTokens()
  try {
    say(await callTool(session, 'purge_notes'))
    ok('stepped up: the new token carries notes:admin')
  } catch (error) {
    if (!provider.stepUpRefused && !(error instanceof SdkHttpError && error.status === 403)) throw error
    warn(`still 403 after stepping up: ${user.username} may not grant notes:admin (try --user carol). Retry limit reached; moving on.`)
  } finally {
    provider.endStepUp()
  }
  const elevated = provider.currentTokens()
  // Least privilege: keep the admin grant only as long as the purge needed it.
  if (elevated?.refresh_token !== everyday?.refresh_token) provider.replaceTokens(everyday)

  const before = provider.currentTokens()?.refresh_token
  const result = await auth(provider, { serverUrl, fetchFn: traffic })
  if (result !== 'AUTHORIZED') throw new LegFailed('the refresh did not authorize')
  const after = provider.currentTokens()?.refresh_token
  if (!after || after === before) throw new LegFailed('the authorization server did not rotate the refresh token')
  ok(`refresh token rotated: ${shorten(before ?? '')} → ${shorten(after)}`)

  if (elevated?.refresh_token && elevated.refresh_token !== everyday?.refresh_token) {
    await revoke(elevated.refresh_token, 'refresh_token')
    await showRevoked(elevated.refresh_token, elevated.access_token)
  }

  leg({ title: 'Calling tools', soft: false, spec: 'RFC 6750 §2.1, MCP authorization §Access Token Usage' })
  const notes = await callTool(session, 'read_notes')
  await session.client.close()
  console.log(`\n${chalk.bold('Tool result')}\n${notes}`)
  console.log(chalk.green(`\nDone: every leg succeeded. Run it again: the registration and the refresh token are reused.`))
}

try {
  await walk()
} catch (error) {
  const message = error instanceof Error ? error.message : String(error)
  console.error(chalk.red(`\n✘ the walk failed: ${message}`))
  process.exitCode = 1
}
