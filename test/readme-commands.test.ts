// The "Try it by hand" commands of every lab's README, run as printed (port adapted, as the guide does)
// against the running lab, in one shell per lab so `export TOKEN=…` carries over as in a learner's
// terminal; each command must give the outcome the README states for it.
//
// A command states its outcome in a trailing comment, `# → …`, which the guide shows with it:
//   401                 the HTTP status (a `curl -i` line)
//   invalid_token       the OAuth error code: error="…" in WWW-Authenticate, or "error":"…" in the JSON body
//   `Notes of alice`    printed in the answer
//   no `error=`         printed nowhere in it (in any case)
//   2× `"kid"`          printed exactly twice
//   in login.html       look for the strings in that file, which the command wrote
// A line that only sets a variable (NAME=…, export NAME=…) must set it and print nothing; `cd` and function
// definitions state nothing; every other command must state its outcome. Any other word after the arrow
// is an error, so a claim can never be skipped unchecked.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readTryItCommands } from '../scripts/lib/guide.ts'
import { type Lab, DEFAULT_TARGET, LABS, findLab, labExists, labPath } from '@workshop/kit/labs'
import { type RunningLab, freePort, startLab, stopChild } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'

interface Expectation {
  status?: number
  error?: string
  shows: string[]
  hides: string[]
  counts: [number, string][]
  file?: string
}

/** The claims after `# →`, or undefined when the line states none. Throws on a word it cannot check. */
function parseExpectation(line: string): Expectation | undefined {
  const arrow = line.lastIndexOf(' # → ')
  if (arrow === -1) return undefined
  const expectation: Expectation = { shows: [], hides: [], counts: [] }
  const text = line.slice(arrow + ' # → '.length)
  for (const [, times, counted, hidden, shown, file, word] of text.matchAll(
    /(\d+)×\s*`([^`]*)`|no\s+`([^`]*)`|`([^`]*)`|in\s+(\S+)|(\S+)/g,
  )) {
    if (counted !== undefined) expectation.counts.push([Number(times), counted])
    else if (hidden !== undefined) expectation.hides.push(hidden)
    else if (shown !== undefined) expectation.shows.push(shown)
    else if (file !== undefined) expectation.file = file
    else if (/^[1-5]\d\d$/.test(word)) expectation.status = Number(word)
    else if (/^[a-z]+(?:_[a-z]+)+$/.test(word)) expectation.error = word
    else throw new Error(`"${word}" in "# → ${text}" is not a status, an error code or a \`string\``)
  }
  return expectation
}

/** The variable a line sets, when setting it is all the line does. */
function assignedName(line: string): string | undefined {
  return /^(?:export\s+)?([A-Za-z_]\w*)=/.exec(line)?.[1]
}

const isSetup = (line: string) => /^cd\s/.test(line) || /^[A-Za-z_]\w*\(\)\s*\{/.test(line)
const isComment = (line: string) => /^\s*(#|$)/.test(line)

interface Step {
  line: string
  output: string
  exit: number
}

function runShell(script: string, env: Record<string, string>, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), TIMEOUT - 30_000) // a hung command, not a slow one
    child.once('error', reject)
    child.once('close', () => {
      clearTimeout(timer)
      resolve(output)
    })
  })
}

/** Runs the lines in one bash, each line's stdout and stderr, exit status and files kept apart. */
async function runLines(lines: string[], port: number): Promise<Map<number, Step>> {
  const script = lines
    .map((line, i) => {
      if (isComment(line)) return ''
      const name = assignedName(line)
      const file = parseExpectation(line)?.file
      return [
        `echo "@@@ begin ${i}"`,
        `{\n${line}\n} 2>&1`,
        '__status=$?',
        name ? `[ -n "\${${name}:-}" ] || echo "@@@ ${name} is empty"` : '',
        file ? `cat -- '${file}' 2>&1` : '',
        `printf '\\n@@@ end ${i} %s\\n' "$__status"`,
      ].join('\n')
    })
    .join('\n')
  const output = await runShell(script, { PORT: String(port) }, ROOT)
  const steps = new Map<number, Step>()
  for (const match of output.matchAll(/^@@@ begin (\d+)\n([\s\S]*?)\n@@@ end \1 (\d+)$/gm)) {
    steps.set(Number(match[1]), { line: lines[Number(match[1])], output: match[2].trim(), exit: Number(match[3]) })
  }
  const ran = lines.flatMap((line, i) => (isComment(line) ? [] : [i]))
  const last = ran.find((i) => !steps.has(i))
  if (last !== undefined) throw new Error(`the shell stopped at:\n${lines[last]}\n\n${output.slice(-3000)}`)
  return steps
}

/** Checks one command's output against what its line states. */
function checkStep({ line, output, exit }: Step, port: number): void {
  const where = `${line}\n--- printed:\n${output}`
  expect(exit, `${where}\n--- exited ${exit}`).toBe(0)
  const statuses = [...output.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1])).filter((s) => s >= 200)
  for (const status of statuses) expect(status, `${where}\n--- answered ${status}`).toBeLessThan(500)
  if (/^curl -s /.test(line) && output.startsWith('{') && !line.includes(' -o ')) expect(() => JSON.parse(output), where).not.toThrow()

  const name = assignedName(line)
  if (name !== undefined) {
    expect(output, `${where}\n--- a line that sets ${name} prints nothing`).toBe('')
    return
  }
  const expectation = parseExpectation(line.replace(/127\.0\.0\.1%3A9000(?!\d)/g, `127.0.0.1%3A${port}`))
  if (isSetup(line)) return
  expect(expectation, `${line}\n--- states no outcome: end it with "# → …"`).toBeDefined()
  const { status, error, shows, hides, counts } = expectation!
  if (status !== undefined) expect(statuses[0], `${where}\n--- the status`).toBe(status)
  if (error !== undefined) {
    const inHeader = new RegExp(`error="${error}"`).test(output)
    const inBody = new RegExp(`"error"\\s*:\\s*"${error}"`).test(output)
    expect(inHeader || inBody, `${where}\n--- no error code ${error} in WWW-Authenticate or the body`).toBe(true)
  }
  for (const text of shows) expect(output, where).toContain(text)
  for (const text of hides) expect(output.toLowerCase(), where).not.toContain(text.toLowerCase())
  for (const [times, text] of counts) expect(output.split(text).length - 1, `${where}\n--- how many times ${text}`).toBe(times)
}

const running: RunningLab[] = []
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()))
})

/** Starts the lab the README's commands talk to: lab 8's attack lab 5. */
async function start(lab: Lab, env?: Record<string, string>): Promise<RunningLab> {
  const server = await startLab(lab.attacks ? findLab(String(DEFAULT_TARGET)) : lab, { env })
  running.push(server)
  return server
}

const labs = LABS.filter((lab) => labExists(lab))
// Up to five labs at once on a two-core machine, lab 6's three sign-ins among them.
const TIMEOUT = 300_000

describe('the expectation comments', () => {
  it('read a status, an error code, strings, absences, counts and a file; refuse anything else', () => {
    expect(parseExpectation('curl -i x   # → 401 invalid_token `Notes of "alice"` no `error=` 2× `"kid"` in a.html')).toEqual({
      status: 401,
      error: 'invalid_token',
      shows: ['Notes of "alice"'],
      hides: ['error='],
      counts: [[2, '"kid"']],
      file: 'a.html',
    })
    expect(parseExpectation('curl -s x')).toBeUndefined()
    expect(() => parseExpectation('curl -i x   # → 401 probably')).toThrow(/"probably"/)
  })
})

describe("README's Try it by hand commands", () => {
  it('every lab has them', () => {
    expect(labs.filter((lab) => readTryItCommands(lab, 9000).length === 0).map((lab) => lab.n)).toEqual([])
  })

  describe.concurrent('do what the README says', () => {
    it.each(labs.map((lab) => [lab.n, lab] as const))(
      'lab %i',
      async (_n, lab) => {
        const server = await start(lab)
        const lines = readTryItCommands(lab, server.port)
        const steps = await runLines(lines, server.port)
        for (const step of steps.values()) checkStep(step, server.port)
      },
      TIMEOUT,
    )

    // Lab 5's "Client ID metadata documents, locally": serve the document as printed, start lab 5 as
    // printed, then the Try it block again with the document's URL as CLIENT_ID, as the README says.
    it(
      'lab 5, with a client ID metadata document',
      async () => {
        const readme = readFileSync(labPath(findLab('5'), 'README.md'), 'utf8')
        const section = readme.slice(readme.indexOf('### Client ID metadata documents, locally'))
        const block = /```bash\n([\s\S]*?)\n```/.exec(section)![1].split('\n')
        const docsPort = await freePort()
        const folder = mkdtempSync(join(tmpdir(), 'cimd-'))
        const adapt = (text: string) => text.replace(/\b8765\b/g, String(docsPort)).replaceAll('/tmp/cimd', folder)
        const lines = block.map(adapt)

        const serveAt = lines.findIndex((line) => line.startsWith('python3 -m http.server'))
        const stepAt = lines.findIndex((line) => / npm run step 5$/.test(line))
        expect([serveAt, stepAt].every((i) => i > 0) && serveAt < stepAt, block.join('\n')).toBe(true)
        const serveLine = lines[serveAt].replace(/\s+#.*$/, '').replace(/\s*&$/, '')
        const documents = spawn('bash', ['-c', [...lines.slice(0, serveAt), `exec ${serveLine}`].join('\n')], {
          cwd: ROOT,
          stdio: ['ignore', 'pipe', 'pipe'],
        })
        let log = ''
        documents.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()))
        documents.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()))
        try {
          const env = Object.fromEntries([...lines[stepAt].matchAll(/(\w+)=(\S+) /g)].map((m) => [m[1], m[2]]))
          expect(env).toEqual({ ALLOW_LOOPBACK_CLIENT_METADATA: '1' })
          const server = await start(findLab('5'), env)
          const documentUrl = `http://127.0.0.1:${docsPort}/client.json`
          for (
            let tries = 0;
            !(await fetch(documentUrl).then(
              (r) => r.ok,
              () => false,
            ));
            tries++
          ) {
            expect(tries, `the document at ${documentUrl} is not served:\n${log}`).toBeLessThan(120)
            await new Promise((resolve) => setTimeout(resolve, 250))
          }
          expect(await (await fetch(documentUrl)).json()).toMatchObject({ client_id: documentUrl, client_name: 'My client' })

          const instead = /`(CLIENT_ID=http:\/\/127\.0\.0\.1:8765\/client\.json)`/.exec(section)
          expect(instead, 'the README says which CLIENT_ID to use').not.toBeNull()
          const tryIt = readTryItCommands(findLab('5'), server.port)
          const registration = tryIt.findIndex((line) => line.startsWith('CLIENT_ID='))
          expect(registration).toBeGreaterThanOrEqual(0)
          tryIt[registration] = adapt(instead![1])
          const steps = await runLines(tryIt, server.port)
          for (const step of steps.values()) checkStep(step, server.port)
          const consent = [...steps.values()].find((step) => step.line.includes('-o consent.html'))!
          expect(consent.output, 'the consent page names the client').toContain('My client')
          expect(log, "python3's log shows the authorization server fetching the document").toMatch(
            /"GET \/client\.json HTTP\/1\.[01]" 200/,
          )
        } finally {
          await stopChild(documents)
        }
      },
      TIMEOUT,
    )
  })
})
