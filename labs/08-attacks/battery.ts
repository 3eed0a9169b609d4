// The battery: every attack against one running lab, and the table of what stopped each one.
//   npm run step 8 -- --target 3                       (starts lab 3, attacks it, stops it)
//   npx tsx labs/08-attacks/battery.ts --target 5 http://127.0.0.1:9000 [--verbose]
// Exit status: 1 when an attack got through a defence the target declares (defences.ts),
// 2 when the battery itself could not run an attack, else 0. An attack that gets through a defence
// the lab does not have yet is the lesson, not a failure.
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { chalk } from 'zx'
import { DEFAULT_TARGET, LABS, type Lab, findLab, serverLab } from '@workshop/kit/labs'
import { ATTACKS } from './attacks/index.ts'
import { type Attack, DEFENCES, type Defence, GROUPS, type Group, type Outcome } from './attacks/types.ts'
import { LAB_DEFENCES } from './defences.ts'
import { AttackContext, type Target, describeTarget, discoverTarget } from './context.ts'

export interface Result {
  attack: Attack
  outcome: Outcome['outcome'] | 'error'
  evidence: string
  /** defences.ts lists this attack's defence for the target */
  declared: boolean
}

export interface Report {
  lab: Lab
  base: string
  target: Target
  declared: Defence[]
  results: Result[]
  /** the tokens, codes and secrets the battery obtained: what the target must never log */
  secrets: string[]
  /** for each defence the target lacks, the first later lab that declares it */
  addedBy: Partial<Record<Defence, Lab>>
}

/** The defences lab N is meant to have (defences.ts): those of the server it runs. */
export function declaredDefences(lab: Lab): Defence[] {
  return [...(LAB_DEFENCES[serverLab(lab).dir] ?? [])]
}

/** For each defence `lab` does not declare, the first later lab that does: "lab 4 adds it". */
function laterLabs(lab: Lab, declared: Defence[]): Partial<Record<Defence, Lab>> {
  const addedBy: Partial<Record<Defence, Lab>> = {}
  for (const later of LABS.filter((l) => l.n > lab.n && !l.attacks)) {
    for (const defence of declaredDefences(later)) if (!declared.includes(defence)) addedBy[defence] ??= later
  }
  return addedBy
}

/** Runs every attack (or those `only` selects) against the lab `lab` running at `base`, one at a time. */
export async function runBattery(
  base: string,
  lab: Lab,
  options: { only?: (attack: Attack) => boolean; onStart?: (report: Report) => void; onResult?: (result: Result) => void } = {},
): Promise<Report> {
  const target = await discoverTarget(base.replace(/\/mcp\/?$/, ''))
  const declared = declaredDefences(lab)
  const addedBy = laterLabs(lab, declared)
  options.onStart?.({ lab, base: target.base, target, declared, results: [], secrets: [], addedBy })
  const ctx = new AttackContext(target)
  const results: Result[] = []
  for (const attack of ATTACKS.filter(options.only ?? (() => true))) {
    let result: Result
    try {
      const { outcome, evidence } = await attack.run(ctx)
      result = { attack, outcome, evidence, declared: declared.includes(attack.defence) }
    } catch (error) {
      result = {
        attack,
        outcome: 'error',
        evidence: `${(error as Error).name}: ${(error as Error).message}`.split('\n')[0],
        declared: declared.includes(attack.defence),
      }
    }
    results.push(result)
    options.onResult?.(result)
  }
  return { lab, base: target.base, target, declared, results, secrets: [...ctx.secrets()], addedBy }
}

/** The attacks that got through a defence the target declares: bugs. */
export const breaches = (report: Report): Result[] => report.results.filter((r) => r.outcome === 'got through' && r.declared)

// ---- printing

/** Words joined into lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  for (const word of text.split(' ')) {
    if (lines.length > 0 && `${lines[lines.length - 1]} ${word}`.length <= width) lines[lines.length - 1] += ` ${word}`
    else lines.push(word)
  }
  return lines
}

const cell = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text.padEnd(width))

function outcomeCell(result: Result): string {
  switch (result.outcome) {
    case 'blocked':
      return chalk.green('blocked')
    case 'n/a':
      return chalk.dim('n/a')
    case 'error':
      return chalk.magenta('ERROR')
    default:
      return result.declared ? chalk.red.bold('GOT THROUGH') : chalk.yellow('GOT THROUGH')
  }
}

/** A row (and, for what got through, a line saying what the attacker achieved and whether that is a bug). */
export function formatResult(result: Result, report: Pick<Report, 'lab' | 'addedBy'>, verbose = false): string[] {
  const { lab } = report
  const { attack } = result
  const row = `  ${cell(attack.title, 62)}  ${chalk.dim(cell(attack.rule, 30))}  ${cell(attack.defence, 19)}  ${outcomeCell(result)}`
  const lines = [row]
  if (result.outcome === 'got through') {
    lines.push(chalk.dim(`      ↳ ${result.evidence}`))
    const later = report.addedBy[attack.defence]
    const lesson = later
      ? `expected: lab ${lab.n} has no ${attack.defence} yet (lab ${later.n} adds it)`
      : `expected: lab ${lab.n} does not declare ${attack.defence} (labs/08-attacks/defences.ts)`
    lines.push(
      result.declared
        ? chalk.red(`      BREACH: lab ${lab.n} declares ${attack.defence} (labs/08-attacks/defences.ts)`)
        : chalk.dim.yellow(`      ${lesson}`),
    )
  } else if (result.outcome === 'error' || verbose) {
    lines.push(chalk.dim(`      ↳ ${result.evidence}`))
  }
  return lines
}

export function formatHeader(report: Pick<Report, 'lab' | 'target' | 'declared'>): string[] {
  const missing = Object.keys(DEFENCES).filter((defence) => !report.declared.includes(defence as Defence))
  return [
    chalk.bold(`Attacking lab ${report.lab.n} (${report.lab.dir}) at ${report.target.base}`),
    chalk.dim(`what it says about itself: ${describeTarget(report.target)}`),
    chalk.dim(`the defences it declares (labs/08-attacks/defences.ts): ${report.declared.length} of ${Object.keys(DEFENCES).length}`),
    ...(missing.length > 0 ? wrap(`not (yet): ${missing.join(', ')}`, 100).map((line) => chalk.dim(`  ${line}`)) : []),
    '',
    chalk.dim(`  ${cell('attack', 62)}  ${cell('rule', 30)}  ${cell('defence', 19)}  outcome`),
  ]
}

export const groupHeading = (group: Group): string => `\n${chalk.bold(group)} ${chalk.dim(`— ${GROUPS[group]}`)}`

export function formatSummary(report: Report): string[] {
  const count = (outcome: Result['outcome']) => report.results.filter((r) => r.outcome === outcome).length
  const through = report.results.filter((r) => r.outcome === 'got through')
  const missing = [...new Set(through.filter((r) => !r.declared).map((r) => r.attack.defence))]
  const bad = breaches(report)
  const errors = count('error')
  const lines = [
    '',
    `${chalk.bold(`lab ${report.lab.n}: ${report.results.length} attacks`)} — ${count('blocked')} blocked, ` +
      `${through.length} got through, ${count('n/a')} n/a${errors ? `, ${errors} could not run` : ''}`,
  ]
  if (missing.length > 0)
    lines.push(
      chalk.yellow(
        `got through ${missing.length} defence${missing.length > 1 ? 's' : ''} lab ${report.lab.n} does not declare: ${missing.join(', ')}`,
      ),
    )
  lines.push(
    bad.length === 0
      ? chalk.green('no declared defence was breached')
      : chalk.red.bold(`${bad.length} BREACH${bad.length > 1 ? 'ES' : ''} of declared defences: ${bad.map((r) => r.attack.id).join(', ')}`),
  )
  if (errors)
    lines.push(
      chalk.magenta(`${errors} attack${errors > 1 ? 's' : ''} could not run (ERROR above): the battery, not the target, needs fixing`),
    )
  return lines
}

/** The exit status: 1 on a breach, 2 if an attack could not run, else 0. */
export const exitStatus = (report: Report): number =>
  breaches(report).length > 0 ? 1 : report.results.some((r) => r.outcome === 'error') ? 2 : 0

/** Runs the battery and prints the table as it goes. */
export async function printBattery(
  base: string,
  lab: Lab,
  options: { verbose?: boolean; print?: (line: string) => void } = {},
): Promise<Report> {
  const print = options.print ?? console.log
  let group: Group | undefined
  let addedBy: Report['addedBy'] = {}
  const report = await runBattery(base, lab, {
    onStart(start) {
      addedBy = start.addedBy
      for (const line of formatHeader(start)) print(line)
    },
    onResult(result) {
      if (result.attack.group !== group) {
        group = result.attack.group
        print(groupHeading(group))
      }
      for (const line of formatResult(result, { lab, addedBy }, options.verbose)) print(line)
    },
  })
  for (const line of formatSummary(report)) print(line)
  return report
}

// As a program: the target lab (for its declared defences) and its base URL.
if (process.argv[1] !== undefined && fileURLToPath(pathToFileURL(process.argv[1])) === fileURLToPath(import.meta.url)) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { target: { type: 'string' }, verbose: { type: 'boolean', default: false } },
  })
  const base = positionals[0]
  if (base === undefined || !URL.canParse(base)) {
    console.error(
      'usage: npx tsx labs/08-attacks/battery.ts --target N http://127.0.0.1:PORT [--verbose]   (or: npm run step 8 -- --target N)',
    )
    process.exit(2)
  }
  const lab = findLab(values.target ?? String(DEFAULT_TARGET))
  process.exitCode = exitStatus(await printBattery(base, lab, { verbose: values.verbose }))
}
