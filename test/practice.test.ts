// Practice mode (npm run practice N): the checks-can-fail proof, extended to every exercise. With one
// exercise stubbed, at least one of the checks attributed to it fails and every other check of the lab
// passes; with the solution put back, the copy is the lab again, byte for byte (whose checks pass:
// test/lab-0N.test.ts). Each copy lives in a folder of its own at the depth of practice/NN-name.
import { spawn } from 'node:child_process'
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { stripVTControlCharacters } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { type Check, runCheck } from '@workshop/kit/checks'
import { EXERCISES, type Exercise, exercisesOf, partsOf } from '@workshop/kit/exercises'
import { LABS, type Lab, findLab, labPath } from '@workshop/kit/labs'
import { type RunningLab, freePort, startLab } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'
import { applySolution, exerciseState, regionsOf, replaceRegion, solutionBody, stubbed, writePractice } from '@workshop/kit/practice'
import { checkLab, loadChecks } from '@workshop/kit/run-checks'
import { labFiles } from '@workshop/kit/snapshots'
import { exerciseNote, watchPractice } from '../scripts/lib/practice-mode.ts'
import { runScript } from './commands.ts'

const folders: string[] = []
const running: RunningLab[] = []
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()))
  for (const folder of folders) rmSync(folder, { recursive: true, force: true })
})

/** A folder for one practice copy, beside practice/ (git-ignored: .practice-*). */
function scratch(dir: string): string {
  const folder = mkdtempSync(join(ROOT, '.practice-'))
  folders.push(folder)
  return join(folder, dir)
}

describe('the exercises', () => {
  it('every lab with a lesson has 1 to 4, each a region of its own code of 5 to 40 lines', () => {
    for (const lab of LABS.filter((l) => l.n <= 7)) {
      const exercises = exercisesOf(lab)
      expect(exercises.length, `lab ${lab.n}`).toBeGreaterThanOrEqual(1)
      expect(exercises.length, `lab ${lab.n}`).toBeLessThanOrEqual(4)
      for (const exercise of exercises) {
        const region = regionsOf(readFileSync(labPath(lab, exercise.file), 'utf8')).find((r) => r.name === exercise.name)
        expect(region, `labs/${lab.dir}/${exercise.file} has no region "exercise: ${exercise.name}"`).toBeDefined()
        expect(region!.body.length, `${exercise.name}'s length`).toBeGreaterThanOrEqual(5)
        expect(region!.body.length, `${exercise.name}'s length`).toBeLessThanOrEqual(40)
        expect(exercise.hints.length, `${exercise.name}'s hints`).toBeGreaterThan(0)
      }
    }
  })

  it('every region in a lab belongs to an exercise of that lab or an earlier one', () => {
    const names = new Set(EXERCISES.map((e) => e.name))
    for (const lab of LABS)
      for (const file of labFiles(lab).filter((f) => f.endsWith('.ts')))
        for (const region of regionsOf(readFileSync(labPath(lab, file), 'utf8')))
          expect(names.has(region.name), `labs/${lab.dir}/${file}: unknown exercise ${region.name}`).toBe(true)
  })

  it("lab 5's parts take every check lab 5 adds exactly once, and each part has its exercise", async () => {
    const lab = findLab(5)
    const inherited = new Set((await loadChecks(findLab(lab.base!))).map((c) => c.id))
    const added = (await loadChecks(lab)).map((c) => c.id).filter((id) => !inherited.has(id))
    const inParts = partsOf(lab).flatMap((part) => part.checks)
    expect([...inParts].sort()).toEqual([...added].sort())
    for (const part of partsOf(lab))
      expect(
        exercisesOf(lab).filter((e) => e.part === part.part),
        `part ${part.part}`,
      ).toHaveLength(1)
  })

  it("lab 5's README table of parts names each part's files, exercise and checks command as the registry does", () => {
    const lab = findLab(5)
    const readme = readFileSync(labPath(lab, 'README.md'), 'utf8')
    const rows = [...readme.matchAll(/^\| (\d) \| [^|]+ \| ([^|]+) \| ([^|]+) \| ([^|]+) \|$/gm)]
    const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1])
    expect(
      rows.map((row) => ({ part: Number(row[1]), read: backticked(row[2]), exercise: backticked(row[3]), check: backticked(row[4]) })),
    ).toEqual(
      partsOf(lab).map((part) => {
        const exercise = exercisesOf(lab).find((e) => e.part === part.part)!
        return {
          part: part.part,
          read: part.files.map((file) => file.replace(/^oauth\//, '')),
          exercise: [exercise.name, exercise.file.replace(/^oauth\//, '')],
          check: [`npm run check 5 -- --part ${part.part}`],
        }
      }),
    )
    for (const part of partsOf(lab)) for (const file of part.files) expect(labFiles(lab), file).toContain(file)
  })

  it("each lab README's Practice table lists exactly the lab's exercises", () => {
    for (const lab of LABS.filter((l) => exercisesOf(l).length > 0)) {
      const readme = readFileSync(labPath(lab, 'README.md'), 'utf8')
      const section = readme.slice(readme.indexOf('## Practice'), readme.indexOf('\n## ', readme.indexOf('## Practice') + 1))
      expect(section, `labs/${lab.dir}/README.md has a Practice section`).toContain(`npm run practice ${lab.n}`)
      const listed = [...section.matchAll(/^\| `([\w-]+)` \| `([^`]+)` \|/gm)].map((m) => [m[1], m[2]])
      expect(listed, lab.dir).toEqual(exercisesOf(lab).map((e) => [e.name, e.file]))
    }
  })

  it('a fresh copy is all stubs; the solution put back makes it the lab again, byte for byte', () => {
    for (const lab of LABS.filter((l) => exercisesOf(l).length > 0)) {
      const dir = scratch(lab.dir)
      writePractice(lab, dir)
      for (const exercise of exercisesOf(lab)) {
        expect(exerciseState(lab, exercise, dir), exercise.name).toBe('stub')
        expect(readFileSync(join(dir, exercise.file), 'utf8')).toContain(`// TODO (exercise ${exercise.name}): `)
      }
      for (const exercise of exercisesOf(lab)) applySolution(lab, exercise, dir)
      for (const file of labFiles(lab)) expect(readFileSync(join(dir, file), 'utf8'), file).toBe(readFileSync(labPath(lab, file), 'utf8'))
      for (const exercise of exercisesOf(lab)) expect(exerciseState(lab, exercise, dir), exercise.name).toBe('solution')
    }
  })

  it("the stub of an exercise is the lab's code with that region alone replaced", () => {
    const lab = findLab(2)
    const [verify] = exercisesOf(lab)
    const original = readFileSync(labPath(lab, verify.file), 'utf8')
    const changed = stubbed(lab, verify)
    expect(changed).not.toBe(original)
    expect(
      changed
        .split('\n')
        .filter((line) => !original.includes(line))
        .join('\n'),
    ).toContain('not written yet')
  })
})

// One test per exercise: its stub alone, graded by the lab's checks (a few at a time: each is a whole run).
describe.concurrent('each exercise is graded by its checks', () => {
  it.each(EXERCISES.map((exercise) => [exercise.lab, exercise.name, exercise] as const))(
    'lab %i, %s',
    async (n, _name, exercise) => {
      const lab = findLab(n)
      const dir = scratch(lab.dir)
      writePractice(lab, dir, (e) => e.name === exercise.name)
      const checks: Check[] = (await import(pathToFileURL(join(dir, 'check.ts')).href)).checks
      const server = await startLab(lab, { dir })
      running.push(server)
      // Every check not attributed to the exercise must pass; of the attributed ones, one failing is the proof
      // (the first to fail ends the search: a stub that fails closed usually fails them all).
      const others = checks.filter((check) => !exercise.checks.includes(check.id))
      const failing: string[] = []
      for (const check of others) if (!(await runCheck(check, server.base)).ok) failing.push(check.id)
      expect(failing, 'checks that fail with this exercise stubbed, but are not attributed to it').toEqual([])
      let graded: string | undefined
      for (const check of checks.filter((c) => exercise.checks.includes(c.id))) {
        if (!(await runCheck(check, server.base)).ok) {
          graded = check.id
          break
        }
      }
      expect(graded, `no check attributed to ${exercise.name} fails with it stubbed: nothing grades it`).toBeDefined()
    },
    300_000,
  )
})

/** `npm run practice ARGS` without a terminal, as in CI, with its copies in `practiceDir`. */
function practiceCommand(args: string[], port: number, practiceDir: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/step.ts', '--practice', ...args], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), PRACTICE_DIR: practiceDir, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  const exited = new Promise<number>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 143 : 1))))
  const ready = async () => {
    for (let i = 0; i < 600 && !/ready: /.test(output) && child.exitCode === null; i++)
      await new Promise((resolve) => setTimeout(resolve, 100))
    expect(output).toMatch(/ready: /)
  }
  const stop = async () => {
    child.kill('SIGTERM')
    return exited
  }
  return { child, output: () => output, exited, ready, stop }
}

// npm run practice 2 without a terminal, as in CI: it makes the folder and serves it; the checks fail until
// the solution is in; a learner's code survives a restart, and --reset does not throw it away unasked.
describe('npm run practice without a terminal', () => {
  const practiceDir = mkdtempSync(join(ROOT, '.practice-'))
  folders.push(practiceDir)
  const run = (args: string[], port: number) => practiceCommand(args, port, practiceDir)
  const checks = async (port: number) => {
    const lab = findLab(2)
    const results = await checkLab(lab, { base: `http://127.0.0.1:${port}`, print: () => {} })
    return results.filter((r) => !r.ok).map((r) => r.check.id)
  }

  it('serves the stubbed copy (the checks fail), keeps your code, and serves the solution once asked', async () => {
    const port = await freePort()
    let practice = run(['2'], port)
    await practice.ready()
    expect(practice.output()).toMatch(/made .*02-jwks\/: lab 2 with 2 exercises to write/)
    expect(await checks(port)).toEqual(expect.arrayContaining(['valid-token', 'no-token']))
    practice.child.kill('SIGTERM')
    expect(await practice.exited).toBe(143)

    // the learner writes something of their own in challenge: it is theirs now
    const file = join(practiceDir, '02-jwks', 'bearer.ts')
    writeFileSync(file, readFileSync(file, 'utf8').replace("'challenge: not written yet'", "'mine'"))
    const reset = run(['2', '--reset'], port)
    expect(await reset.exited).toBe(2)
    expect(reset.output()).toMatch(/keeps your code in exercise challenge; to start over anyway: npm run practice 2 -- --reset --yes/)
    expect(readFileSync(file, 'utf8')).toContain("'mine'")

    practice = run(['2', '--solution', '--yes'], port)
    await practice.ready()
    expect(practice.output()).toMatch(/02-jwks\/ is yours from last time/)
    expect(practice.output()).toMatch(/put the solution of verify-token in/)
    expect(await checks(port)).toEqual([])
    practice.child.kill('SIGTERM')
    await practice.exited
    expect(readFileSync(file, 'utf8')).toBe(readFileSync(labPath(findLab(2), 'bearer.ts'), 'utf8'))
  }, 300_000)

  it('lab 8 has no exercises: one line, exit 2', async () => {
    const eight = run(['8'], await freePort())
    expect(await eight.exited).toBe(2)
    expect(eight.output().trim()).toBe('lab 8 has no exercises (labs 1 to 7 do): npm run step 8')
  })
})

// The watcher behind "saving a file restarts the server": every way an editor saves is seen, again and again.
describe('saving a practice file', () => {
  it('is seen six times in a row: in place, renamed over, in place, in place, deleted and recreated, in place', async () => {
    const dir = scratch('05-oauth')
    mkdirSync(join(dir, 'oauth'), { recursive: true })
    const file = join(dir, 'oauth', 'pkce.ts')
    writeFileSync(file, '// 0\n')
    const seen: string[] = []
    const unwatch = watchPractice(dir, (name) => seen.push(name))
    try {
      /** Waits (polling, never guessing a delay) until the watcher reported `n` saves; then there must be exactly n. */
      const saves = async (n: number, how: string) => {
        for (let i = 0; i < 600 && seen.length < n; i++) await new Promise((resolve) => setTimeout(resolve, 50))
        expect(seen, `after the save ${how}`).toEqual(Array(n).fill('oauth/pkce.ts'))
      }
      appendFileSync(file, '// in place\n')
      await saves(1, 'in place')
      writeFileSync(`${file}___jb_tmp___`, '// renamed over\n') // JetBrains' safe write; sed -i and vim do the same
      renameSync(`${file}___jb_tmp___`, file)
      await saves(2, 'renamed over')
      appendFileSync(file, '// in place\n')
      await saves(3, 'in place, after the rename')
      appendFileSync(file, '// in place\n')
      await saves(4, 'in place again')
      rmSync(file)
      writeFileSync(file, '// recreated\n')
      await saves(5, 'deleted and recreated')
      appendFileSync(file, '// in place\n')
      await saves(6, 'in place, after the recreation')
    } finally {
      unwatch()
    }
  }, 60_000)
})

// The learner's own, correct answer to an exercise: the solution in their words (here: with a comment of
// theirs), so that the copy holds "yours", not the lab's code.
function writeOwnAnswer(lab: Lab, exercise: Exercise, dir: string): void {
  const file = join(dir, exercise.file)
  const indent = regionsOf(readFileSync(labPath(lab, exercise.file), 'utf8')).find((r) => r.name === exercise.name)!.indent
  const body = [`${indent}// my own answer`, ...solutionBody(lab, exercise)]
  writeFileSync(file, replaceRegion(readFileSync(file, 'utf8'), exercise.name, body))
  expect(exerciseState(lab, exercise, dir)).toBe('yours')
}

// Lab 5 in parts: `npm run practice 5 -- --part N` stubs part N's exercise alone (the code flow needs
// registration, refresh needs the flow: the other exercises hold the solution). Its failures blame that
// exercise alone; written, `npm run check 5 -- --part N --practice` is green.
describe.concurrent('lab 5, one part at a time', () => {
  const lab = findLab(5)
  it.each(partsOf(lab).map((part) => [part.part, part] as const))(
    'part %i: only its exercise to write, only it blamed, and green once written',
    async (n, part) => {
      const practiceDir = mkdtempSync(join(ROOT, '.practice-'))
      folders.push(practiceDir)
      const dir = join(practiceDir, lab.dir)
      const [exercise] = exercisesOf(lab).filter((e) => e.part === n)
      const port = await freePort()
      const practice = practiceCommand(['5', '--part', String(n)], port, practiceDir)
      await practice.ready()
      expect(practice.output()).toContain(`lab 5, part ${n}: 1 exercise to write (${exercise.name}); the others hold the solution`)
      for (const other of exercisesOf(lab))
        expect(exerciseState(lab, other, dir), other.name).toBe(other === exercise ? 'stub' : 'solution')

      // graded as the guide's [c] grades it: part N's checks, each failure naming the one exercise that is not solved
      const lines: string[] = []
      const results = await checkLab(lab, {
        base: `http://127.0.0.1:${port}`,
        dir,
        only: (check) => part.checks.includes(check.id),
        note: (check) => exerciseNote(lab, check.id, dir),
        print: (line) => lines.push(stripVTControlCharacters(line)),
      })
      expect(await practice.stop()).toBe(143)
      expect(results.map((r) => r.check.id).sort()).toEqual([...part.checks].sort())
      const failed = results.filter((r) => !r.ok)
      expect(failed.length, "the stub fails some of the part's checks").toBeGreaterThan(0)
      const notes = lines.filter((line) => line.includes('↳')).map((line) => line.trim())
      expect(notes).toEqual(failed.map(() => `↳ exercise ${exercise.name} (${exercise.file})`))

      writeOwnAnswer(lab, exercise, dir)
      const graded = await runScript('check.ts', ['5', '--part', String(n), '--practice'], { PRACTICE_DIR: practiceDir, FORCE_COLOR: '0' })
      expect(graded.stdout).toContain(`grading your practice copy, `)
      expect(graded.stdout).toContain(`${part.checks.length} passed, 0 failed`)
      expect(graded.code).toBe(0)
    },
    300_000,
  )

  it("moving on to another part never puts the solution over the learner's code without --yes; --keep-mine keeps it", async () => {
    const practiceDir = mkdtempSync(join(ROOT, '.practice-'))
    folders.push(practiceDir)
    const dir = join(practiceDir, lab.dir)
    const [pkce, refresh] = exercisesOf(lab)
    const port = await freePort()
    let practice = practiceCommand(['5', '--part', '1'], port, practiceDir)
    await practice.ready()
    await practice.stop()
    writeOwnAnswer(lab, pkce, dir)
    const mine = readFileSync(join(dir, pkce.file), 'utf8')

    const refused = practiceCommand(['5', '--part', '2'], port, practiceDir)
    expect(await refused.exited).toBe(2)
    expect(refused.output()).toContain('holds your code in verify-pkce, and part 2 grades rotate-refresh alone')
    expect(refused.output()).toContain('npm run practice 5 -- --part 2 --keep-mine')
    expect(refused.output()).toContain('npm run practice 5 -- --part 2 --yes')
    expect(readFileSync(join(dir, pkce.file), 'utf8')).toBe(mine)
    expect(exerciseState(lab, refresh, dir), 'a refusal changes nothing').toBe('solution')

    practice = practiceCommand(['5', '--part', '2', '--keep-mine'], port, practiceDir)
    await practice.ready()
    await practice.stop()
    expect(practice.output()).toContain('kept your code in verify-pkce (--keep-mine)')
    expect(readFileSync(join(dir, pkce.file), 'utf8')).toBe(mine)
    expect(exerciseState(lab, refresh, dir)).toBe('stub')

    practice = practiceCommand(['5', '--part', '2', '--yes'], port, practiceDir)
    await practice.ready()
    await practice.stop()
    expect(exerciseState(lab, pkce, dir)).toBe('solution')
    expect(exerciseState(lab, refresh, dir)).toBe('stub')
    // back to part 1: the solution there is not the learner's, so it is taken out again for them to write
    practice = practiceCommand(['5', '--part', '1'], port, practiceDir)
    await practice.ready()
    await practice.stop()
    expect(practice.output()).toContain('verify-pkce held the solution: it is yours to write again')
    expect(exerciseState(lab, pkce, dir)).toBe('stub')
    expect(exerciseState(lab, refresh, dir)).toBe('solution')
  }, 300_000)
})
