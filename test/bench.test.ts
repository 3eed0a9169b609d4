// `npm run bench -- --quick`: the benchmark itself works (labs start, every part runs, the table
// prints, the JSON is written). Nothing here is about speed: a busy machine must not fail it.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ROOT } from '@workshop/kit/paths'

const dir = mkdtempSync(join(tmpdir(), 'mcp-bench-test-'))
let child: ChildProcess | undefined
afterAll(() => {
  if (child?.exitCode === null) child.kill('SIGTERM') // a timed-out run stops its labs on SIGTERM
  rmSync(dir, { recursive: true, force: true })
})

function bench(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const run = spawn(process.execPath, ['--import', 'tsx', 'scripts/bench.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    child = run
    let output = ''
    run.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    run.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    run.once('error', reject)
    run.once('close', (code) => resolve({ code, output }))
  })
}

describe('npm run bench', () => {
  it('--quick runs every part, prints the table and writes the JSON', async () => {
    const out = join(dir, 'bench-results.json')
    const { code, output } = await bench(['--quick', '--out', out])
    expect(code, output).toBe(0)
    for (const row of [
      'lab 1  no auth',
      'lab 4  JWT + scope gate',
      'lab 4  recording on (flow page)',
      'lab 4  recording on, one viewer',
      'lab 7  JWT, remote JWKS cached',
      'lab 7  opaque token, introspection',
      'lab 4 requireBearer (hand-built middleware)',
      'jose jwtVerify alone',
      'key-set fetches',
      'refresh_token grant',
      'register → authorize → login → consent → token',
    ]) {
      expect(output, row).toContain(row)
    }
    expect(output).toContain(`results written to ${out}`)

    const json = JSON.parse(readFileSync(out, 'utf8'))
    expect(json).toMatchObject({ mode: 'quick', machine: { cpus: expect.any(Number) } })
    expect(json.throughput.rows.map((row: { id: string }) => row.id)).toEqual([
      'lab1',
      'lab4',
      'lab4-recorded',
      'lab4-recorded-viewer',
      'lab7-jwt',
      'lab7-introspection',
    ])
    for (const row of json.throughput.rows)
      expect(row).toEqual(
        expect.objectContaining({
          reqPerSec: expect.any(Number),
          p50Ms: expect.any(Number),
          p95Ms: expect.any(Number),
          reqPerSecVsBaseline: expect.any(Number),
        }),
      )
    expect(json.verification.result).toEqual(
      expect.objectContaining({
        middlewareOpsPerSec: expect.any(Number),
        sdkOpsPerSec: expect.any(Number),
        joseOpsPerSec: expect.any(Number),
        ratio: expect.any(Number),
        sdkRatio: expect.any(Number),
      }),
    )
    expect(json.remoteJwks).toEqual(
      expect.objectContaining({ verifications: expect.any(Number), fetches: expect.any(Number), rotations: 1 }),
    )
    expect(json.tokenEndpoint.result.refresh).toEqual(expect.objectContaining({ perSec: expect.any(Number) }))
    expect(json.tokenEndpoint.result.flow).toEqual(expect.objectContaining({ perSec: expect.any(Number) }))
  }, 200_000)
})
