// Diffing two labs: `npm run diff A B` and the guide's [d] key.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { chalk } from 'zx'
import { type Part, exercisesOf } from '@workshop/kit/exercises'
import { type Lab, labPath } from '@workshop/kit/labs'
import { ROOT } from '@workshop/kit/paths'
import { practicePath, regionsOf, stubbed } from '@workshop/kit/practice'

export interface DiffOptions {
  /** include README.md files (the lesson text); by default only code is compared */
  all?: boolean
  /** colour the diff (git's --color=always) */
  color?: boolean
  /** paths in the diff are shown relative to this folder (default: the repository root) */
  cwd?: string
  /** only the files the right-hand folder holds: a lab that runs another lab's server holds only its own */
  rightOnly?: boolean
  /** only the files this part of the right-hand lab's lesson reads (lab 5 is taken in parts) */
  part?: Part
  /** the checks' diffs too; by default they are left out, and counted */
  checks?: boolean
  /** the exercise regions as the lab has them, even while the learner practises the lab (see diffLabs) */
  solution?: boolean
  /** a file's text to diff instead of what the folder holds (the exercise regions stubbed); undefined: the file itself */
  content?: (side: 'left' | 'right', file: string) => string | undefined
}

export type Change = 'modified' | 'added' | 'removed'

export interface FileDiff {
  /** path relative to the lab folder */
  file: string
  change: Change
  /** git's diff output for this file */
  patch: string
}

export interface LabDiff {
  files: FileDiff[]
  /** the lab practised (practice/NN-name exists) whose exercise regions show as stubs */
  stubbed: Lab[]
  /** the header line and the per-file patches, ready to print */
  text: string
}

/** Every file under `dir`, as sorted relative paths with "/" separators, skipping node_modules. */
export function listFiles(dir: string, options: { all?: boolean } = {}): string[] {
  const files: string[] = []
  const walk = (sub: string) => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== '.git') walk(rel)
      } else if (entry.isFile() && (options.all || entry.name !== 'README.md')) {
        files.push(rel)
      }
    }
  }
  walk('')
  return files.sort()
}

/** Runs `git diff --no-index` on one pair of paths (either may be /dev/null). */
function gitDiff(left: string, right: string, color: boolean, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ['diff', '--no-index', '--no-ext-diff', `--color=${color ? 'always' : 'never'}`, '--', left, right]
    const git = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    git.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    git.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    git.once('error', (error) => reject(new Error(`could not run git (${error.message}); npm run diff needs git on the PATH`)))
    // exit 0: identical, 1: different, anything else: git failed
    git.once('close', (code) =>
      code === 0 || code === 1 ? resolve(out) : reject(new Error(`git diff failed: ${err.trim() || `exit ${code}`}`)),
    )
  })
}

/** Diffs two folders file by file over the union of their file names. */
export async function diffDirs(leftDir: string, rightDir: string, options: DiffOptions = {}): Promise<FileDiff[]> {
  for (const dir of [leftDir, rightDir]) {
    if (!existsSync(dir)) throw new Error(`${relative(ROOT, dir) || dir} does not exist (yet)`)
  }
  const cwd = options.cwd ?? ROOT
  const left = new Set(listFiles(leftDir, options))
  const right = new Set(listFiles(rightDir, options))
  const union = options.rightOnly ? [...right].sort() : [...new Set([...left, ...right])].sort()
  const shown = (dir: string, file: string) => relative(cwd, join(dir, file))
  // a text given for a file is diffed from a scratch copy, and its path in the patch is the file's own
  const scratch = options.content && mkdtempSync(join(tmpdir(), 'lab-diff-'))
  try {
    const diffs = await Promise.all(
      union.map(async (file): Promise<FileDiff | undefined> => {
        const change: Change = !left.has(file) ? 'added' : !right.has(file) ? 'removed' : 'modified'
        const renames: [string, string][] = []
        const path = (side: 'left' | 'right', dir: string, present: boolean) => {
          if (!present) return '/dev/null'
          const text = options.content?.(side, file)
          if (text === undefined || scratch === undefined) return shown(dir, file)
          const copy = join(scratch, side, file)
          mkdirSync(dirname(copy), { recursive: true })
          writeFileSync(copy, text)
          renames.push([copy.replace(/^\//, ''), shown(dir, file)]) // git prints an absolute path without its first /
          return copy
        }
        const a = path('left', leftDir, left.has(file))
        const b = path('right', rightDir, right.has(file))
        let patch = await gitDiff(a, b, options.color ?? false, cwd)
        for (const [from, to] of renames) patch = patch.split(from).join(to)
        return patch === '' ? undefined : { file, change, patch }
      }),
    )
    return diffs.filter((d): d is FileDiff => d !== undefined)
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  }
}

const changeLabel: Record<Change, string> = {
  modified: chalk.yellow('modified'),
  added: chalk.green('added   '),
  removed: chalk.red('removed '),
}

/** A lab's checks (check.ts, check-oauth.ts…): shown after the lesson's code, which is what a diff is read for. */
export const isCheckFile = (file: string): boolean => /(^|\/)check[^/]*\.ts$/.test(file)

/** The lesson's files first, then the checks, each group in path order. */
export function lessonFirst(files: FileDiff[]): FileDiff[] {
  return [...files.filter((f) => !isCheckFile(f.file)), ...files.filter((f) => isCheckFile(f.file))]
}

/**
 * The header ("lab 3 → lab 4: 2 files changed"), the list of files, then the diffs: the lesson's code, then its
 * checks. `leftOut` counts the checks' lines not shown (the lesson drowns in them: --checks shows them).
 */
export function formatDiff(
  from: string,
  to: string,
  files: FileDiff[],
  options: { color?: boolean; leftOut?: { files: number; lines: number; command: string }; notes?: string[] } = {},
): string {
  const ordered = lessonFirst(files)
  const count = `${ordered.length} file${ordered.length === 1 ? '' : 's'} changed`
  const header = `${from} → ${to}: ${count}`
  const lines = [options.color ? chalk.bold(header) : header]
  for (const f of ordered) lines.push(`  ${options.color ? changeLabel[f.change] : f.change.padEnd(8)}  ${f.file}`)
  const { leftOut } = options
  const dim = (text: string) => (options.color ? chalk.dim(text) : text)
  if (leftOut && leftOut.files > 0) {
    const s = leftOut.files === 1 ? '' : 's'
    lines.push(dim(`  (left out: ${leftOut.lines} lines of the checks, in ${leftOut.files} file${s}; ${leftOut.command} shows them)`))
  }
  for (const note of options.notes ?? []) lines.push(dim(`  (${note})`))
  const sections: string[] = [lines.join('\n')]
  const checksHeading = `── the checks (${to}) ──`
  for (const [i, f] of ordered.entries()) {
    if (isCheckFile(f.file) && (i === 0 || !isCheckFile(ordered[i - 1].file)))
      sections.push(options.color ? chalk.bold(checksHeading) : checksHeading)
    sections.push(f.patch.replace(/\n$/, ''))
  }
  return sections.join('\n\n') + '\n'
}

/** The labs of a diff the learner is practising now (practice/NN-name exists): their exercise regions are not shown. */
export function practisedLabs(...labs: Lab[]): Lab[] {
  return labs.filter((lab, i) => labs.indexOf(lab) === i && exercisesOf(lab).length > 0 && existsSync(practicePath(lab)))
}

/**
 * A file with the exercise regions of the labs practised stubbed (the TODO, the task, the hint), as practice/NN-name
 * held it before the learner wrote anything; on both sides of a diff, since a later lab carries the same region.
 * Undefined for a file without such a region.
 */
export function withStubs(lab: Lab, file: string, practised: Lab[]): string | undefined {
  const source = readFileSync(labPath(lab, file), 'utf8')
  const names = new Set(regionsOf(source).map((r) => r.name))
  const exercises = practised.flatMap((l) => exercisesOf(l)).filter((e) => e.file === file && names.has(e.name))
  if (exercises.length === 0) return undefined
  return exercises.reduce((text, exercise) => stubbed(lab, exercise, text), source)
}

/**
 * Diffs lab `from` against lab `to` (code only unless options.all; one part's files with options.part; the checks
 * only with options.checks). While the learner practises either lab, its exercise regions show as stubs, unless
 * options.solution: the read step shows the lesson, not the answers.
 */
export async function diffLabs(from: Lab, to: Lab, options: DiffOptions = {}): Promise<LabDiff> {
  const stubbedLabs = options.solution ? [] : practisedLabs(from, to)
  const stubbedFiles = new Set<string>()
  const content = (side: 'left' | 'right', file: string) => {
    const text = stubbedLabs.length === 0 ? undefined : withStubs(side === 'left' ? from : to, file, stubbedLabs)
    if (text !== undefined) stubbedFiles.add(file)
    return text
  }
  const all = await diffDirs(labPath(from), labPath(to), { ...options, rightOnly: to.server !== undefined, content })
  const { part } = options
  const inPart = part ? all.filter((f) => part.files.includes(f.file)) : all
  const checks = inPart.filter((f) => isCheckFile(f.file))
  const files = options.checks ? inPart : inPart.filter((f) => !isCheckFile(f.file))
  const title = part ? `lab ${to.n}, part ${part.part} (${part.title})` : `lab ${to.n}`
  // the same command, with one more option
  const withOption = (option: string) => `npm run diff ${from.n} ${to.n} -- ${[...(part ? [`--part ${part.part}`] : []), option].join(' ')}`
  const lines = checks.reduce((n, f) => n + f.patch.split('\n').length - 1, 0)
  const leftOut = options.checks ? undefined : { files: checks.length, lines, command: withOption('--checks') }
  const notes = (files.some((f) => stubbedFiles.has(f.file)) ? stubbedLabs : []).map(
    (lab) =>
      `lab ${lab.n}'s exercises show as stubs while you practise it in ${relative(ROOT, practicePath(lab))}/; ` +
      `${withOption('--solution')} shows the solutions`,
  )
  return {
    files: lessonFirst(files),
    stubbed: stubbedLabs,
    text: formatDiff(`lab ${from.n}`, title, files, { ...options, leftOut, notes }),
  }
}
