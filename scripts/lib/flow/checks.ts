// The page's [Run checks]: the lab's own checks (its check.ts, or a practice copy's), one at a time
// against the running server, each result sent to the page as it finishes. The window each check ran in
// lets the page link a failure to the exchanges it caused.
import { type Check, formatResult, runCheck } from '@workshop/kit/checks'
import { maskCommand } from '@workshop/kit/flow-mask'
import { type Lab } from '@workshop/kit/labs'
import { loadChecks, requireCurl } from '@workshop/kit/run-checks'

export interface CheckEvent {
  run: number
  id: string
  title: string
  spec: string
  ok: boolean
  reason?: string
  /** the curl commands it ran, their secrets masked */
  curl: string[]
  /** when it started and ended (ms): the exchanges it caused started in between */
  start: number
  end: number
}

export interface CheckRun {
  id: number
  done: boolean
  results: CheckEvent[]
}

let runs = 0
// eslint-disable-next-line no-control-regex
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '')

export function runChecks(lab: Lab, base: string, dir: string | undefined, emit: (event: string, data: unknown) => void): CheckRun {
  const run: CheckRun = { id: ++runs, done: false, results: [] }
  void (async () => {
    let checks: Check[] = []
    try {
      requireCurl()
      checks = await loadChecks(lab, dir)
    } catch (error) {
      run.done = true
      return emit('checks-done', { run: run.id, passed: 0, failed: 0, error: (error as Error).message })
    }
    emit('checks-start', { run: run.id, total: checks.length, ids: checks.map((c) => ({ id: c.id, title: c.title, spec: c.spec })) })
    for (const check of checks) {
      const start = Date.now()
      const result = await runCheck(check, base)
      const event: CheckEvent = {
        run: run.id,
        id: check.id,
        title: check.title,
        spec: check.spec,
        ok: result.ok,
        reason: result.ok ? undefined : maskCommand(plain(formatResult(result).split('\n')[1]?.trim() ?? result.reason ?? '')),
        curl: result.exchanges.map((e) => maskCommand(e.command)),
        start,
        end: Date.now(),
      }
      run.results.push(event)
      emit('check', event)
    }
    run.done = true
    const failed = run.results.filter((r) => !r.ok).length
    emit('checks-done', { run: run.id, passed: run.results.length - failed, failed })
  })()
  return run
}
