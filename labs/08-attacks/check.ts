// Lab 8's checks: `npm run check 8`. Each runs the whole battery against a lab and checks the
// table says what the workshop promises: lab 5 stops everything, lab 1 stops only what a transport
// can, lab 3 verifies tokens but has no scope gate yet. They get lab 5's server (the default target)
// and start the others themselves.
import { type Check, assert } from '@workshop/kit/checks'
import { type Lab, findLab, labExists } from '@workshop/kit/labs'
import { startLab } from '@workshop/kit/lab-process'
import { runIfMain } from '@workshop/kit/run-checks'
import { type Report, type Result, breaches, runBattery } from './battery.ts'

const SPEC = 'RFC 8725, OAuth 2.1 §7, MCP security best practices'

/** The battery against lab `n`: on `base` if given, else on a server of its own started for the purpose. */
async function battery(n: number, base?: string): Promise<Report> {
  const lab = findLab(String(n))
  if (base !== undefined) return runBattery(base, lab)
  const server = await startLab(lab)
  try {
    return await runBattery(server.base, lab)
  } finally {
    await server.stop()
  }
}

const list = (results: Result[]) => results.map((r) => `${r.attack.id} (${r.outcome}: ${r.evidence})`).join('; ')

/** No breach of a declared defence, and no attack the battery could not run. */
function expectClean(report: Report): void {
  assert(breaches(report).length === 0, `lab ${report.lab.n}'s declared defences were breached: ${list(breaches(report))}`)
  const errors = report.results.filter((r) => r.outcome === 'error')
  assert(errors.length === 0, `attacks that could not run: ${list(errors)}`)
}

/** Every attack on a defence the lab does not declare gets through (or has nothing to attack): the declarations are honest. */
function expectOnlyDeclaredDefences(report: Report): void {
  const stopped = report.results.filter((r) => !r.declared && r.outcome === 'blocked')
  assert(stopped.length === 0, `blocked by a defence lab ${report.lab.n} does not declare: ${list(stopped)}`)
}

const lab7: Lab | undefined = labExists(findLab('7')) ? findLab('7') : undefined

export const checks: Check[] = [
  {
    id: 'target-5',
    title: 'against lab 5 (the server these checks were given), every attack is blocked',
    spec: SPEC,
    async run(t) {
      const report = await battery(5, t.base)
      expectClean(report)
      const open = report.results.filter((r) => r.outcome !== 'blocked')
      assert(open.length === 0, `not blocked: ${list(open)}`)
    },
  },
  {
    id: 'target-1',
    title: 'against lab 1, every attack on a token, the gate or a defence it lacks gets through; its transport defences hold',
    spec: SPEC,
    async run() {
      const report = await battery(1)
      expectClean(report)
      expectOnlyDeclaredDefences(report)
      const tokenAndGate = report.results.filter((r) => ['tokens', 'audience', 'gate'].includes(r.attack.group) && r.outcome !== 'n/a')
      assert(
        tokenAndGate.length > 0 && tokenAndGate.every((r) => r.outcome === 'got through'),
        `token and gate attacks that did not get through lab 1: ${list(tokenAndGate.filter((r) => r.outcome !== 'got through'))}`,
      )
      const declared = report.results.filter((r) => r.declared && r.outcome !== 'n/a')
      assert(
        declared.length > 0 && declared.every((r) => r.outcome === 'blocked'),
        `transport attacks not blocked: ${list(declared.filter((r) => r.outcome !== 'blocked'))}`,
      )
    },
  },
  {
    id: 'target-3',
    title: 'against lab 3, the scope-gate attacks get through while every token attack is blocked',
    spec: SPEC,
    async run() {
      const report = await battery(3)
      expectClean(report)
      expectOnlyDeclaredDefences(report)
      const gate = report.results.filter((r) => r.attack.defence === 'scope-gate' && r.outcome !== 'n/a')
      assert(
        gate.length > 0 && gate.every((r) => r.outcome === 'got through'),
        `scope-gate attacks that did not get through lab 3: ${list(gate.filter((r) => r.outcome !== 'got through'))}`,
      )
      const tokens = report.results.filter((r) => r.attack.group === 'tokens' || (r.attack.group === 'audience' && r.outcome !== 'n/a'))
      assert(
        tokens.every((r) => r.outcome === 'blocked'),
        `token attacks that were not blocked: ${list(tokens.filter((r) => r.outcome !== 'blocked'))}`,
      )
    },
  },
  ...(lab7 === undefined
    ? []
    : [
        {
          id: 'target-7',
          title: 'against lab 7, every attack on a defence it declares is blocked; only a revoked JWT outlives its revocation',
          spec: SPEC,
          async run() {
            const report = await battery(7)
            expectClean(report)
            const declared = report.results.filter((r) => r.declared)
            assert(
              declared.length > 0 && declared.every((r) => r.outcome === 'blocked'),
              `not blocked: ${list(declared.filter((r) => r.outcome !== 'blocked'))}`,
            )
            // The lesson of lab 7's JWTs: checked offline, a revoked access token works until it expires.
            const through = report.results.filter((r) => r.outcome === 'got through' && r.attack.defence !== 'live-token-check')
            assert(through.length === 0, `got through: ${list(through)}`)
          },
        } satisfies Check,
      ]),
]

await runIfMain(import.meta.url)
