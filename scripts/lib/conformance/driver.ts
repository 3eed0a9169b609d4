// The client the official conformance suite runs (`npm run conformance`): lab 6's own OAuth client
// (its WorkshopClientProvider: credentials per issuer, the state and iss checks, the step-up scope and
// its retry limit), driven the way each scenario needs. What a scenario asks that is not authorization
// (the suite's add_numbers, the custom headers it mirrors, input requests over several round trips)
// lives here, so the lesson's walk.ts carries no test-harness branches.
//   node --import tsx scripts/lib/conformance/driver.ts [--client-metadata-url URL] <server-url>
// The suite sets MCP_CONFORMANCE_SCENARIO, MCP_CONFORMANCE_CONTEXT (pre-registered credentials, tool
// calls to make) and MCP_CONFORMANCE_PROTOCOL_VERSION (2026-07-28: negotiate it; else the 2025 era).
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Client, SdkHttpError, StreamableHTTPClientTransport, type Tool, UnauthorizedError } from '@modelcontextprotocol/client'
import { findLab, labPath } from '@workshop/kit/labs'
import { signInAndApprove } from '@workshop/kit/user-agent'

type ProviderModule = typeof import('../../../labs/06-client/client/provider.ts')
type TrafficModule = typeof import('../../../labs/06-client/client/traffic.ts')
const lab6 = findLab('6')
const { WorkshopClientProvider } = (await import(labPath(lab6, 'client/provider.ts'))) as ProviderModule
const { narratingFetch } = (await import(labPath(lab6, 'client/traffic.ts'))) as TrafficModule

interface Context {
  client_id?: string
  client_secret?: string
  toolCalls?: { name: string; arguments?: Record<string, unknown> }[]
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { 'client-metadata-url': { type: 'string' } } })
const serverUrl = new URL(positionals.at(-1) ?? '').href
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? 'none'
const context = JSON.parse(process.env.MCP_CONFORMANCE_CONTEXT ?? '{}') as Context
const modern = process.env.MCP_CONFORMANCE_PROTOCOL_VERSION === '2026-07-28'
const redirectUrl = 'http://127.0.0.1:8976/callback'

const provider = new WorkshopClientProvider({
  file: join(process.env.DATA_DIR ?? '.', 'clients', `conformance-${scenario.replace(/\W+/g, '-')}.json`),
  username: 'conformance',
  redirectUrl,
  preRegistered: context.client_id ? { client_id: context.client_id, client_secret: context.client_secret } : undefined,
  clientMetadataUrl: values['client-metadata-url'],
  // The suite's authorization servers approve at once and redirect: the scripted user agent follows them back.
  userAgent: async (url) => (await signInAndApprove(url.href, { username: 'conformance', password: '' }, redirectUrl)).callback,
})
const traffic = narratingFetch({
  serverUrl,
  onInsufficientScope: (scope) => provider.beginStepUp(scope),
  onTokenRefused: () => provider.forgetDiscovery(),
})
const newTransport = () => new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: provider, fetch: traffic })

// Capabilities for the suite's multi-round-trip scenarios: a 2026-07-28 server asks for input in an
// input_required result, and the SDK answers it with these handlers, then retries the call.
const client = new Client(
  { name: 'workshop-lab-6-conformance', version: '2.0.0' },
  {
    versionNegotiation: { mode: modern ? 'auto' : 'legacy' },
    capabilities: { elicitation: { form: {} }, sampling: {}, roots: { listChanged: false } },
  },
)
client.setRequestHandler('elicitation/create', async (request) => {
  const schema = 'requestedSchema' in request.params ? request.params.requestedSchema : undefined
  const content = Object.fromEntries(
    Object.entries(schema?.properties ?? {}).map(([name, field]) => [name, 'default' in field ? field.default : sample(field)]),
  )
  return { action: 'accept', content } as never
})
client.setRequestHandler('sampling/createMessage', async () => ({
  role: 'assistant' as const,
  content: { type: 'text' as const, text: 'a sample answer from the workshop client' },
  model: 'workshop',
  stopReason: 'endTurn',
}))
client.setRequestHandler('roots/list', async () => ({ roots: [] }))

/** A value of a JSON Schema's type, for a required argument. */
function sample(field: Record<string, any>): unknown {
  if (Array.isArray(field.enum)) return field.enum[0]
  if (field.type === 'integer' || field.type === 'number') return 1
  if (field.type === 'boolean') return true
  if (field.type === 'array') return []
  if (field.type === 'object') return {}
  return 'workshop'
}

function argumentsFor(tool: Tool): Record<string, unknown> {
  if (tool.name === 'add_numbers') return { a: 5, b: 3 }
  const schema = tool.inputSchema as { properties?: Record<string, Record<string, unknown>>; required?: string[] }
  return Object.fromEntries((schema.required ?? []).map((name) => [name, sample(schema.properties?.[name] ?? {})]))
}

let transport = newTransport()

/** Runs `call`; when the SDK sent the user to sign in, the checked callback (lab 6's provider) finishes it, then `call` runs again. */
async function signedIn<T>(call: () => Promise<T>, reconnect = false): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call()
    } catch (error) {
      if (!(error instanceof UnauthorizedError) || attempt > 2) throw error
      await transport.finishAuth(provider.takeAuthorizationCode())
      if (reconnect) transport = newTransport()
    }
  }
}

await signedIn(() => client.connect(transport), true)
console.log(`connected: ${client.getNegotiatedProtocolVersion()} (${modern ? 'auto' : 'legacy'})`)
const { tools } = await signedIn(() => client.listTools())
const calls = context.toolCalls ?? tools.map((tool) => ({ name: tool.name, arguments: argumentsFor(tool) }))
for (const call of calls) {
  try {
    const result = await signedIn(() => client.callTool({ name: call.name, arguments: call.arguments ?? {} }))
    console.log(`${call.name}: ${JSON.stringify(result.content).slice(0, 200)}`)
  } catch (error) {
    // Step-up refused at the retry limit, or a tool the suite means to fail: the scenario's checks judge it.
    const limit = provider.stepUpRefused || (error instanceof SdkHttpError && error.status === 403)
    console.log(`${call.name}: ${limit ? 'still 403 after stepping up: retry limit reached' : (error as Error).message}`)
    if (scenario.startsWith('auth/') && !limit) process.exitCode = 1
  } finally {
    provider.endStepUp()
  }
}
await client.close()
