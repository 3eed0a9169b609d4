// Labs are snapshots: each holds its whole server, copied forward from its base lab (the registry's
// `base`) and changed only where its lesson says. A lab README's "Files changed" table is that promise:
// every file it does not list is a byte-identical copy of the base lab's, and every file it lists differs.
// test/snapshots.test.ts holds every lab to it; `npm run forward` carries a fix through the copies.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { type Lab, baseLab, labPath } from './labs.ts'

/** Every file under a lab's folder but its README, as sorted relative paths with "/" separators. */
export function labFiles(lab: Lab): string[] {
  const dir = labPath(lab)
  if (!existsSync(dir)) return []
  return (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).replace(/\\/g, '/'))
    .filter((file) => file !== 'README.md')
    .sort()
}

/**
 * The paths the first table under "## Files changed" names, from the backticked words of its first
 * column: `server.ts`, or a folder such as `oauth/` that covers every file below it.
 */
export function filesChanged(markdown: string): string[] {
  const lines = markdown.split(/\r?\n/)
  const heading = lines.findIndex((line) => /^## Files changed/.test(line))
  if (heading === -1) return []
  const paths: string[] = []
  let inTable = false
  for (const line of lines.slice(heading + 1)) {
    if (/^## /.test(line)) break
    if (!line.startsWith('|')) {
      if (inTable) break // the first table ended
      continue
    }
    inTable = true
    const firstCell = line.split('|')[1] ?? ''
    for (const [, path] of firstCell.matchAll(/`([^`]+)`/g)) paths.push(path)
  }
  return paths
}

/** The lab README's "Files changed" paths (empty when it has no README or no table). */
export function listedFiles(lab: Lab): string[] {
  const readme = labPath(lab, 'README.md')
  return existsSync(readme) ? filesChanged(readFileSync(readme, 'utf8')) : []
}

/** Whether `file` is named by one of `listed` (itself, or a folder above it). */
export function isListed(file: string, listed: string[]): boolean {
  return listed.some((path) => (path.endsWith('/') ? file.startsWith(path) : file === path))
}

export type Change = 'same' | 'modified' | 'added' | 'removed'

/** How `file` in `lab` compares with the base lab's copy. */
export function compareWithBase(lab: Lab, base: Lab, file: string): Change {
  const mine = labPath(lab, file)
  const theirs = labPath(base, file)
  if (!existsSync(theirs)) return 'added'
  if (!existsSync(mine)) return 'removed'
  return readFileSync(mine).equals(readFileSync(theirs)) ? 'same' : 'modified'
}

/**
 * What breaks the promise, one line each. A lab that runs another lab's server (lab 6) holds only
 * its own files, so the base's other files are not "removed" from it.
 */
export function snapshotProblems(lab: Lab): string[] {
  const base = baseLab(lab)
  if (base === undefined) return []
  const listed = listedFiles(lab)
  const mine = labFiles(lab)
  const files = lab.server === undefined ? [...new Set([...mine, ...labFiles(base)])].sort() : mine
  const problems: string[] = []
  for (const file of files) {
    const change = compareWithBase(lab, base, file)
    const named = isListed(file, listed)
    if (change !== 'same' && !named)
      problems.push(`${file} is ${change} (against lab ${base.n}) but the README's "Files changed" does not list it`)
  }
  for (const path of listed) {
    const covered = files.filter((file) => isListed(file, [path]))
    if (covered.length === 0) problems.push(`the README lists ${path}, which is in neither lab ${lab.n} nor lab ${base.n}`)
    else if (covered.every((file) => compareWithBase(lab, base, file) === 'same'))
      problems.push(`the README lists ${path} as changed, but it is the same as lab ${base.n}'s`)
  }
  return problems
}
