// Every plausible wrong answer is caught: each mutant (test/mutants/lab-0N.ts) is one edit inside an
// exercise's region, applied to a copy of its lab. All copies are typechecked together, then each is
// started and graded by its exercise's checks: at least one must fail (the one it names as caughtBy, if
// it names one). A mutant that does not compile or does not start proves nothing: both fail here.
// `npm run mutants` (MUTANTS_FULL=1) also runs every check outside the exercise's list on each mutant:
// they must all pass, or the mutant is not the small, plausible mistake it claims to be.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Check, runCheck } from '@workshop/kit/checks'
import { type Exercise, EXERCISES } from '@workshop/kit/exercises'
import { findLab } from '@workshop/kit/labs'
import { type RunningLab, startLab } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'
import { regionsOf, writePractice } from '@workshop/kit/practice'
import type { Mutant } from './mutants/types.ts'

const FULL = process.env.MUTANTS_FULL === '1'
const MUTANTS_DIR = join(ROOT, 'test', 'mutants')

// Every lab-0N.ts in test/mutants/, lab 6's too when its engineer has added it.
const files = readdirSync(MUTANTS_DIR).filter((file) => /^lab-\d\d\.ts$/.test(file))
// MUTANTS_LABS=1,2 runs only those labs' mutants (e.g. `MUTANTS_LABS=5 npm run mutants`).
const only = process.env.MUTANTS_LABS?.split(',').map(Number)
const MUTANTS: Mutant[] = (
  await Promise.all(files.map(async (file) => (await import(pathToFileURL(join(MUTANTS_DIR, file)).href)).default as Mutant[]))
)
  .flat()
  .filter((mutant) => only === undefined || only.includes(mutant.lab))

const exerciseOf = (mutant: Mutant): Exercise => {
  const exercise = EXERCISES.find((e) => e.lab === mutant.lab && e.name === mutant.exercise)
  if (exercise === undefined) throw new Error(`${mutant.name}: lab ${mutant.lab} has no exercise ${mutant.exercise}`)
  if (exercise.file !== mutant.file)
    throw new Error(`${mutant.name}: exercise ${mutant.exercise} is in ${exercise.file}, not ${mutant.file}`)
  return exercise
}

/** The file with the mutant's edit made: `find` exactly once, and inside the exercise's region. */
function mutated(source: string, mutant: Mutant): string {
  const at = source.indexOf(mutant.find)
  if (at === -1) throw new Error(`${mutant.name}: "${mutant.find}" is not in ${mutant.file}`)
  if (source.indexOf(mutant.find, at + 1) !== -1) throw new Error(`${mutant.name}: "${mutant.find}" is in ${mutant.file} more than once`)
  const region = regionsOf(source).find((r) => r.name === mutant.exercise)
  if (region === undefined) throw new Error(`${mutant.name}: ${mutant.file} has no region "exercise: ${mutant.exercise}"`)
  const startLine = source.slice(0, at).split('\n').length - 1
  const endLine = startLine + mutant.find.split('\n').length - 1
  if (startLine <= region.start || endLine >= region.end)
    throw new Error(
      `${mutant.name}: "${mutant.find}" (line ${startLine + 1}) is outside exercise ${mutant.exercise} ` +
        `(lines ${region.start + 2}–${region.end})`,
    )
  return source.slice(0, at) + mutant.replace + source.slice(at + mutant.find.length)
}

// Checks that grade fewer exercises first: the specific ones are likelier to catch, so the proof comes sooner.
const specificFirst = (exercise: Exercise, checks: Check[]): Check[] => {
  const graders = (id: string) => EXERCISES.filter((e) => e.lab === exercise.lab && e.checks.includes(id)).length
  return checks.filter((c) => exercise.checks.includes(c.id)).sort((a, b) => graders(a.id) - graders(b.id))
}

const folders: string[] = []
const running: RunningLab[] = []
const copies = new Map<Mutant, string>()
const typeErrors = new Map<Mutant, string[]>()
const caught: string[] = []

beforeAll(() => {
  // One copy per mutant, at the depth of practice/NN-name (git-ignored: .practice-*).
  for (const mutant of MUTANTS) {
    exerciseOf(mutant)
    const lab = findLab(mutant.lab)
    const folder = mkdtempSync(join(ROOT, '.practice-mutant-'))
    folders.push(folder)
    const dir = join(folder, lab.dir)
    writePractice(lab, dir, () => false) // the lab itself, no stubs
    // Lab 7's checks walk lab 6's client from beside it (../06-client), as in labs/.
    if (lab.n === 7) writePractice(findLab(6), join(folder, findLab(6).dir), () => false)
    const file = join(dir, mutant.file)
    writeFileSync(file, mutated(readFileSync(file, 'utf8'), mutant))
    copies.set(mutant, dir)
  }
  // One tsc run over every copy's server code (its checks are the lab's own, unchanged).
  const tsc = mkdtempSync(join(ROOT, '.practice-tsc-'))
  folders.push(tsc)
  writeFileSync(
    join(tsc, 'tsconfig.json'),
    JSON.stringify({
      extends: '../tsconfig.json',
      include: [...copies.values()].map((dir) => `${relative(tsc, dir)}/**/*.ts`),
      exclude: ['../**/check*.ts'],
    }),
  )
  const bin = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const result = spawnSync(process.execPath, [bin, '-p', tsc], { cwd: ROOT, encoding: 'utf8' })
  const output = result.stdout + result.stderr
  for (const [mutant, dir] of copies) {
    const mine = relative(ROOT, dir)
    typeErrors.set(
      mutant,
      output.split('\n').filter((line) => line.includes(mine)),
    )
  }
  if (result.status !== 0 && [...typeErrors.values()].every((errors) => errors.length === 0)) throw new Error(`tsc failed:\n${output}`)
}, 240_000)

afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()))
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
  console.log(caught.sort().join('\n'))
})

describe('the mutants', () => {
  it('every exercise of labs 1–7 has mutants (lab 6 when test/mutants/lab-06.ts is there)', () => {
    const labs = new Set(MUTANTS.map((m) => m.lab))
    for (const exercise of EXERCISES.filter((e) => labs.has(e.lab)))
      expect(
        MUTANTS.filter((m) => m.lab === exercise.lab && m.exercise === exercise.name).length,
        `lab ${exercise.lab}, ${exercise.name}`,
      ).toBeGreaterThanOrEqual(3)
  })

  it('an edit that is not in the file, is there twice, or lies outside its region is refused', () => {
    const source = ['before', '// #region exercise: x', 'twice', 'twice', 'inside', '// #endregion', 'after'].join('\n')
    const edit = { lab: 1, exercise: 'x', name: 'edit', file: 'f.ts', replace: 'changed' }
    expect(mutated(source, { ...edit, find: 'inside' })).toContain('\nchanged\n')
    expect(() => mutated(source, { ...edit, find: 'nowhere' })).toThrow(/is not in/)
    expect(() => mutated(source, { ...edit, find: 'twice' })).toThrow(/more than once/)
    expect(() => mutated(source, { ...edit, find: 'after' })).toThrow(/outside exercise x/)
    expect(() => mutated(source, { ...edit, find: 'inside\n// #endregion' })).toThrow(/outside exercise x/)
  })
})

describe.concurrent('each mutant is caught by its exercise’s checks', () => {
  it.each(MUTANTS.map((mutant) => [mutant.lab, mutant.exercise, mutant.name, mutant] as const))(
    'lab %i, %s: %s',
    async (_lab, _exercise, name, mutant) => {
      expect(typeErrors.get(mutant), 'the mutant must typecheck').toEqual([])
      const exercise = exerciseOf(mutant)
      const dir = copies.get(mutant)!
      const checks: Check[] = (await import(pathToFileURL(join(dir, 'check.ts')).href)).checks
      const started = Date.now()
      const server = await startLab(findLab(mutant.lab), { dir })
      running.push(server)
      try {
        let by: string | undefined
        if (mutant.caughtBy !== undefined) {
          const proof = checks.find((c) => c.id === mutant.caughtBy)
          expect(proof, `${mutant.caughtBy} is not a check of lab ${mutant.lab}`).toBeDefined()
          expect(exercise.checks, `${mutant.caughtBy} does not grade ${exercise.name}`).toContain(mutant.caughtBy)
          const result = await runCheck(proof!, server.base)
          expect(result.ok, `${mutant.caughtBy} passes on "${name}"`).toBe(false)
          by = mutant.caughtBy
        } else {
          for (const check of specificFirst(exercise, checks)) {
            if (!(await runCheck(check, server.base)).ok) {
              by = check.id
              break
            }
          }
        }
        expect(by, `no check of ${exercise.name} fails on "${name}": the wrong answer passes`).toBeDefined()
        caught.push(
          `lab ${mutant.lab}  ${mutant.exercise.padEnd(20)} ${name.padEnd(70)} ${by} (${Math.round((Date.now() - started) / 1000)} s)`,
        )
        if (FULL) {
          const failing: string[] = []
          for (const check of checks.filter((c) => !exercise.checks.includes(c.id)))
            if (!(await runCheck(check, server.base)).ok) failing.push(check.id)
          expect(failing, `checks outside ${exercise.name}'s list that fail on "${name}"`).toEqual([])
        }
      } finally {
        await server.stop()
      }
    },
    FULL ? 900_000 : 300_000,
  )
})
