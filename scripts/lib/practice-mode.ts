// `npm run practice N`: the learner's copy of lab N in practice/NN-name/ (git-ignored), made once and kept
// across runs, with its exercises stubbed; what the guide adds for it (hints, a solution's diff, which
// exercise a failing check grades); and a watch that restarts the server when a practice file is saved.
import { spawn } from 'node:child_process'
import { type Dirent, type FSWatcher, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, watch, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, sep } from 'node:path'
import { createInterface } from 'node:readline/promises'
import { chalk } from 'zx'
import { type Exercise, type Part, exercisesOf, exercisesOfCheck, partsOf } from '@workshop/kit/exercises'
import { type Lab } from '@workshop/kit/labs'
import { ROOT } from '@workshop/kit/paths'
import {
  type ExerciseState,
  applySolution,
  changedFiles,
  exerciseState,
  practicePath,
  removePractice,
  replaceRegion,
  solutionBody,
  stubbed,
  writePractice,
} from '@workshop/kit/practice'

export interface Practice {
  dir: string
  /** the exercises practised now: all of the lab's, or one part's (lab 5) */
  exercises: Exercise[]
  /** `--part N`: only this part's exercise is stubbed, and [c] runs only this part's checks */
  part?: Part
}

export interface PrepareOptions {
  reset: boolean
  /** exercises whose solution to put in (all of them when empty); undefined: none */
  solution?: string[]
  /** the learner said yes in advance (no terminal to ask in) */
  yes: boolean
  terminal: boolean
  /** lab 5 in parts: stub only this part's exercise, and put the solution in every other */
  part?: Part
  /** with a part: keep the learner's own code in the other exercises instead of the solution */
  keepMine?: boolean
}

/** Asks a yes/no question in a terminal; no terminal means no, unless --yes said yes. */
async function confirm(question: string, options: PrepareOptions): Promise<boolean> {
  if (options.yes) return true
  if (!options.terminal) return false
  const rl = createInterface({ input: process.stdin, output: process.stdout })
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim())
  } finally {
    rl.close()
  }
}

const states = (lab: Lab, dir: string) =>
  exercisesOf(lab).map((exercise) => `${exercise.name} (${exercise.file}): ${describeState(exerciseState(lab, exercise, dir))}`)

const describeState = (state: ExerciseState) => ({ stub: 'to write', solution: 'solved', yours: 'your code' })[state]

const names = (exercises: Exercise[]) => exercises.map((e) => e.name).join(', ')

/**
 * Makes (or keeps) practice/NN-name/; --reset and --solution never overwrite a learner's code without asking.
 * With a part (lab 5), only that part's exercise is the learner's to write: every other one holds the solution,
 * so that the part's checks grade that exercise alone (the code flow needs registration, refresh needs the flow).
 */
export async function preparePractice(lab: Lab, options: PrepareOptions): Promise<Practice> {
  const all = exercisesOf(lab)
  if (all.length === 0) throw new Error(`lab ${lab.n} has no exercises (labs 1 to 7 do): npm run step ${lab.n}`)
  const { part } = options
  const exercises = part ? all.filter((e) => e.part === part.part) : all
  const others = all.filter((e) => !exercises.includes(e))
  const dir = practicePath(lab)
  const shown = relative(ROOT, dir)
  if (options.reset && existsSync(dir)) {
    const yours = all.filter((e) => exerciseState(lab, e, dir) === 'yours').map((e) => e.name)
    const changed = changedFiles(lab, dir)
    const loses = [...yours.map((name) => `exercise ${name}`), ...changed].join(', ')
    if (loses && !(await confirm(`Start ${shown} over, and lose your code in ${loses}?`, options))) {
      throw new Error(`${shown} keeps your code in ${loses}; to start over anyway: npm run practice ${lab.n} -- --reset --yes`)
    }
    removePractice(lab, dir)
  }
  if (!existsSync(dir)) {
    writePractice(lab, dir, (e) => exercises.includes(e))
    const what = `${exercises.length} exercise${exercises.length === 1 ? '' : 's'} to write`
    console.log(
      chalk.bold(
        part
          ? `made ${shown}/: lab ${lab.n}, part ${part.part}: ${what} (${names(exercises)}); the others hold the solution`
          : `made ${shown}/: lab ${lab.n} with ${what}`,
      ),
    )
  } else {
    console.log(chalk.dim(`${shown}/ is yours from last time (npm run practice ${lab.n} -- --reset starts over)`))
    if (part) await arrangePart(lab, part, exercises, others, options)
  }
  if (options.solution !== undefined) {
    const unknown = options.solution.filter((name) => !all.some((e) => e.name === name))
    if (unknown.length > 0) throw new Error(`lab ${lab.n} has no exercise ${unknown.join(', ')}: its exercises are ${names(all)}`)
    const chosen = all.filter((e) => options.solution!.length === 0 || options.solution!.includes(e.name))
    for (const exercise of chosen) {
      if (
        exerciseState(lab, exercise, dir) === 'yours' &&
        !(await confirm(`Replace your code in ${exercise.name} with the solution?`, options))
      ) {
        console.log(chalk.yellow(`kept your code in ${exercise.name} (add --yes to replace it)`))
        continue
      }
      applySolution(lab, exercise, dir)
      console.log(chalk.dim(`put the solution of ${exercise.name} in ${shown}/${exercise.file}`))
    }
  }
  for (const line of states(lab, dir)) console.log(chalk.dim(`  ${line}`))
  if (!part && partsOf(lab).length > 0)
    console.log(chalk.dim(`lab ${lab.n} is taken in parts, one exercise each: npm run practice ${lab.n} -- --part 1 (to 4)`))
  return { dir, exercises, part }
}

/**
 * An existing copy taken to one part: the part's exercise stubbed if it held the solution (the learner loses
 * nothing), every other exercise solved, except the learner's own code, which is replaced only with --yes
 * (or a yes in the terminal) and kept with --keep-mine.
 */
async function arrangePart(lab: Lab, part: Part, exercises: Exercise[], others: Exercise[], options: PrepareOptions): Promise<void> {
  const dir = practicePath(lab)
  const shown = relative(ROOT, dir)
  // first every question (a refusal changes nothing), then the changes
  const solve: Exercise[] = []
  for (const exercise of others) {
    const state = exerciseState(lab, exercise, dir)
    if (state === 'solution') continue
    if (state === 'yours') {
      if (options.keepMine) {
        console.log(chalk.yellow(`kept your code in ${exercise.name} (--keep-mine): its checks grade it too`))
        continue
      }
      const question =
        `Part ${part.part} grades ${names(exercises)} with the other exercises solved. ` +
        `Replace your code in ${exercise.name} with the solution?`
      if (!(await confirm(question, options))) {
        throw new Error(
          `${shown}/${exercise.file} holds your code in ${exercise.name}, and part ${part.part} grades ${names(exercises)} alone:\n` +
            `  npm run practice ${lab.n} -- --part ${part.part} --keep-mine   keeps yours (its checks grade it too)\n` +
            `  npm run practice ${lab.n} -- --part ${part.part} --yes         puts the solution over it`,
        )
      }
    }
    solve.push(exercise)
  }
  for (const exercise of exercises) {
    if (exerciseState(lab, exercise, dir) !== 'solution') continue
    const file = join(dir, exercise.file)
    writeFileSync(file, stubbed(lab, exercise, readFileSync(file, 'utf8')))
    console.log(chalk.dim(`${exercise.name} held the solution: it is yours to write again (--solution ${exercise.name} puts it back)`))
  }
  for (const exercise of solve) {
    applySolution(lab, exercise, dir)
    console.log(
      chalk.dim(`put the solution of ${exercise.name} in ${shown}/${exercise.file} (part ${part.part} practises ${names(exercises)})`),
    )
  }
}

/** The guide's lines about the practice copy: where it is and where each exercise stands. */
export function practiceLines(lab: Lab, practice: Practice): string[] {
  const mark = (e: Exercise) => {
    const state = exerciseState(lab, e, practice.dir)
    return state === 'stub' ? chalk.yellow('to write') : state === 'solution' ? chalk.green('solved') : chalk.cyan('yours')
  }
  const parts = practice.exercises.map((e) => `${e.name} ${chalk.dim(`(${e.file})`)} ${mark(e)}`)
  const where = `  ${chalk.bold('practice')}      ${relative(ROOT, practice.dir)}/`
  if (!practice.part) return [`${where}  ${parts.join(', ')}`]
  const others = exercisesOf(lab).filter((e) => !practice.exercises.includes(e))
  const yours = others.filter((e) => exerciseState(lab, e, practice.dir) !== 'solution')
  const rest = yours.length === 0 ? 'the others solved' : `also ${yours.map((e) => `${e.name} ${mark(e)}`).join(', ')}`
  return [`${where}  part ${practice.part.part}: ${parts.join(', ')}; ${rest}`]
}

/**
 * Under a failed check: the exercise(s) it grades that the copy does not hold the solution of. An exercise
 * that is the lab's own code is never blamed; when every one is, the learner's other changes are named.
 */
export function exerciseNote(lab: Lab, checkId: string, dir = practicePath(lab)): string | undefined {
  const graded = exercisesOfCheck(lab, checkId)
  if (graded.length === 0) return undefined
  const blamed = graded.filter((e) => exerciseState(lab, e, dir) !== 'solution')
  if (blamed.length > 0) return `↳ exercise ${blamed.map((e) => `${e.name} (${e.file})`).join(' or ')}`
  const changed = changedFiles(lab, dir)
  return changed.length > 0
    ? `↳ its exercises hold the solution; your other changes: ${changed.join(', ')}`
    : "↳ its exercises hold the solution, and no other file differs from the lab's"
}

/** [h]: the next hint, exercise after exercise (the ones still to write first). */
export class Hints {
  private given = new Map<string, number>()
  constructor(
    private readonly lab: Lab,
    private readonly practice: Practice,
  ) {}

  next(): string {
    const order = [...this.practice.exercises].sort(
      (a, b) =>
        Number(exerciseState(this.lab, a, this.practice.dir) === 'solution') -
        Number(exerciseState(this.lab, b, this.practice.dir) === 'solution'),
    )
    // the first exercise with a hint left; when every hint was given, start over
    const exercise = order.find((e) => (this.given.get(e.name) ?? 0) < e.hints.length) ?? (this.given.clear(), order[0])
    const n = this.given.get(exercise.name) ?? 0
    this.given.set(exercise.name, n + 1)
    return [
      `${chalk.bold(`exercise ${exercise.name}`)} ${chalk.dim(`(${exercise.file}), hint ${n + 1} of ${exercise.hints.length}`)}`,
      `  ${exercise.task}`,
      `  ${chalk.cyan(exercise.hints[n])}`,
    ].join('\n')
  }
}

/** [s]: what the solution of one exercise would change in the learner's file, as a coloured diff. */
export async function solutionDiff(lab: Lab, practice: Practice, exercise: Exercise): Promise<string> {
  const file = join(practice.dir, exercise.file)
  const mine = readFileSync(file, 'utf8')
  const solved = replaceRegion(mine, exercise.name, solutionBody(lab, exercise))
  const scratch = mkdtempSync(join(tmpdir(), 'solution-'))
  const [a, b] = [join(scratch, 'yours.ts'), join(scratch, 'solution.ts')]
  writeFileSync(a, mine)
  writeFileSync(b, solved)
  const diff = await new Promise<string>((resolve) => {
    const git = spawn('git', ['diff', '--no-index', '--color=always', '--', a, b], { stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    git.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    git.once('close', () => resolve(out))
    git.once('error', () => resolve(''))
  })
  const title = chalk.bold(`the solution of ${exercise.name}, against your ${relative(ROOT, file)}`)
  if (diff === '') return `${title}\n${chalk.green('yours is the solution already')}\n`
  return `${title}\n${diff.replace(/^(\S*)(diff --git|index |--- |\+\+\+ ).*\n/gm, '')}`
}

/**
 * Calls `onSave` when a file of the practice copy is saved, once for a burst of writes (editors write
 * twice, or write and rename). The checks file is not the learner's to change: it is the lab's.
 *
 * Each folder is watched on its own, never each file: many editors save by writing a temporary file and
 * renaming it over the old one (sed -i, vim, JetBrains "safe write"), which gives the file a new inode.
 * A watch on a file follows its inode and goes deaf after such a save; Node's recursive watch on Linux
 * watches files that way. A folder's watch sees every name written, renamed in or created, whatever
 * its inode. A folder created later is watched from then on.
 */
export function watchPractice(dir: string, onSave: (file: string) => void): () => void {
  let timer: NodeJS.Timeout | undefined
  let changed = ''
  const watchers = new Map<string, FSWatcher>()
  const saved = (file: string) => {
    if (!/\.ts$/.test(file) || /(^|\/)check[^/]*\.ts$/.test(file)) return
    changed = file
    clearTimeout(timer)
    timer = setTimeout(() => onSave(changed), 300)
  }
  const watchFolder = (folder: string) => {
    if (watchers.has(folder)) return
    let watcher: FSWatcher
    try {
      watcher = watch(folder, (_event, name) => {
        if (name === null) return
        const path = join(folder, String(name))
        if (isFolder(path)) return watchFolder(path)
        saved(relative(dir, path).split(sep).join('/'))
      })
    } catch {
      return // gone already
    }
    watcher.on('error', () => {
      watcher.close() // a folder removed under us: nothing left to watch there
      watchers.delete(folder)
    })
    watchers.set(folder, watcher)
    let entries: Dirent[] = []
    try {
      entries = readdirSync(folder, { withFileTypes: true })
    } catch {
      // removed meanwhile: its watcher reports the error
    }
    for (const entry of entries) if (entry.isDirectory() && entry.name !== 'node_modules') watchFolder(join(folder, entry.name))
  }
  watchFolder(dir)
  return () => {
    clearTimeout(timer)
    for (const watcher of watchers.values()) watcher.close()
    watchers.clear()
  }
}

const isFolder = (path: string) => {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false // removed: a file deleted (the save that recreates it follows)
  }
}
