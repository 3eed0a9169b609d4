// Part 1: the same tools/call through each design, side by side. Same client, same concurrency,
// same request count; the targets take turns round after round (A B C D, B C D A, …) so that a
// machine getting faster or slower during the run touches every target alike; medians of rounds.
import { MCP_ACCEPT } from '@workshop/kit/http'
import { type LoadResult, keepAliveClient, median, runLoad } from './load.ts'

export interface Target {
  id: string
  label: string
  /** http://127.0.0.1:PORT */
  base: string
  /** the access token to send, if the lab wants one */
  token?: string
}

export interface ThroughputSettings {
  concurrency: number
  requests: number
  rounds: number
  warmup: number
  /** a bound on one target's turn in one round */
  maxSecondsPerRun: number
  /** no new round starts after this many seconds of measuring (a busy machine gets fewer rounds, not a longer run) */
  budgetSeconds: number
}

export interface ThroughputRow {
  id: string
  label: string
  reqPerSec: number
  p50Ms: number
  p95Ms: number
  /** median over rounds of (this target's req/s ÷ lab 1's req/s in the same round) */
  reqPerSecVsBaseline: number
  /** median over rounds of (this target's p50 ÷ lab 1's p50 in the same round) */
  p50VsBaseline: number
  rounds: Omit<LoadResult, 'firstError'>[]
}

const CALL = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_notes', arguments: {} } })

/** The first target is the baseline the others are compared with. */
export async function measureThroughput(
  targets: Target[],
  settings: ThroughputSettings,
  progress: (line: string) => void,
): Promise<ThroughputRow[]> {
  const clients = targets.map((target) => {
    const client = keepAliveClient(target.base, settings.concurrency)
    const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: MCP_ACCEPT }
    if (target.token !== undefined) headers.Authorization = `Bearer ${target.token}`
    const call = async () => {
      const answer = await client.post('/mcp', headers, CALL)
      // A 401 or a tool error answers fast: it must never be counted as a tools/call.
      if (answer.status !== 200 || !answer.text.includes('"result"') || answer.text.includes('"isError":true')) {
        throw new Error(`${target.label}: HTTP ${answer.status} ${answer.text.slice(0, 200)}`)
      }
    }
    return { target, client, call }
  })
  try {
    const run = async (index: number, total: number) => {
      const { target, call } = clients[index]
      const result = await runLoad({ concurrency: settings.concurrency, total, maxSeconds: settings.maxSecondsPerRun, job: call })
      if (result.errors > 0) throw new Error(`${result.errors} of ${result.done} calls failed: ${result.firstError} (${target.label})`)
      return result
    }
    // A fresh Node server needs a few thousand requests before the JIT has compiled its hot paths:
    // measured cold, the first target would look slower for reasons that have nothing to do with auth.
    progress(`warming up: ${settings.warmup} calls per target`)
    for (let i = 0; i < targets.length; i++) await run(i, settings.warmup)

    const results: LoadResult[][] = targets.map(() => [])
    const budgetEnd = performance.now() + settings.budgetSeconds * 1000
    for (let round = 0; round < settings.rounds && (round === 0 || performance.now() < budgetEnd); round++) {
      progress(`round ${round + 1} of ${settings.rounds}: ${settings.requests} calls per target, ${settings.concurrency} at a time`)
      for (let k = 0; k < targets.length; k++) {
        const index = (round + k) % targets.length // each round starts one target later
        results[index].push(await run(index, settings.requests))
      }
    }
    const baseline = results[0]
    return targets.map((target, i) => ({
      id: target.id,
      label: target.label,
      reqPerSec: median(results[i].map((r) => r.perSecond)),
      p50Ms: median(results[i].map((r) => r.p50Ms)),
      p95Ms: median(results[i].map((r) => r.p95Ms)),
      reqPerSecVsBaseline: median(results[i].map((r, round) => r.perSecond / baseline[round].perSecond)),
      p50VsBaseline: median(results[i].map((r, round) => r.p50Ms / baseline[round].p50Ms)),
      rounds: results[i].map(({ firstError: _, ...r }) => r),
    }))
  } finally {
    for (const { client } of clients) client.close()
  }
}
