// Lab 8: the attack battery against every lab that has a server. What each lab declares in its
// defences.ts must hold (no breach), must be real (each declared defence stops at least one attack),
// and must be honest for labs 1–4 (what they do not declare, they do not have); labs 5 and 6 stop
// everything; lab 7 stops everything but the one gap its README teaches (revoked JWTs live on), which
// its introspection mode closes.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { leakedLines } from '@workshop/kit/attack-kit'
import { DEFAULT_TARGET, LABS, baseLab, findLab, labExists } from '@workshop/kit/labs'
import { ROOT } from '@workshop/kit/paths'
import { ownLab } from './shared-labs.ts'
import { ATTACKS } from '../labs/08-attacks/attacks/index.ts'
import { DEFENCES, type Defence } from '../labs/08-attacks/attacks/types.ts'
import { type Report, type Result, breaches, declaredDefences, runBattery } from '../labs/08-attacks/battery.ts'

const TIMEOUT = 120_000
// Every lab with a server of its own (lab 6 runs lab 5's: attacking it again would repeat lab 5).
const targets = LABS.filter((lab) => !lab.attacks && lab.server === undefined && labExists(lab))
const list = (results: Result[]) => results.map((r) => `${r.attack.id}: ${r.outcome} (${r.evidence})`).join('\n')
const ofGroup = (report: Report, ...groups: string[]) => report.results.filter((r) => groups.includes(r.attack.group))

describe('the vocabulary', () => {
  it('every defence is the target of an attack, and attack ids are unique', () => {
    const attacked = new Set(ATTACKS.map((attack) => attack.defence))
    expect(Object.keys(DEFENCES).filter((defence) => !attacked.has(defence as Defence))).toEqual([])
    expect(new Set(ATTACKS.map((attack) => attack.id)).size).toBe(ATTACKS.length)
  })

  it("each lab declares only known defences, and keeps its base lab's", () => {
    for (const lab of targets) {
      const declared = declaredDefences(lab)
      expect(
        declared.filter((defence) => !(defence in DEFENCES)),
        `lab ${lab.n}`,
      ).toEqual([])
      const base = baseLab(lab)
      const dropped = base ? declaredDefences(base).filter((defence) => !declared.includes(defence)) : []
      expect(dropped, `lab ${lab.n} drops defences of lab ${base?.n}`).toEqual([])
    }
  })

  it(`the default target is lab ${DEFAULT_TARGET}`, () => {
    expect(labExists(findLab(String(DEFAULT_TARGET)))).toBe(true)
  })
})

describe.concurrent('the battery against every lab', () => {
  it.each(targets.map((lab) => [lab.n, lab] as const))(
    'lab %i',
    async (_n, lab) => {
      // A server of its own: the battery floods its connections (connection-flood), which would make every
      // other test using a shared server fail meanwhile; and lab 7's checks rotate the provider's keys.
      const server = await ownLab(lab)
      const report = await runBattery(server.base, lab)

      // No breach of what the lab declares, and every attack could run.
      expect(list(breaches(report)), 'breaches').toBe('')
      expect(list(report.results.filter((r) => r.outcome === 'error')), 'attacks that could not run').toBe('')
      // Every declared defence is real: at least one attack on it applies, and is blocked.
      const tested = new Set(report.results.filter((r) => r.declared && r.outcome === 'blocked').map((r) => r.attack.defence))
      expect(
        report.declared.filter((defence) => !tested.has(defence)),
        'declared defences no attack tested',
      ).toEqual([])

      if (lab.n <= 4) {
        // Honest declarations: what a lab does not declare, it does not have (got through, or nothing to attack).
        expect(list(report.results.filter((r) => !r.declared && r.outcome === 'blocked')), 'blocked by an undeclared defence').toBe('')
      }
      if (lab.n === 1) {
        const tokenAndGate = ofGroup(report, 'tokens', 'audience', 'gate')
        expect(list(tokenAndGate.filter((r) => r.outcome !== 'n/a' && r.outcome !== 'got through')), 'lab 1: token and gate attacks').toBe(
          '',
        )
        expect(tokenAndGate.filter((r) => r.outcome === 'got through').length).toBeGreaterThan(20)
      }
      if (lab.n === 3) {
        const gate = report.results.filter((r) => r.attack.defence === 'scope-gate' && r.outcome !== 'n/a')
        expect(gate.length).toBeGreaterThan(3)
        expect(list(gate.filter((r) => r.outcome !== 'got through')), 'lab 3: gate attacks that did not get through').toBe('')
        expect(list(ofGroup(report, 'tokens').filter((r) => r.outcome !== 'blocked')), 'lab 3: token attacks not blocked').toBe('')
      }
      if (lab.n === 5) {
        expect(list(report.results.filter((r) => r.outcome !== 'blocked')), `lab ${lab.n}: not blocked`).toBe('')
      }
      if (lab.n === 7) {
        expect(
          list(report.results.filter((r) => r.outcome === 'got through' && r.attack.defence !== 'live-token-check')),
          'lab 7: got through',
        ).toBe('')
        expect(list(report.results.filter((r) => r.outcome === 'n/a')), 'lab 7: n/a').toBe('')
      }

      // RFC 6750 §5.3, MCP security: nothing the battery obtained (tokens, codes, secrets, passwords) is in a log line.
      const logs = server.output()
      expect(leakedLines(logs, report.secrets)).toEqual([])
    },
    TIMEOUT,
  )
})

describe('the commands', () => {
  const run = (args: string[], env: Record<string, string> = {}) => {
    const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 100_000,
      env: { ...process.env, FORCE_COLOR: '0', ...env },
    })
    return { status: result.status, out: `${result.stdout}${result.stderr}` }
  }

  it(
    'npm run step 8 -- --target 3: starts lab 3, prints the table and the lesson, stops it, exits 0',
    () => {
      const { status, out } = run(['scripts/step.ts', '8', '--target', '3'])
      expect(out).toMatch(/Attacking lab 3 \(03-metadata\)/)
      expect(out).toMatch(/a notes:read token calls purge_notes .*GOT THROUGH/)
      expect(out).toMatch(/expected: lab 3 has no scope-gate yet \(lab 4 adds it\)/)
      expect(out).toMatch(/no declared defence was breached/)
      expect(status).toBe(0)
    },
    TIMEOUT,
  )

  it(
    'lab 7 in introspection mode (opaque tokens, asked about on every call): nothing gets through, revoked tokens included',
    () => {
      const { status, out } = run(['scripts/step.ts', '8', '--target', '7'], {
        ACCESS_TOKEN_FORMAT: 'opaque',
        TOKEN_VALIDATION: 'introspection',
      })
      expect(out).toMatch(/an access token used after the client revoked it .*live-token-check +blocked/)
      expect(out).toMatch(/after a code replay, does the first access token still work\? .*live-token-check +blocked/)
      expect(out).toMatch(/lab 7: \d+ attacks — \d+ blocked, 0 got through/)
      expect(out).toMatch(/no declared defence was breached/)
      expect(status).toBe(0)
    },
    TIMEOUT,
  )

  it(
    "the battery exits 1 exactly when a declared defence is breached: lab 3's server judged by lab 4's declarations",
    async () => {
      const server = await ownLab(findLab('3')) // the whole battery, flood included
      const { status, out } = run(['labs/08-attacks/battery.ts', '--target', '4', server.base])
      expect(out).toMatch(/BREACH: lab 4 declares scope-gate/)
      expect(status).toBe(1)
    },
    TIMEOUT,
  )

  it('an unknown target lists the labs and exits 2', () => {
    const { status, out } = run(['scripts/step.ts', '8', '--target', '99'])
    expect(out).toMatch(/There is no lab "99"/)
    expect(out).toContain('npm run step 8 -- --target N')
    expect(status).toBe(2)
  })
})
