// Diffing two labs: `npm run diff A B` and the guide's [d] key.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { chalk } from 'zx'
import type { Part } from '@workshop/kit/exercises'
import { type Lab, labPath } from '@workshop/kit/labs'
import { ROOT } from '@workshop/kit/paths'

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
  const diffs = await Promise.all(
    union.map(async (file): Promise<FileDiff | undefined> => {
      const change: Change = !left.has(file) ? 'added' : !right.has(file) ? 'removed' : 'modified'
      const a = left.has(file) ? shown(leftDir, file) : '/dev/null'
      const b = right.has(file) ? shown(rightDir, file) : '/dev/null'
      const patch = await gitDiff(a, b, options.color ?? false, cwd)
      return patch === '' ? undefined : { file, change, patch }
    }),
  )
  return diffs.filter((d): d is FileDiff => d !== undefined)
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

/** The header ("lab 3 → lab 4: 2 files changed"), the list of files, then the diffs: the lesson's code, then its checks. */
export function formatDiff(from: string, to: string, files: FileDiff[], options: { color?: boolean } = {}): string {
  const ordered = lessonFirst(files)
  const count = `${ordered.length} file${ordered.length === 1 ? '' : 's'} changed`
  const header = `${from} → ${to}: ${count}`
  const lines = [options.color ? chalk.bold(header) : header]
  for (const f of ordered) lines.push(`  ${options.color ? changeLabel[f.change] : f.change.padEnd(8)}  ${f.file}`)
  const sections: string[] = [lines.join('\n')]
  const checksHeading = `── the checks (${to}) ──`
  for (const [i, f] of ordered.entries()) {
    if (isCheckFile(f.file) && (i === 0 || !isCheckFile(ordered[i - 1].file)))
      sections.push(options.color ? chalk.bold(checksHeading) : checksHeading)
    sections.push(f.patch.replace(/\n$/, ''))
  }
  return sections.join('\n\n') + '\n'
}

/** Diffs lab `from` against lab `to` (code only unless options.all; one part's files with options.part). */
export async function diffLabs(from: Lab, to: Lab, options: DiffOptions = {}): Promise<LabDiff> {
  const all = await diffDirs(labPath(from), labPath(to), { ...options, rightOnly: to.server !== undefined })
  const { part } = options
  const files = part ? all.filter((f) => part.files.includes(f.file)) : all
  const title = part ? `lab ${to.n}, part ${part.part} (${part.title})` : `lab ${to.n}`
  return { files: lessonFirst(files), text: formatDiff(`lab ${from.n}`, title, files, options) }
}
