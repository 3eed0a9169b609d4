// A small load generator: N jobs run by a bounded number of workers, each job timed.
// No dependency beyond node:http, so `npm run bench` runs on any learner's machine.
import { Agent, request } from 'node:http'

export interface LoadResult {
  /** jobs that finished (ok or not) */
  done: number
  errors: number
  /** the first failure, to print when something is wrong */
  firstError?: string
  seconds: number
  perSecond: number
  p50Ms: number
  p95Ms: number
}

export interface LoadOptions {
  /** how many jobs run at once */
  concurrency: number
  /** how many jobs in all */
  total: number
  /** stop starting new jobs after this long, even if fewer than `total` ran */
  maxSeconds: number
  /** one unit of work; `worker` is 0 … concurrency-1, for jobs that keep per-worker state (a refresh chain) */
  job: (worker: number) => Promise<void>
}

/** Runs `total` jobs with `concurrency` workers; jobs/second and latency percentiles of the jobs that ran. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies: number[] = []
  let started = 0
  let errors = 0
  let firstError: string | undefined
  const begin = performance.now()
  const deadline = begin + options.maxSeconds * 1000
  const worker = async (index: number) => {
    while (started < options.total && performance.now() < deadline) {
      started++
      const t0 = performance.now()
      try {
        await options.job(index)
      } catch (error) {
        errors++
        firstError ??= error instanceof Error ? error.message : String(error)
      }
      latencies.push(performance.now() - t0)
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, (_, i) => worker(i)))
  const seconds = (performance.now() - begin) / 1000
  return {
    done: latencies.length,
    errors,
    firstError,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
}

export function median(values: number[]): number {
  return percentile(values, 50)
}

export interface Answer {
  status: number
  text: string
}

/** A keep-alive HTTP client for one server: connections are reused, as a real client reuses them. */
export function keepAliveClient(base: string, maxSockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets })
  return {
    post(path: string, headers: Record<string, string>, body: string): Promise<Answer> {
      const payload = Buffer.from(body)
      return new Promise((resolve, reject) => {
        const req = request(
          new URL(path, base),
          { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(payload.length) }, timeout: 15_000 },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('error', reject)
            res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
          },
        )
        req.on('timeout', () => req.destroy(new Error(`no answer from ${base}${path} within 15 s`)))
        req.on('error', reject)
        req.end(payload)
      })
    },
    close: () => agent.destroy(),
  }
}
