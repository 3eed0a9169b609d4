// The MCP TypeScript SDK's 2.x client (@modelcontextprotocol/client, pinned in package.json), as a
// program `npm run interop` drives the way it drives mcp-remote: MCP JSON-RPC on stdin/stdout,
// forwarded to the server, with the SDK's own OAuth client (discovery, registration, PKCE, step-up,
// refresh). When the SDK wants a person to sign in, this prints the authorization URL on stderr
// and waits at its loopback redirect URI (RFC 8252 §7.3) for the browser to come back.
//   node --import tsx interop/sdk2-client.ts http://127.0.0.1:9000/mcp
// STATE_DIR (optional) is where it keeps its registration and tokens, as a desktop client would.
// ERA: `auto` (the default) asks server/discover (revision 2026-07-28) first and falls back to
// initialize; a revision, e.g. `2026-07-28`, pins it: no fallback.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import {
  Client,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from '@modelcontextprotocol/client'

const serverUrl = process.argv[2]
if (serverUrl === undefined) {
  console.error('usage: sdk2-client.ts <mcp-server-url>')
  process.exit(2)
}
const stateDir = process.env.STATE_DIR
if (stateDir) mkdirSync(stateDir, { recursive: true })

// The browser comes back here with ?code=…&state=…&iss=…
let arrived: (params: URLSearchParams) => void = () => {}
const callback = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1')
  if (url.pathname !== '/callback') return void res.writeHead(404).end()
  res.writeHead(200, { 'Content-Type': 'text/plain' }).end('Signed in: you can close this window.')
  arrived(url.searchParams)
})
await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve))
const redirectUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`

/** Kept in STATE_DIR when it is set, so a harness can see what the client holds, as on disk for a desktop client. */
function stored<T>(name: string): { get(): T | undefined; set(value: T | undefined): void } {
  let value: T | undefined
  const file = stateDir && join(stateDir, `${name}.json`)
  if (file && existsSync(file)) value = JSON.parse(readFileSync(file, 'utf8')) as T
  return {
    get: () => value,
    set(next) {
      value = next
      if (file) writeFileSync(file, JSON.stringify(next ?? null), { mode: 0o600 })
    },
  }
}
const clientInfo = stored<StoredOAuthClientInformation>('client')
const tokens = stored<StoredOAuthTokens>('tokens')
const discovery = stored<OAuthDiscoveryState>('discovery')
let verifier = ''

const provider: OAuthClientProvider = {
  redirectUrl,
  clientMetadata: {
    client_name: 'SDK 2.x client (workshop interop)',
    redirect_uris: [redirectUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  } satisfies OAuthClientMetadata,
  clientInformation: () => clientInfo.get(),
  saveClientInformation: (info) => clientInfo.set(info),
  tokens: () => tokens.get(),
  saveTokens: (next) => tokens.set(next),
  saveCodeVerifier: (next) => void (verifier = next),
  codeVerifier: () => verifier,
  saveDiscoveryState: (state) => discovery.set(state),
  discoveryState: () => discovery.get(),
  redirectToAuthorization: (url) => console.error(`\nPlease authorize this client by visiting:\n${url.href}\n`),
  invalidateCredentials(scope) {
    if (scope === 'all' || scope === 'client') clientInfo.set(undefined)
    if (scope === 'all' || scope === 'tokens') tokens.set(undefined)
    if (scope === 'all' || scope === 'discovery') discovery.set(undefined)
  },
}

let transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider })
const era = process.env.ERA ?? 'auto'
const client = new Client(
  { name: 'workshop-interop', version: '1.0.0' },
  { versionNegotiation: { mode: era === 'auto' ? 'auto' : { pin: era } } },
)

/**
 * Runs `call`; when the SDK needs a sign-in (first use, or step-up), waits for the browser to come
 * back, lets the SDK redeem the code, and runs it again (`fresh`: on a new transport, as a first
 * connection must be).
 */
async function signedIn<T>(call: () => Promise<T>, fresh = false): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const browserBack = new Promise<URLSearchParams>((resolve) => (arrived = resolve))
    try {
      return await call()
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || attempt === 2) throw error
      await transport.finishAuth(await browserBack)
      if (fresh) transport = new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider })
    }
  }
}

let connected = false
async function handle(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
  switch (method) {
    case 'initialize':
      if (!connected) await signedIn(() => client.connect(transport), true)
      connected = true
      return {
        protocolVersion: client.getNegotiatedProtocolVersion(),
        capabilities: client.getServerCapabilities() ?? {},
        serverInfo: client.getServerVersion(),
      }
    case 'tools/list':
      return signedIn(() => client.listTools())
    case 'tools/call':
      return signedIn(() => client.callTool(params as { name: string; arguments?: Record<string, unknown> }))
    default:
      throw Object.assign(new Error(`not supported by this driver: ${method}`), { code: -32601 })
  }
}

// stdout carries JSON-RPC only: whatever the SDK logs goes to stderr.
const stdout = process.stdout.write.bind(process.stdout)
console.log = console.info = console.warn = console.debug = console.error
const reply = (message: unknown) => stdout(`${JSON.stringify(message)}\n`)
createInterface({ input: process.stdin }).on('line', (line) => {
  let request: { id?: string | number; method?: string; params?: Record<string, unknown> }
  try {
    request = JSON.parse(line)
  } catch {
    return reply({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } })
  }
  if (request.id === undefined || request.method === undefined) return // a notification
  const { id, method, params } = request
  handle(method, params).then(
    (result) => reply({ jsonrpc: '2.0', id, result }),
    (error: Error & { code?: number }) =>
      reply({ jsonrpc: '2.0', id, error: { code: typeof error.code === 'number' ? error.code : -32603, message: error.message } }),
  )
})
process.stdin.on('end', () => {
  callback.close()
  void client.close().finally(() => process.exit(0))
})
