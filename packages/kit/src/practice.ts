// Practice mode: a copy of a lab in practice/NN-name/ (git-ignored) with the heart of its lesson taken
// out. Each exercise is a region of the lab's own code, between `// #region exercise: NAME` and
// `// #endregion`; in the copy, its body is replaced by a stub that compiles and fails closed, under a
// TODO with the task and a hint. The lab's checks grade the copy; the lab itself is the solution.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { type Exercise, exercisesOf } from './exercises.ts'
import { type Lab, labPath } from './labs.ts'
import { ROOT } from './paths.ts'
import { labFiles } from './snapshots.ts'

/** practice/, beside labs/ (a test points PRACTICE_DIR at a folder of its own, at the same depth). */
export const PRACTICE_DIR = process.env.PRACTICE_DIR ?? join(ROOT, 'practice')

/** Where lab N's practice copy lives. */
export function practicePath(lab: Lab, file = ''): string {
  return join(PRACTICE_DIR, lab.dir, file)
}

export class RegionError extends Error {
  name = 'RegionError'
}

const START = /^(\s*)\/\/ #region exercise: ([\w-]+)\s*$/
const END = /^\s*\/\/ #endregion\b/

export interface Region {
  name: string
  /** the marker lines' indentation */
  indent: string
  /** index of the `#region` line and of the `#endregion` line */
  start: number
  end: number
  /** the lines between the markers */
  body: string[]
}

/** The exercise regions of a source file, in order. */
export function regionsOf(source: string): Region[] {
  const lines = source.split('\n')
  const regions: Region[] = []
  for (let i = 0; i < lines.length; i++) {
    const start = START.exec(lines[i])
    if (!start) continue
    const end = lines.findIndex((line, j) => j > i && END.test(line))
    if (end === -1) throw new RegionError(`exercise ${start[2]} has no // #endregion`)
    regions.push({ name: start[2], indent: start[1], start: i, end, body: lines.slice(i + 1, end) })
    i = end
  }
  return regions
}

/** Replaces the body of the region named `name` by `body` (lines). */
export function replaceRegion(source: string, name: string, body: string[]): string {
  const region = regionsOf(source).find((r) => r.name === name)
  if (region === undefined) throw new RegionError(`no region "exercise: ${name}"`)
  const lines = source.split('\n')
  return [...lines.slice(0, region.start + 1), ...body, ...lines.slice(region.end)].join('\n')
}

/** What stands in a region in the practice copy: the task, the first hint, and a stub that fails closed. */
export function stubBody(exercise: Exercise, indent: string): string[] {
  const lines = [
    `// TODO (exercise ${exercise.name}): ${exercise.task}`,
    `// Hint: ${exercise.hints[0]}  (npm run practice ${exercise.lab}: [h] for more)`,
    ...exercise.stub.split('\n'),
  ]
  return lines.map((line) => (line.trim() === '' ? '' : `${indent}${line}`))
}

/** The solution of an exercise: the region's body in the lab itself. */
export function solutionBody(lab: Lab, exercise: Exercise): string[] {
  const region = regionsOf(readFileSync(labPath(lab, exercise.file), 'utf8')).find((r) => r.name === exercise.name)
  if (region === undefined) throw new RegionError(`labs/${lab.dir}/${exercise.file} has no region "exercise: ${exercise.name}"`)
  return region.body
}

/** The lab's file with one exercise stubbed. */
export function stubbed(lab: Lab, exercise: Exercise, source = readFileSync(labPath(lab, exercise.file), 'utf8')): string {
  const region = regionsOf(source).find((r) => r.name === exercise.name)
  if (region === undefined) throw new RegionError(`labs/${lab.dir}/${exercise.file} has no region "exercise: ${exercise.name}"`)
  return replaceRegion(source, exercise.name, stubBody(exercise, region.indent))
}

/**
 * Writes a practice copy of `lab` into `dir`: every file of the lab, with the exercises named in `only`
 * (all of them by default) stubbed. Used for practice/NN-name/ and by the tests, in a folder of their own.
 */
export function writePractice(lab: Lab, dir: string, only?: (exercise: Exercise) => boolean): void {
  mkdirSync(dir, { recursive: true })
  cpSync(labPath(lab), dir, { recursive: true })
  for (const exercise of exercisesOf(lab).filter(only ?? (() => true))) {
    const file = join(dir, exercise.file)
    writeFileSync(file, stubbed(lab, exercise, readFileSync(file, 'utf8')))
  }
}

/** Where each exercise of the copy stands: still the stub, solved (the lab's code), or the learner's own. */
export type ExerciseState = 'stub' | 'solution' | 'yours'

export function exerciseState(lab: Lab, exercise: Exercise, dir = practicePath(lab)): ExerciseState {
  const region = regionsOf(readFileSync(join(dir, exercise.file), 'utf8')).find((r) => r.name === exercise.name)
  if (region === undefined) return 'yours' // the markers were removed: it is the learner's code now
  const body = region.body.join('\n')
  if (body === stubBody(exercise, region.indent).join('\n')) return 'stub'
  return body === solutionBody(lab, exercise).join('\n') ? 'solution' : 'yours'
}

/** Puts the lab's solution into the copy, for one exercise or all of them. */
export function applySolution(lab: Lab, exercise: Exercise, dir = practicePath(lab)): void {
  const file = join(dir, exercise.file)
  writeFileSync(file, replaceRegion(readFileSync(file, 'utf8'), exercise.name, solutionBody(lab, exercise)))
}

/** The practice copy's files that differ from the lab's, besides the exercise regions: the learner's own changes. */
export function changedFiles(lab: Lab, dir = practicePath(lab)): string[] {
  return labFiles(lab).filter((file) => {
    const mine = join(dir, file)
    if (!existsSync(mine)) return true
    const exercises = exercisesOf(lab).filter((e) => e.file === file)
    let theirs = readFileSync(labPath(lab, file), 'utf8')
    let ours = readFileSync(mine, 'utf8')
    // Compare with every region blanked: what is inside them is the exercise, not a change.
    for (const exercise of exercises) {
      try {
        theirs = replaceRegion(theirs, exercise.name, [])
        ours = replaceRegion(ours, exercise.name, [])
      } catch {
        return true
      }
    }
    return theirs !== ours
  })
}

/** Removes the practice copy (a learner asked to start over). */
export function removePractice(lab: Lab, dir = practicePath(lab)): void {
  rmSync(dir, { recursive: true, force: true })
  if (existsSync(dirname(dir)) && dirname(dir) !== PRACTICE_DIR) return
}
