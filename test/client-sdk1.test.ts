// The 2025-era client still served: @modelcontextprotocol/sdk 1.x, with its own OAuth client, walks lab 5
// and lab 7 as a learner's installed tools do (initialize, no 2026-07-28 envelope): sign-in, tools/list,
// read_notes, step-up to notes:admin and refresh. The same walk is a row of `npm run interop`.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CAPABILITIES, LAB7_ACCESS_TOKEN_TTL, type Row, readExpected } from '@workshop/kit/client-interop'
import { demoUser } from '@workshop/kit/demo-users'
import { startLab } from '@workshop/kit/lab-process'
import { findLab } from '@workshop/kit/labs'
import { SDK1_NAME, walkSdk1 } from '@workshop/kit/sdk1-client'

describe.each([5, 7])('an SDK 1.x client against lab %i', (n) => {
  it('signs in, lists and calls tools, steps up and refreshes in the 2025 era', { timeout: 180_000 }, async () => {
    const env: Record<string, string> = { DATA_DIR: mkdtempSync(join(tmpdir(), `sdk1-lab${n}-`)) }
    if (n === 7) env.ACCESS_TOKEN_TTL = LAB7_ACCESS_TOKEN_TTL
    const lab = await startLab(findLab(n), { env })
    let row: Row
    try {
      row = await walkSdk1({ n, lab, user: demoUser('carol') })
    } finally {
      await lab.stop()
    }
    expect(row.protocol).toBe('2025-11-25')
    // Each cell as interop/expected.json records it; a cell this client cannot do names its upstream issue there.
    const known = readExpected().clients[SDK1_NAME][n]
    const seen = Object.fromEntries(CAPABILITIES.map((c) => [c, row[c]?.result ?? 'not reached']))
    expect(seen, JSON.stringify(row, null, 1)).toEqual(known)
  })
})
