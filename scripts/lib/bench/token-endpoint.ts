// Part 4: lab 5's authorization server under load. Refresh-token grants (each one rotates: the old
// refresh token is marked used and a new one written, an access token's jti recorded, all in SQLite),
// and whole flows: register → authorize → sign in → approve → code for tokens.
import { issuerMetadata } from '@workshop/kit/discovery'
import { AuthorizationServer, CALLBACK, type RegisteredClient } from '@workshop/kit/oauth-client'
import { type LoadResult, keepAliveClient, median, runLoad } from './load.ts'

export interface TokenEndpointSettings {
  /** refresh chains (grants) refreshed in parallel, and flows run in parallel */
  concurrency: number
  refreshes: number
  flows: number
  rounds: number
  maxSecondsPerRun: number
  /** no new round starts after this many seconds of measuring */
  budgetSeconds: number
}

export interface RateRow {
  perSec: number
  p50Ms: number
  p95Ms: number
  rounds: Omit<LoadResult, 'firstError'>[]
}

export interface TokenEndpointResult {
  refresh: RateRow
  flow: RateRow
}

const USER = 'alice'
const SCOPE = 'notes:read notes:write'

export async function measureTokenEndpoint(
  base: string,
  settings: TokenEndpointSettings,
  progress: (line: string) => void,
): Promise<TokenEndpointResult> {
  const metadata = await issuerMetadata(base)
  if (metadata === undefined) throw new Error(`${base} serves no authorization server metadata`)
  const server = new AuthorizationServer(metadata, `${base}/mcp`)
  const register = async (name: string): Promise<RegisteredClient> => {
    const reply = await server.register({
      client_name: name,
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
    })
    if (reply.status !== 201) throw new Error(`registration: HTTP ${reply.status} ${reply.text.slice(0, 200)}`)
    return reply.json
  }
  const http = keepAliveClient(base, settings.concurrency)
  try {
    // One refresh chain per worker: a chain is sequential by nature (each answer carries the next token).
    const client = await register('bench (refresh chains)')
    const chains: string[] = []
    for (let i = 0; i < settings.concurrency; i++) chains.push((await server.tokens({ client, user: USER, scope: SCOPE })).refresh_token!)
    const refresh = async (worker: number) => {
      const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: chains[worker], client_id: client.client_id })
      const answer = await http.post('/token', { 'Content-Type': 'application/x-www-form-urlencoded' }, form.toString())
      const json = answer.status === 200 ? (JSON.parse(answer.text) as { refresh_token?: string }) : undefined
      if (typeof json?.refresh_token !== 'string') throw new Error(`refresh: HTTP ${answer.status} ${answer.text.slice(0, 200)}`)
      chains[worker] = json.refresh_token
    }
    // A new client each time, as a first-time user's client does.
    const flow = async () => {
      const fresh = await register('bench (flows)')
      await server.tokens({ client: fresh, user: USER, scope: SCOPE })
    }

    const run = async (name: string, job: (worker: number) => Promise<void>, total: number) => {
      const result = await runLoad({ concurrency: settings.concurrency, total, maxSeconds: settings.maxSecondsPerRun, job })
      if (result.errors > 0) throw new Error(`${name}: ${result.errors} of ${result.done} failed: ${result.firstError}`)
      return result
    }
    progress('warming up')
    await run('refresh', refresh, settings.refreshes)
    await run('flow', flow, settings.concurrency * 2)
    const refreshes: LoadResult[] = []
    const flows: LoadResult[] = []
    const budgetEnd = performance.now() + settings.budgetSeconds * 1000
    for (let round = 0; round < settings.rounds && (round === 0 || performance.now() < budgetEnd); round++) {
      progress(
        `round ${round + 1} of ${settings.rounds}: ` +
          `${settings.refreshes} refreshes, ${settings.flows} flows, ${settings.concurrency} at a time`,
      )
      refreshes.push(await run('refresh', refresh, settings.refreshes))
      flows.push(await run('flow', flow, settings.flows))
    }
    return { refresh: summary(refreshes), flow: summary(flows) }
  } finally {
    http.close()
  }
}

function summary(results: LoadResult[]): RateRow {
  return {
    perSec: median(results.map((r) => r.perSecond)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p95Ms: median(results.map((r) => r.p95Ms)),
    rounds: results.map(({ firstError: _, ...r }) => r),
  }
}
