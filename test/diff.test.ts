// `npm run diff A B`: the command, and the file-by-file diff underneath it.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { diffDirs, formatDiff, listFiles } from '../scripts/lib/diff.ts'
import { pager } from '../scripts/lib/pager.ts'
import { partsOf } from '@workshop/kit/exercises'
import { LABS, findLab } from '@workshop/kit/labs'
import { runScript } from './commands.ts'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TIMEOUT = 60_000

// No practice copies unless a test makes some: a learner's practice/ must not change what these tests see.
const noPractice = mkdtempSync(join(tmpdir(), 'no-practice-'))
afterAll(() => rmSync(noPractice, { recursive: true, force: true }))
const diffCommand = (args: string[], env: Record<string, string> = {}) => runScript('diff.ts', args, { PRACTICE_DIR: noPractice, ...env })

describe('npm run diff', () => {
  it(
    'a lab against itself: 0 files changed, exit 0, no colour when piped',
    async () => {
      const { code, stdout } = await diffCommand(['1', '1'])
      expect(code).toBe(0)
      expect(stdout.trim()).toBe('lab 1 → lab 1: 0 files changed')
    },
    TIMEOUT,
  )

  it(
    'a lab that does not exist: lists the labs, exit 2',
    async () => {
      for (const args of [['1', '99'], ['1']]) {
        const { code, stderr } = await diffCommand(args)
        expect(code).toBe(2)
        for (const lab of LABS) expect(stderr).toContain(lab.dir)
      }
    },
    TIMEOUT,
  )
})

describe('npm run diff 4 5 -- --part N', () => {
  it(
    "lists exactly the files that part of lab 5's lesson reads, and one line for a part that does not exist",
    async () => {
      const parts = partsOf(findLab(5))
      const runs = await Promise.all(parts.map((part) => diffCommand(['4', '5', '--part', String(part.part)])))
      for (const [i, part] of parts.entries()) {
        const { code, stdout } = runs[i]
        expect(code).toBe(0)
        const header = stdout.split('\n\n')[0].split('\n')
        expect(header[0]).toBe(`lab 4 → lab 5, part ${part.part} (${part.title}): ${part.files.length} files changed`)
        expect(header.slice(1).map((line) => line.trim().split(/\s+/)[1])).toEqual([...part.files].sort())
      }
      const wrong = await diffCommand(['4', '5', '--part', '9'])
      expect(wrong.code).toBe(2)
      expect(wrong.stderr).toMatch(/^diff: lab 5 has parts 1, 2, 3, 4:/)
      const swallowed = await diffCommand(['4', '5', '2'], { npm_config_part: 'true' })
      expect(swallowed.code).toBe(2)
      expect(swallowed.stderr.trim()).toBe('diff: npm kept --part for itself (no "--" before it); write: npm run diff 4 5 -- --part 2')
    },
    TIMEOUT * 2,
  )
})

describe('npm run diff: the lesson, not its checks; no answers while practising', () => {
  it(
    'leaves the checks out and counts their lines; --checks shows them, as many lines as it said',
    async () => {
      const lesson = await diffCommand(['1', '2'])
      expect(lesson.code).toBe(0)
      const said = /\(left out: (\d+) lines of the checks, in 1 file; npm run diff 1 2 -- --checks shows them\)/.exec(lesson.stdout)
      expect(said, lesson.stdout.slice(0, 400)).not.toBeNull()
      expect(lesson.stdout).not.toContain('check.ts')
      expect(lesson.stdout).toContain('diff --git a/labs/01-transport/server.ts b/labs/02-jwks/server.ts')
      const all = await diffCommand(['1', '2', '--checks'])
      expect(all.stdout).not.toContain('left out')
      const checks = all.stdout.slice(all.stdout.indexOf('diff --git a/labs/01-transport/check.ts'))
      expect(checks.trimEnd().split('\n')).toHaveLength(Number(said![1]))
      expect(lesson.stdout.split('\n')[0]).toBe('lab 1 → lab 2: 4 files changed')
      expect(all.stdout.split('\n')[0]).toBe('lab 1 → lab 2: 5 files changed')
    },
    TIMEOUT,
  )

  it(
    "while practice/NN-name exists, the lab's exercise regions show as stubs; --solution shows them",
    async () => {
      const practiceDir = mkdtempSync(join(tmpdir(), 'practice-'))
      try {
        for (const lab of [findLab(2), findLab(5)]) mkdirSync(join(practiceDir, lab.dir))
        const env = { PRACTICE_DIR: practiceDir }
        const stubbed = await diffCommand(['1', '2'], env)
        expect(stubbed.code).toBe(0)
        expect(stubbed.stdout).toContain("lab 2's exercises show as stubs while you practise it in ")
        expect(stubbed.stdout).toContain('npm run diff 1 2 -- --solution shows the solutions')
        for (const name of ['verify-token', 'challenge'])
          expect(stubbed.stdout).toMatch(new RegExp(`^\\+ *// TODO \\(exercise ${name}\\): `, 'm'))
        expect(stubbed.stdout).not.toContain("algorithms: ['RS256']")
        expect(stubbed.stdout).toContain('diff --git a/labs/01-transport/server.ts b/labs/02-jwks/server.ts')
        expect(stubbed.stdout).toMatch(/^\+\+\+ b\/labs\/02-jwks\/bearer\.ts$/m) // the lab's path, not a scratch copy's
        // lab 3 carries lab 2's regions unchanged: stubbed on both sides, they are no change at all
        const later = await diffCommand(['2', '3'], env)
        expect(later.stdout).not.toContain("algorithms: ['RS256']")
        expect(later.stdout).not.toContain('labs/03-metadata/bearer.ts')
        const solved = await diffCommand(['1', '2', '--solution'], env)
        expect(solved.stdout).toContain("algorithms: ['RS256']")
        expect(solved.stdout).not.toContain('TODO (exercise')
        // lab 5, part by part: no part's diff holds its exercise's answer
        const answers: Record<number, string> = {
          1: 'sameSecret(s256(verifier), challenge)',
          2: 'now < token.used_at + REUSE_INTERVAL',
          3: "if (uri.includes('#'))",
          4: 'countFailedLogin(request.id) >= MAX_FAILED_LOGINS',
        }
        for (const part of partsOf(findLab(5))) {
          const [shown, given] = await Promise.all([
            diffCommand(['4', '5', '--part', String(part.part)], env),
            diffCommand(['4', '5', '--part', String(part.part), '--solution'], env),
          ])
          expect(shown.stdout, `part ${part.part}`).not.toContain(answers[part.part])
          expect(given.stdout, `part ${part.part} --solution`).toContain(answers[part.part])
        }
      } finally {
        rmSync(practiceDir, { recursive: true, force: true })
      }
    },
    TIMEOUT * 2,
  )
})

describe('npm run diff and the reader', () => {
  // eslint-disable-next-line no-control-regex
  const strip = (text: string) => text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]|\r/g, '')

  it(
    'piped into a reader that stops early (| head -1): the first line, no EPIPE stack',
    () => {
      const run = spawnSync('bash', ['-c', `'${process.execPath}' --import tsx scripts/diff.ts 4 5 | head -1`], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
      })
      expect(run.stdout).toMatch(/^lab 4 → lab 5: \d+ files changed\n$/)
      expect(run.stderr).toBe('')
    },
    TIMEOUT,
  )

  it(
    'in a terminal: through $PAGER, not onto the screen',
    async () => {
      const paged = join(mkdtempSync(join(tmpdir(), 'pager-')), 'paged.txt')
      const command = `stty cols 80 rows 24; exec '${process.execPath}' --import tsx scripts/diff.ts 4 5`
      const run = spawnSync('script', ['-qfec', command, '/dev/null'], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, PAGER: `cat > '${paged}'`, TERM: 'xterm-256color' },
      })
      expect(run.status).toBe(0)
      const text = strip(readFileSync(paged, 'utf8'))
      expect(text).toMatch(/^lab 4 → lab 5: \d+ files changed\n/)
      expect(text.split('\n').length).toBeGreaterThan(1000)
      expect(strip(run.stdout)).toBe('')
    },
    TIMEOUT,
  )

  it('pages with $PAGER, or less -R; never without a terminal, with PAGER empty or cat', () => {
    expect(pager({}, true)).toEqual({ command: 'less', args: ['-R', '-F'] })
    expect(pager({ PAGER: 'most -s' }, true)).toEqual({ command: 'sh', args: ['-c', 'most -s'] })
    expect(pager({ PAGER: '' }, true)).toBeUndefined()
    expect(pager({ PAGER: 'cat' }, true)).toBeUndefined()
    expect(pager({}, false)).toBeUndefined()
  })
})

describe('diffDirs', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lab-diff-'))
  afterAll(() => rmSync(tmp, { recursive: true, force: true }))
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(tmp, file)), { recursive: true })
    writeFileSync(join(tmp, file), text)
  }
  write('a/server.ts', 'const port = 9000\n')
  write('a/same.ts', 'unchanged\n')
  write('a/gone.ts', 'removed in b\n')
  write('a/README.md', '# A\n')
  write('a/node_modules/x/index.js', 'ignored\n')
  write('b/server.ts', 'const port = 9001\n')
  write('b/same.ts', 'unchanged\n')
  write('b/lib/new.ts', 'added in b\n')
  write('b/README.md', '# B\n')

  it('lists files recursively, without node_modules, and without README.md unless asked', () => {
    expect(listFiles(join(tmp, 'a'))).toEqual(['gone.ts', 'same.ts', 'server.ts'])
    expect(listFiles(join(tmp, 'b'), { all: true })).toEqual(['README.md', 'lib/new.ts', 'same.ts', 'server.ts'])
  })

  it('shows modified, added and removed files over the union of names', async () => {
    const files = await diffDirs(join(tmp, 'a'), join(tmp, 'b'), { cwd: tmp })
    expect(files.map((f) => [f.file, f.change])).toEqual([
      ['gone.ts', 'removed'],
      ['lib/new.ts', 'added'],
      ['server.ts', 'modified'],
    ])
    const server = files.find((f) => f.file === 'server.ts')!.patch
    expect(server).toContain('--- a/a/server.ts')
    expect(server).toContain('+const port = 9001')
    expect(files.find((f) => f.file === 'lib/new.ts')!.patch).toContain('--- /dev/null')
    expect(files.find((f) => f.file === 'gone.ts')!.patch).toContain('+++ /dev/null')
    const text = formatDiff('lab A', 'lab B', files)
    expect(text.split('\n')[0]).toBe('lab A → lab B: 3 files changed')
    expect(text).not.toMatch(/\x1b\[/) // eslint-disable-line no-control-regex
  })

  it('includes the READMEs with all, and colours when asked', async () => {
    const files = await diffDirs(join(tmp, 'a'), join(tmp, 'b'), { cwd: tmp, all: true, color: true })
    expect(files.map((f) => f.file)).toContain('README.md')
    expect(files.find((f) => f.file === 'server.ts')!.patch).toMatch(/\x1b\[/) // eslint-disable-line no-control-regex
  })

  it('says which folder is missing', async () => {
    await expect(diffDirs(join(tmp, 'a'), join(tmp, 'nope'))).rejects.toThrow(/does not exist/)
  })
})
