// The printed table: one block per question, one row per number.
import type { JwksResult } from './jwks.ts'
import type { TokenEndpointResult } from './token-endpoint.ts'
import type { ThroughputRow, ThroughputSettings } from './throughput.ts'
import type { VerifyResult, VerifySettings } from './verify.ts'

export interface Report {
  title: string
  throughput: { settings: ThroughputSettings; rows: ThroughputRow[] }
  verification: { settings: VerifySettings; result: VerifyResult }
  remoteJwks: JwksResult
  tokenEndpoint: { concurrency: number; result: TokenEndpointResult }
}

const int = (n: number) => Math.round(n).toLocaleString('en-US')
const ms = (n: number) => n.toFixed(n < 10 ? 2 : 1)
const times = (n: number) => `${n.toFixed(2)}×`

/** Rows of cells as aligned text: the first column to the left, the others to the right. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((_, i) => Math.max(...[header, ...rows].map((row) => row[i].length)))
  const line = (row: string[]) =>
    `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}`.trimEnd()
  return [line(header), ...rows.map(line)]
}

export function formatReport(report: Report): string {
  const { throughput, verification, remoteJwks: jwks, tokenEndpoint } = report
  const t = throughput.settings
  const v = verification.result
  const { refresh, flow } = tokenEndpoint.result
  return [
    report.title,
    '',
    `1. tools/call read_notes, ${t.concurrency} at a time, ` +
      `${throughput.rows[0].rounds.length} interleaved rounds of ${int(t.requests)} calls per target (medians)`,
    ...table(
      ['target', 'req/s', 'p50 ms', 'p95 ms', 'req/s vs lab 1', 'p50 vs lab 1'],
      throughput.rows.map((row) => [
        row.label,
        int(row.reqPerSec),
        ms(row.p50Ms),
        ms(row.p95Ms),
        times(row.reqPerSecVsBaseline),
        times(row.p50VsBaseline),
      ]),
    ),
    "  (vs lab 1: the median of each round's own ratio, lab 1 measured seconds before or after; read these, not the absolute numbers)",
    '',
    `2. verifying one token in-process, one at a time, the three taking turns, ` +
      `${verification.settings.rounds} rounds of ${int(verification.settings.count)} each way (medians)`,
    ...table(
      ['verifier', 'ops/s', 'µs/op'],
      [
        ['lab 4 requireBearer (hand-built middleware)', int(v.middlewareOpsPerSec), (1e6 / v.middlewareOpsPerSec).toFixed(1)],
        ['SDK 2 requireBearerAuth (jose as its verifier)', int(v.sdkOpsPerSec), (1e6 / v.sdkOpsPerSec).toFixed(1)],
        ['jose jwtVerify alone', int(v.joseOpsPerSec), (1e6 / v.joseOpsPerSec).toFixed(1)],
        ['hand-built middleware cost ÷ jose cost', times(v.ratio), ''],
        ["SDK 2's cost ÷ jose cost", times(v.sdkRatio), ''],
      ],
    ),
    '',
    `3. remote JWKS, lab 7's keys.ts (jose createRemoteJWKSet, cooldown ${jwks.cooldownSeconds} s)`,
    ...table(
      ['', 'count'],
      [
        ['verifications (all verified)', `${int(jwks.verified)} of ${int(jwks.verifications)}`],
        ['key rotations mid-run', String(jwks.rotations)],
        ['key-set fetches (goal: 1 + 1 per rotation)', `${jwks.fetches} (goal ${jwks.expectedFetches})`],
      ],
    ),
    '',
    `4. lab 5's authorization server, SQLite on disk, ${tokenEndpoint.concurrency} at a time, ${refresh.rounds.length} rounds (medians)`,
    ...table(
      ['operation', 'per s', 'p50 ms', 'p95 ms'],
      [
        ['refresh_token grant (rotating)', int(refresh.perSec), ms(refresh.p50Ms), ms(refresh.p95Ms)],
        ['register → authorize → login → consent → token', flow.perSec.toFixed(1), ms(flow.p50Ms), ms(flow.p95Ms)],
      ],
    ),
  ].join('\n')
}
