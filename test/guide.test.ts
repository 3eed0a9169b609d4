// `npm run step N`: the interactive guide in a real pseudo-terminal (util-linux `script`),
// the plain server without a terminal, and the errors a learner can run into.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { decodeJwt } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import {
  type GuideInput,
  labExtras,
  parseScopes,
  readTryItCommands,
  renderFullGuide,
  renderGuide,
  tryItCommands,
} from '../scripts/lib/guide.ts'
import { DEMO_USERS } from '@workshop/kit/demo-users'
import { freePort, portIsFree } from '@workshop/kit/lab-process'
import { type Lab, findLab, labExists, LABS, serverLab } from '@workshop/kit/labs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const TIMEOUT = 60_000
const JWT = /[\w-]+\.[\w-]+\.[\w-]+/

// CSI sequences (colours, cursor moves), OSC sequences and carriage returns
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\r/g
const strip = (text: string) => text.replace(ANSI, '')

/** A running process whose output we can wait for. */
class Session {
  raw = ''
  readonly exited: Promise<number | null>

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => (this.raw += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (this.raw += chunk.toString()))
    this.exited = new Promise((resolve) => child.once('close', (code) => resolve(code)))
  }

  get text(): string {
    return strip(this.raw)
  }

  /** Waits until `pattern` appears in the output after position `from`; returns the match. */
  async waitFor(pattern: RegExp | string, from = 0, timeout = 30_000): Promise<RegExpExecArray> {
    const re = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern
    const deadline = Date.now() + timeout
    for (;;) {
      const match = re.exec(this.text.slice(from))
      if (match) return match
      const why =
        this.child.exitCode !== null
          ? `the process exited (${this.child.exitCode})`
          : Date.now() > deadline
            ? `${timeout / 1000} s passed`
            : undefined
      if (why) throw new Error(`${why} before it printed ${re}\n--- output so far ---\n${this.text}`)
      await new Promise((resolve) => setTimeout(resolve, 50)) // poll
    }
  }

  /** Sends keys and returns where the output stood before them, for waitFor(…, mark). */
  press(keys: string): number {
    const mark = this.text.length
    this.child.stdin.write(keys)
    return mark
  }

  async exitCode(timeout = 20_000): Promise<number | null> {
    let timer: NodeJS.Timeout | undefined
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the process did not exit within ${timeout / 1000} s:\n${this.text}`)), timeout)
    })
    try {
      return await Promise.race([this.exited, late])
    } finally {
      clearTimeout(timer)
    }
  }
}

const sessions: Session[] = []
afterEach(async () => {
  // a failed test may leave a process behind: closing the terminal hangs up the step runner,
  // which stops its lab server
  for (const session of sessions.splice(0)) {
    if (session.child.exitCode === null && session.child.signalCode === null) {
      session.child.kill('SIGTERM')
      await session.exitCode().catch(() => session.child.kill('SIGKILL'))
    }
  }
})

/** `npm run step N` in a pseudo-terminal of 80×24: stdin and stdout are a TTY, as for a learner. */
/** After a save: the server restarts, [c] turns green, and [q] ends the runner and frees the port. */
async function greenAfterSave(step: Session, mark: number, port: number, green: RegExp): Promise<void> {
  await step.waitFor(/restarted: \[c\] runs the checks/, mark, 60_000)
  const checked = step.press('c')
  await step.waitFor(green, checked, 90_000)
  step.press('q')
  expect(await step.exitCode()).toBe(0)
  expect(await portIsFree(port)).toBe(true)
}

function stepInTerminal(lab: string, port: number, extraEnv: Record<string, string | undefined> = {}): Session {
  const command = `stty cols 80 rows 24; exec '${process.execPath}' --import tsx scripts/step.ts ${lab}`
  // colours on, as a learner sees them (the output is compared with the colours stripped)
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), TERM: 'xterm-256color' }
  delete env.FORCE_COLOR
  delete env.NO_COLOR
  delete env.CI // a learner's terminal: supports-color turns colour off under CI=true
  delete env.PAGER
  delete env.LESS
  for (const [key, value] of Object.entries(extraEnv)) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: ROOT, env, stdio: 'pipe' })
  const session = new Session(child)
  sessions.push(session)
  return session
}

/** `npm run step N` with plain pipes, as in CI. */
function stepWithoutTerminal(args: string[], port?: number): Session {
  const env = { ...process.env }
  if (port !== undefined) env.PORT = String(port)
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/step.ts', ...args], { cwd: ROOT, env, stdio: 'pipe' })
  const session = new Session(child)
  sessions.push(session)
  return session
}

function jwtAfter(text: string): string {
  const match = new RegExp(`export TOKEN=(${JWT.source})`).exec(text)
  expect(match, 'an "export TOKEN=<jwt>" line').not.toBeNull()
  return match![1]
}

describe('the "Try it by hand" commands of a README', () => {
  const readme = [
    '# Lab 9',
    '```bash',
    'echo not this one',
    '```',
    '## Try it by hand',
    'Start the server, then:',
    '```bash',
    '# no token',
    'curl -i http://127.0.0.1:9000/mcp -d "{}"',
    'curl -i http://127.0.0.1:90001/x http://localhost:9000/',
    '',
    '```',
    '```bash',
    'echo the second block is not shown',
    '```',
  ].join('\n')

  it('takes the first bash block after the heading and moves 127.0.0.1:9000 to the real port', () => {
    expect(tryItCommands(readme, 9123)).toEqual([
      '# no token',
      'curl -i http://127.0.0.1:9123/mcp -d "{}"',
      'curl -i http://127.0.0.1:90001/x http://localhost:9000/',
    ])
  })

  it('is empty without the section, or when the section has no bash block', () => {
    expect(tryItCommands('# Lab\n```bash\ncurl x\n```\n', 9000)).toEqual([])
    expect(tryItCommands('## Try it by hand\nnothing\n## Next step\n```bash\ncurl x\n```\n', 9000)).toEqual([])
  })

  it('is empty for a lab without a README', () => {
    const lab = { n: 99, dir: 'no-such-lab', title: 'none', devTokens: false }
    expect(readTryItCommands(lab, 9000)).toEqual([])
  })

  it("in practice mode, lab 6's walks run the learner's client in practice/06-client/, not the lab's", () => {
    const lab = findLab(6)
    const reference = readTryItCommands(lab, 9000)
    expect(reference.filter((line) => line.includes('npx tsx labs/06-client/client/walk.ts')).length).toBeGreaterThan(0)
    const practised = readTryItCommands(lab, 9000, join(ROOT, 'practice', '06-client'))
    expect(practised.join('\n')).not.toContain('labs/06-client/')
    expect(practised).toEqual(reference.map((line) => line.replaceAll('labs/06-client/', 'practice/06-client/')))
  })
})

describe('the scopes asked for by [t]', () => {
  it('defaults to notes:read and normalises spaces', () => {
    expect(parseScopes('')).toBe('notes:read notes:write')
    expect(parseScopes('  notes:read   notes:write ')).toBe('notes:read notes:write')
  })
  it('refuses characters RFC 6749 §3.3 does not allow', () => {
    expect(() => parseScopes('notes:"read"')).toThrow(/not a valid scope/)
  })
})

/** The rows `text` takes on an 80-column terminal, long lines wrapping. */
const rowsAt80 = (text: string) =>
  strip(text)
    .split('\n')
    .reduce((rows, line) => rows + Math.max(1, Math.ceil([...line].length / 80)), 0)

/** What `npm run step N` hands the guide for lab N on `port`. */
async function guideInput(lab: Lab, port: number): Promise<GuideInput> {
  return {
    lab,
    port,
    mcpUrl: `http://127.0.0.1:${port}/mcp`,
    commands: readTryItCommands(lab, port),
    extras: await labExtras(lab),
    companions: (serverLab(lab).companions ?? []).map((c) => ({
      name: c.name,
      base: `http://127.0.0.1:${port + 100}`,
      portEnv: c.portEnv,
    })),
    columns: 80,
    rows: 24,
  }
}

/** The lines under "Try it by hand" as a learner copies them: from the title to the next blank line, unindented. */
function shownCommands(guide: string): string[] {
  const lines = strip(guide).split('\n')
  const start = lines.findIndex((line) => line.startsWith('Try it by hand'))
  const end = lines.findIndex((line, i) => i > start && line.trim() === '')
  return lines.slice(start + 1, end).map((line) => line.replace(/^ {2}/, ''))
}

const guided = LABS.filter((lab) => !lab.attacks && labExists(lab))

describe("the guide's first screen", () => {
  it.each(guided.map((lab) => [lab.n, lab] as const))(
    'lab %i: fits 80×24 with a row left for the cursor, and ends with what to do next',
    async (_n, lab) => {
      const text = renderGuide(await guideInput(lab, 9000))
      expect(rowsAt80(text), strip(text)).toBeLessThanOrEqual(23)
      const lines = strip(text).split('\n')
      const next = LABS[LABS.indexOf(lab) + 1]
      expect(lines.at(-1)).toBe(`Next  read labs/${lab.dir}/README.md and press [c]; then npm run step ${next.n}`)
      expect(lines).toContain('  export MCP=http://127.0.0.1:9000/mcp')
      // wider than the terminal only for one argument in single quotes (a JSON body, a script): unbreakable
      for (const line of lines.filter((l) => l.length > 80)) {
        const longest = (line.match(/'[^']*'/g) ?? []).sort((a, b) => b.length - a.length)[0] ?? ''
        expect(line.length - longest.length, line).toBeLessThanOrEqual(40)
      }
      const shown = shownCommands(text).filter((line) => !line.startsWith('export ') && !line.startsWith('…'))
      expect(shown.length, 'at least one command to try').toBeGreaterThan(0)
    },
  )

  it('labs with a sign-in page list the demo users; lab 7 its provider and the variable that moves it', async () => {
    for (const lab of guided) {
      const text = strip(renderGuide(await guideInput(lab, 9000)))
      for (const user of DEMO_USERS) {
        if (serverLab(lab).signIn) expect(text, `lab ${lab.n}`).toContain(`${user.username} / ${user.password}`)
        else expect(text, `lab ${lab.n}`).not.toContain(`${user.username} / ${user.password}`)
      }
    }
    const lab7 = findLab('7')
    expect(strip(renderGuide(await guideInput(lab7, 9000)))).toMatch(/idp +http:\/\/127\.0\.0\.1:9100 \(IDP_PORT moves it\)/)
  })

  it('a token lab: the lines to paste first export PORT (off 9000), MCP, the headers and a dev token', async () => {
    const lab = findLab('2')
    expect(shownCommands(renderGuide(await guideInput(lab, 9123))).slice(0, 4)).toEqual([
      'export PORT=9123 MCP=http://127.0.0.1:9123/mcp',
      `export CT='Content-Type: application/json'`,
      `export ACCEPT='Accept: application/json, text/event-stream'`,
      'export TOKEN=$(npm run -s token -- --scope "notes:read notes:write")',
    ])
  })

  it("[m], the whole guide, has every command of the README, and lab 4's scope table", async () => {
    for (const lab of guided) {
      const input = await guideInput(lab, 9000)
      const full = strip(renderFullGuide(input))
      const first = shownCommands(renderGuide(input)).filter((line) => !line.startsWith('…'))
      const all = shownCommands(renderFullGuide(input))
      expect(all.slice(0, first.length), `lab ${lab.n}: the first screen shows the start of the whole list`).toEqual(first)
      const commands = input.commands.filter((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
      expect(all.filter((line) => !/^\s/.test(line) && !line.startsWith('#')).length).toBeGreaterThanOrEqual(commands.length)
      if (lab.n === 4) expect(full).toMatch(/The scope gate[^]*purge_notes +notes:admin/)
    }
  })
})

describe('the commands as the guide shows them', () => {
  // Each program a command runs prints its arguments instead, so the two forms can be compared exactly.
  const stubs = ['curl', 'npm', 'npx', 'node', 'openssl'].map((name) => `${name}() { printf '<%s>' ${name} "$@"; echo; }`)

  it.each(LABS.filter((lab) => readTryItCommands(lab, 9000).length > 0).map((lab) => [lab.n, lab] as const))(
    "lab %i: pasted as shown (the export lines, then every command), they run exactly the README's commands",
    async (_n, lab) => {
      const input = await guideInput(lab, 9123) // off the default port: PORT is exported too
      const shown = shownCommands(renderFullGuide(input))
      const setup = shown.slice(
        0,
        shown.findIndex((line) => !line.startsWith('export ')),
      )
      // each form in a subshell of one bash, from a folder of its own
      const form = (lines: string[]) => [
        '(',
        'cd "$(command mktemp -d)"',
        'mktemp() { echo .; }',
        ...lines,
        'echo "MCP=$MCP TOKEN=$TOKEN"',
        ')',
      ]
      const script = [...stubs, ...form([...setup, ...input.commands]), 'echo @@@ $?', ...form(shown), 'echo @@@ $?'].join('\n')
      const run = spawnSync('bash', ['-c', script], { cwd: tmpdir(), encoding: 'utf8', env: { PATH: process.env.PATH } })
      const [readme, pasted] = run.stdout.split(/^@@@ .*\n/m)
      expect(readme, shown.join('\n')).toMatch(/<curl>|<npx>/)
      expect(pasted).toBe(readme)
      expect(run.stdout.match(/^@@@ \d+$/gm)).toEqual(['@@@ 0', '@@@ 0'])
    },
  )
})

describe('npm run step in a terminal', () => {
  it(
    'lab 1: ready line, guide, [m] through the pager, [c] checks, a key while busy, ' +
      '[d] no previous lab, [t] no dev tokens, [w] no client, [q] quits',
    async () => {
      const port = await freePort()
      const paged = join(mkdtempSync(join(tmpdir(), 'pager-')), 'paged.txt')
      const step = stepInTerminal('1', port, { PAGER: `cat > '${paged}'` })
      await step.waitFor(`ready: http://127.0.0.1:${port}/mcp`)
      await step.waitFor(/Lab 1 +Streamable HTTP/)
      await step.waitFor(new RegExp(`MCP endpoint +http://127\\.0\\.0\\.1:${port}/mcp`))
      await step.waitFor(/\[c\] checks .*\[q\] quit/)
      await step.waitFor(/Next  read labs\/01-transport\/README\.md/)
      expect(step.raw).toMatch(/\x1b\[36m/) // eslint-disable-line no-control-regex -- in colour, as learners see it
      expect(step.text).toContain(`export MCP=http://127.0.0.1:${port}/mcp`)
      if (port !== 9000) expect(step.text).not.toContain('127.0.0.1:9000')

      let mark = step.press('m')
      await step.waitFor(/\[c\] checks .*\[q\] quit/, mark) // the short header, once the pager is done
      const whole = strip(readFileSync(paged, 'utf8'))
      expect(whole).toContain('Try it by hand')
      expect(whole).toContain(`export MCP=http://127.0.0.1:${port}/mcp`)
      expect(step.text.slice(mark)).not.toContain('Try it by hand') // it went to the pager, not the screen

      mark = step.press('c')
      await step.waitFor(/✔/, mark, 45_000)
      step.press('d') // while the checks run
      await step.waitFor(/busy: running lab 1's checks; press \[d\] again once it is done/, mark)
      await step.waitFor(/\d+ passed, 0 failed/, mark, 45_000)
      mark = step.press('d')
      await step.waitFor(/no previous lab/, mark)
      mark = step.press('t')
      await step.waitFor(/lab 1 takes no dev tokens/, mark)
      mark = step.press('w')
      await step.waitFor(/lab 1 has no client to walk \(lab 6 and lab 7 do\)\./, mark)

      step.press('q')
      expect(await step.exitCode()).toBe(0)
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT,
  )

  const tokenLab = LABS.find((lab) => lab.devTokens && labExists(lab))
  it.skipIf(tokenLab === undefined)(
    `lab ${tokenLab?.n ?? '(none: no lab with dev tokens has a server.ts yet)'}: ` +
      "the guide's first lines, pasted, get a token the server takes; [t] mints one with the scopes asked for",
    async () => {
      const lab = tokenLab!
      const port = await freePort()
      const mcpUrl = `http://127.0.0.1:${port}/mcp`
      const step = stepInTerminal(String(lab.n), port)
      await step.waitFor(`ready: ${mcpUrl}`)
      await step.waitFor(/\[t\] new token.*\[q\] quit/)
      await step.waitFor(/^Next /m)

      // what a learner pastes in another terminal: the export lines, then a call
      const setup = shownCommands(step.text).filter((line) => line.startsWith('export '))
      expect(setup[0]).toBe(`export PORT=${port} MCP=${mcpUrl}`) // so \`npm run token\` mints for this port
      const call =
        `curl -s -o /dev/null -w '%{http_code}' $MCP -H "Authorization: Bearer $TOKEN" -H "$CT" -H "$ACCEPT" ` +
        `--data '{"jsonrpc":"2.0","id":1,"method":"tools/list"}'`
      const pasted = spawnSync('bash', ['-c', [...setup, call].join('\n')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 })
      expect(pasted.stdout, pasted.stderr).toBe('200')

      let mark = step.press('t')
      await step.waitFor(/scopes \(space-separated\) \[notes:read notes:write\]:/, mark)
      mark = step.press('notes:read\r')
      await step.waitFor(new RegExp(`export TOKEN=${JWT.source}`), mark)
      const token = jwtAfter(step.text.slice(mark))
      const claims = decodeJwt(token)
      expect(claims).toMatchObject({ aud: mcpUrl, iss: `http://127.0.0.1:${port}`, scope: 'notes:read' })
      expect(claims.exp! - claims.iat!).toBe(15 * 60)

      // a second time, Enter takes the default (and the key that asked is not part of the answer)
      mark = step.press('t')
      await step.waitFor(/scopes \(space-separated\) \[notes:read notes:write\]:/, mark)
      mark = step.press('\r')
      await step.waitFor(new RegExp(`export TOKEN=${JWT.source}`), mark)
      expect(decodeJwt(jwtAfter(step.text.slice(mark))).scope).toBe('notes:read notes:write')

      // the server takes it
      const reply = await fetch(mcpUrl, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      })
      expect(reply.status).toBe(200)

      // keys work again after the question
      mark = step.press('h')
      await step.waitFor(new RegExp(`Lab ${lab.n} `), mark)
      step.press('\u0003') // Ctrl-C quits too
      expect(await step.exitCode()).toBe(0)
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT,
  )

  it(
    'lab 2: [d] pages the diff in less; Ctrl-C there is for less, not the lab; q gives the keys back',
    async () => {
      const port = await freePort()
      const step = stepInTerminal('2', port)
      await step.waitFor(/^Next /m)
      let mark = step.press('d')
      await step.waitFor(/lab 1 → lab 2: \d+ files? changed/, mark)
      await new Promise((resolve) => setTimeout(resolve, 500)) // less is reading its keys now
      step.press('\u0003') // a Ctrl-C in less: the terminal signals the whole foreground group
      await new Promise((resolve) => setTimeout(resolve, 500))
      mark = step.press('q') // quits less
      await step.waitFor(/\[c\] checks .*\[q\] quit/, mark) // the short header: the guide is back
      const reply = await fetch(`http://127.0.0.1:${port}/mcp`)
      expect(reply.status, 'the lab still serves').toBe(405)
      mark = step.press('h')
      await step.waitFor(/Lab 2 +JWT access tokens/, mark)
      step.press('q')
      expect(await step.exitCode()).toBe(0)
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT,
  )

  it(
    'practice 2: the exercises on screen, [c] names them, the solution typed in turns the checks green, [h] hints, [s] shows it',
    async () => {
      const port = await freePort()
      const practiceDir = mkdtempSync(join(ROOT, '.practice-'))
      try {
        const step = stepInTerminal('--practice 2', port, { PRACTICE_DIR: practiceDir })
        await step.waitFor(/^Next /m)
        expect(step.text).toMatch(/made .*02-jwks\/: lab 2 with 2 exercises to write/)
        expect(step.text).toMatch(/practice +.*02-jwks\/ +verify-token \(bearer\.ts\) to write, challenge \(bearer\.ts\) to write/)
        expect(step.text).toMatch(/\[c\] checks +\[h\] hint +\[s\] solution/)
        let mark = step.press('c')
        await step.waitFor(/\d+ passed, \d+ failed/, mark)
        expect(step.text.slice(mark)).toMatch(/✘ a valid token reads notes.*\n(.*\n)*? +↳ exercise verify-token \(bearer\.ts\)/)
        expect(step.text.slice(mark)).toMatch(/↳ exercise challenge \(bearer\.ts\)/)
        mark = step.press('h')
        await step.waitFor(/exercise verify-token \(bearer\.ts\), hint 1 of \d/, mark)
        mark = step.press('s')
        await step.waitFor(/the solution of which exercise\?/, mark)
        step.child.stdin.write('1\r')
        await step.waitFor(/the solution of verify-token, against your/, mark)
        await new Promise((resolve) => setTimeout(resolve, 500))
        step.press('q') // quits less
        // The learner types the solution in (copied from the lab), saves, and the server restarts.
        const file = join(practiceDir, '02-jwks', 'bearer.ts')
        mark = step.text.length
        writeFileSync(file, readFileSync(join(ROOT, 'labs/02-jwks/bearer.ts'), 'utf8'))
        await greenAfterSave(step, mark, port, /\d+ passed, 0 failed/)
      } finally {
        rmSync(practiceDir, { recursive: true, force: true })
      }
    },
    TIMEOUT * 3,
  )

  it(
    'practice 2: [d] shows the exercises as stubs, no answer; [s] is the one key that shows a solution',
    async () => {
      const port = await freePort()
      const practiceDir = mkdtempSync(join(ROOT, '.practice-'))
      try {
        // PAGER=cat: the diff and the solution are printed, to be read here whole
        const step = stepInTerminal('--practice 2', port, { PRACTICE_DIR: practiceDir, PAGER: 'cat' })
        await step.waitFor(/^Next /m)
        let mark = step.press('d')
        await step.waitFor(/\[s\] shows a solution; the same with the READMEs: npm run diff 1 2 -- --all\)/, mark)
        const diff = step.text.slice(mark)
        expect(diff).toMatch(/lab 1 → lab 2: 4 files changed/)
        expect(diff).toMatch(/lab 2's exercises show as stubs while you practise it in /)
        expect(diff).toMatch(/left out: \d+ lines of the checks/)
        expect(diff).toMatch(/\+ *\/\/ TODO \(exercise verify-token\): /)
        expect(diff).not.toContain("algorithms: ['RS256']")
        await step.waitFor(/\[c\] checks .*\[q\] quit/, mark)
        mark = step.press('s')
        await step.waitFor(/the solution of which exercise\?/, mark)
        step.child.stdin.write('1\r')
        await step.waitFor(/\[c\] checks .*\[q\] quit/, mark)
        expect(step.text.slice(mark)).toContain("algorithms: ['RS256']")
        step.press('q')
        expect(await step.exitCode()).toBe(0)
      } finally {
        rmSync(practiceDir, { recursive: true, force: true })
      }
    },
    TIMEOUT * 2,
  )

  it(
    "practice 5 --part 4: [c] runs part 4's checks alone, blames its exercise alone; a save by rename restarts it, then green",
    async () => {
      const port = await freePort()
      const practiceDir = mkdtempSync(join(ROOT, '.practice-'))
      try {
        const step = stepInTerminal('--practice 5 --part 4', port, { PRACTICE_DIR: practiceDir })
        await step.waitFor(/^Next /m)
        expect(step.text).toMatch(/part 4: wrong-passwords \(oauth\/login\.ts\) to write; the others solved/)
        let mark = step.press('c')
        await step.waitFor(/\d+ passed, \d+ failed/, mark, 90_000)
        const graded = step.text.slice(mark)
        expect(graded).toMatch(/lab 5's part 4 checks against your /)
        expect(graded).toMatch(/0 passed, 2 failed/)
        expect(graded.match(/↳ .*/g)).toEqual([
          '↳ exercise wrong-passwords (oauth/login.ts)',
          '↳ exercise wrong-passwords (oauth/login.ts)',
        ])
        // the learner writes it, and the editor saves by writing a temporary file and renaming it over
        const file = join(practiceDir, '05-oauth', 'oauth', 'login.ts')
        mark = step.text.length
        writeFileSync(`${file}.tmp~`, readFileSync(join(ROOT, 'labs/05-oauth/oauth/login.ts'), 'utf8'))
        renameSync(`${file}.tmp~`, file)
        await greenAfterSave(step, mark, port, /2 passed, 0 failed/)
      } finally {
        rmSync(practiceDir, { recursive: true, force: true })
      }
    },
    TIMEOUT * 3,
  )

  it(
    'lab 6: the walk comes first and the guide after it, whole on the last screen; Ctrl-C during the walk exits 130',
    async () => {
      const port = await freePort()
      const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'step6-')) }
      let step = stepInTerminal('6', port, env)
      await step.waitFor(/the walk succeeded/, 0, 90_000)
      await step.waitFor(/^Next .*npm run step 7/m)
      // a terminal of 24 rows shows the last 24: the guide, from its title, with a row for the cursor
      const screen = strip(step.text)
        .split('\n')
        .flatMap((line) => line.match(/.{1,80}/g) ?? [''])
        .slice(-24)
      expect(
        screen.some((line) => /^Lab 6 +A real client walks the whole flow/.test(line)),
        screen.join('\n'),
      ).toBe(true)
      step.press('q')
      expect(await step.exitCode()).toBe(0)

      step = stepInTerminal('6', port, env)
      await step.waitFor(/^\s*1\. /m, 0, 90_000) // the walk's first leg
      step.press('\u0003')
      expect(await step.exitCode()).toBe(130)
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT * 2,
  )

  it(
    "lab 7: the provider's port from IDP_PORT, oidc-provider's runtime warning explained once; closing the terminal stops both",
    async () => {
      const port = await freePort()
      const idpPort = await freePort()
      const step = stepInTerminal('7', port, { IDP_PORT: String(idpPort), DATA_DIR: mkdtempSync(join(tmpdir(), 'step7-')) })
      await step.waitFor(/^Next /m, 0, 90_000)
      expect(step.text).toMatch(new RegExp(`idp +http://127\\.0\\.0\\.1:${idpPort} \\(IDP_PORT moves it\\)`))
      const warnings = step.text.match(/oidc-provider WARNING: Unsupported runtime/g) ?? []
      const notes = step.text.match(/that warning: oidc-provider is tested upstream/g) ?? []
      expect(notes.length).toBe(warnings.length > 0 ? 1 : 0)
      step.child.kill('SIGKILL') // the terminal window closes: the kernel hangs up the runner
      await step.exitCode()
      for (const p of [port, idpPort]) {
        const deadline = Date.now() + 30_000
        while (!(await portIsFree(p)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100)) // poll
        expect(await portIsFree(p), `port ${p} is free after the hangup`).toBe(true)
      }
    },
    TIMEOUT,
  )
})

describe('npm run step without a terminal', () => {
  it(
    'serves lab 1, prints the ready line and no guide, and stops cleanly on SIGTERM, exiting 143 as a shell reports it',
    async () => {
      const port = await freePort()
      const step = stepWithoutTerminal(['1'], port)
      await step.waitFor(`ready: http://127.0.0.1:${port}/mcp`)
      expect(step.text).not.toMatch(/Keys|\[q\] quit/)
      const reply = await fetch(`http://127.0.0.1:${port}/mcp`, { method: 'GET' })
      expect(reply.status).toBe(405)
      step.child.kill('SIGTERM')
      expect(await step.exitCode()).toBe(143)
      expect(await portIsFree(port)).toBe(true)
    },
    TIMEOUT,
  )

  it(
    'says how to fix a port that is in use, and exits 1',
    async () => {
      const port = await freePort()
      const blocker = createServer()
      await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve))
      try {
        const step = stepWithoutTerminal(['1'], port)
        expect(await step.exitCode()).toBe(1)
        expect(step.text.trim()).toMatch(new RegExp(`^PORT ${port} is in use by .*not a lab.*: stop it, or run PORT=\\d+ npm run step 1$`))
      } finally {
        blocker.close()
      }
    },
    TIMEOUT,
  )

  it(
    'lists the labs and exits 2 for a lab that does not exist, or none',
    async () => {
      for (const args of [['99'], []]) {
        const step = stepWithoutTerminal(args)
        expect(await step.exitCode()).toBe(2)
        expect(step.text).toMatch(args.length ? /There is no lab "99"/ : /Which lab\?/)
        for (const lab of LABS) expect(step.text).toContain(lab.dir)
      }
    },
    TIMEOUT,
  )
})
