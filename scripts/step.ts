// npm run step N: start lab N on 127.0.0.1:PORT (default 9000). In a terminal, also show the
// interactive guide (scripts/lib/guide.ts); without one (CI, pipes) only serve until SIGINT/SIGTERM.
// A lab with a client (lab 6) runs it against the server: once without a terminal, exiting with
// its status; again on [w] in the guide. Options: --server URL (use that server), --user, --browser.
// An attacks lab (lab 8) starts the lab named by --target (default 5) and runs its battery against it.
import { spawn } from 'node:child_process'
import { parseArgs } from 'node:util'
import { createInterface } from 'node:readline'
import { chalk } from 'zx'
import { diffLabs } from './lib/diff.ts'
import {
  DEFAULT_SCOPE,
  GUIDE_SCOPE,
  GUIDE_TOKEN_TTL,
  keyLegend,
  labExtras,
  noDevTokens,
  noPreviousLab,
  parseScopes,
  readTryItCommands,
  renderGuide,
} from './lib/guide.ts'
import { ensureDevKey } from '@workshop/kit/keys'
import { type Lab, DEFAULT_TARGET, baseLab, clientPath, findLab, labExists, labPath, serverLab, UnknownLabError } from '@workshop/kit/labs'
import { type RunningLab, portIsFree, startLab } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'
import { checkLab } from '@workshop/kit/run-checks'
import { mintAccessToken } from '@workshop/kit/tokens'

function fail(message: string, code: number): never {
  console.error(message)
  process.exit(code)
}

const { positionals, values: options } = parseArgs({
  allowPositionals: true,
  options: {
    server: { type: 'string' },
    user: { type: 'string' },
    browser: { type: 'boolean' },
    target: { type: 'string' },
    verbose: { type: 'boolean' },
  },
})

let lab: Lab
try {
  lab = findLab(positionals[0])
} catch (error) {
  if (!(error instanceof UnknownLabError)) throw error
  fail(`${error.message}\nusage: npm run step N        e.g. npm run step 1`, 2)
}
if (!labExists(lab)) fail(`lab ${lab.n} (${lab.dir}) is not written yet: ${labPath(serverLab(lab), 'server.ts')} is missing.`, 2)
if (lab.attacks) await attack(lab)

const port = Number(process.env.PORT ?? 9000)
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`PORT must be a port number (1–65535), got "${process.env.PORT}"`, 2)
if (ensureDevKey()) console.log(chalk.dim('generated a dev key pair in keys/ (never commit it)'))
if (options.server === undefined && !(await portIsFree(port))) {
  fail(chalk.red(`port ${port} is in use: stop the other server or run PORT=${port === 9000 ? 9001 : port + 1} npm run step ${lab.n}`), 1)
}

if (process.stdin.isTTY && process.stdout.isTTY) await guide(lab, port)
else await serve(lab, port)

/** The lab's client program (lab 6's walk) against `mcpUrl`; resolves with its exit code. */
function runClient(lab: Lab, mcpUrl: string): Promise<number> {
  const args = [...(options.user ? ['--user', options.user] : []), ...(options.browser ? ['--browser'] : []), mcpUrl]
  const child = spawn(process.execPath, ['--import', 'tsx', clientPath(lab)!, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  return new Promise((resolve) => child.once('exit', (code) => resolve(code ?? 1)))
}

/**
 * An attacks lab: start the target lab (companions included) on a free port (or PORT), run the
 * battery against it with the output going straight to ours, stop it, and exit with the battery's
 * status. The same with or without a terminal; --server URL attacks a server that is already running.
 */
async function attack(lab: Lab): Promise<never> {
  let target: Lab
  try {
    target = findLab(options.target ?? String(DEFAULT_TARGET))
  } catch (error) {
    if (!(error instanceof UnknownLabError)) throw error
    fail(`${error.message}\nusage: npm run step ${lab.n} -- --target N        e.g. npm run step ${lab.n} -- --target 3`, 2)
  }
  if (target.attacks || !labExists(target))
    fail(`lab ${target.n} (${target.dir}) has no server to attack: choose a lab with a server.ts.`, 2)
  const battery = (base: string) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', labPath(lab, lab.attacks!), '--target', String(target.n), ...(options.verbose ? ['--verbose'] : []), base],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
    )
    return new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)))
  }
  if (options.server) process.exit(await battery(options.server))
  if (ensureDevKey()) console.log(chalk.dim('generated a dev key pair in keys/ (never commit it)'))
  console.log(chalk.dim(`starting lab ${target.n} (${target.dir}) for lab ${lab.n}'s attacks…`))
  let server: RunningLab
  try {
    server = await startLab(target, { port: process.env.PORT === undefined ? undefined : Number(process.env.PORT) })
  } catch (error) {
    fail(chalk.red((error as Error).message), 1)
  }
  const stop = async (code: number): Promise<never> => {
    await server.stop()
    process.exit(code)
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(130))
  return stop(await battery(server.base))
}

/** No terminal: serve with the lab's output going straight to ours until told to stop; or run its client once. */
async function serve(lab: Lab, port: number): Promise<void> {
  if (lab.client && !lab.client.onRequest && options.server) process.exit(await runClient(lab, options.server))
  let server: RunningLab
  try {
    server = await startLab(lab, { port, echo: true, companionPorts: { idp: port + 100 } })
  } catch (error) {
    fail(chalk.red((error as Error).message), 1)
  }
  const stop = async (code: number) => {
    await server.stop()
    process.exit(code)
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(0))
  server.child.once('exit', (code) => process.exit(code ?? 1))
  if (lab.client && !lab.client.onRequest) await stop(await runClient(lab, server.mcpUrl))
}

/** A terminal: start the lab, print the guide, then act on single keys until [q] or Ctrl-C. */
async function guide(lab: Lab, port: number): Promise<void> {
  const stdin = process.stdin
  console.log(chalk.dim(`starting lab ${lab.n} (${lab.dir}) on port ${port}…`))
  let server: RunningLab
  try {
    server = await startLab(lab, { port, companionPorts: { idp: port + 100 } })
  } catch (error) {
    fail(chalk.red((error as Error).message), 1)
  }

  // The server's log lines, dimmed; held back while a question is being asked.
  let asking = false
  const held: string[] = []
  const logLine = (line: string) => (asking ? held.push(line) : console.log(chalk.dim(`  server │ ${line}`)))
  for (const line of server.output().split(/\r?\n/)) if (line.trim()) logLine(line)
  for (const stream of [server.child.stdout!, server.child.stderr!]) {
    let partial = ''
    stream.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split(/\r?\n/)
      partial = lines.pop()!
      for (const line of lines) logLine(line)
    })
  }

  let quitting = false
  const quit = async (code = 0) => {
    if (quitting) return
    quitting = true
    stdin.setRawMode(false)
    console.log(chalk.dim(`\nstopping lab ${lab.n}…`))
    await server.stop()
    process.exit(code)
  }
  server.child.once('exit', (code, signal) => {
    if (quitting) return
    console.error(chalk.red(`\nthe lab ${lab.n} server stopped by itself (${signal ?? `exit code ${code}`}); see its log above.`))
    void quit(1)
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void quit(0))

  const legend = () => console.log(`\n${chalk.bold('Keys')}  ${keyLegend(lab)}`)
  const showGuide = async () => {
    const token = lab.devTokens ? await mintAccessToken({ port, scope: GUIDE_SCOPE, ttl: GUIDE_TOKEN_TTL }) : undefined
    const commands = readTryItCommands(lab, port)
    const extras = await labExtras(lab)
    console.log(renderGuide({ lab, port, mcpUrl: server.mcpUrl, token, commands, extras, columns: process.stdout.columns }))
  }

  /** Leaves raw mode for one line of input; undefined when cancelled (Ctrl-C, Ctrl-D). */
  const ask = async (question: string) => {
    asking = true
    // let the key that asked finish its trip through stdin's listeners first, or it becomes the answer's first letter
    await new Promise((resolve) => setImmediate(resolve))
    return new Promise<string | undefined>((resolve) => {
      stdin.setRawMode(false)
      const rl = createInterface({ input: stdin, output: process.stdout, terminal: true })
      let answer: string | undefined
      rl.on('SIGINT', () => rl.close())
      rl.on('close', () => {
        if (answer === undefined) process.stdout.write('\n')
        stdin.setRawMode(true)
        stdin.resume()
        asking = false
        for (const line of held.splice(0)) logLine(line)
        resolve(answer)
      })
      rl.question(question, (line) => {
        answer = line
        rl.close()
      })
    })
  }

  const actions: Record<string, () => Promise<void>> = {
    async c() {
      console.log(chalk.bold(`\nlab ${lab.n}'s checks against ${server.base}`))
      await checkLab(lab, { base: server.base })
    },
    async d() {
      const previous = baseLab(lab)
      if (!previous) return console.log(`\n${noPreviousLab(lab)}`)
      const { text } = await diffLabs(previous, lab, { color: true })
      process.stdout.write(`\n${text}`)
      console.log(chalk.dim(`(the same with the READMEs: npm run diff ${previous.n} ${lab.n} -- --all)`))
    },
    async t() {
      if (!lab.devTokens) return console.log(`\n${noDevTokens(lab)}`)
      console.log()
      const answer = await ask(`scopes (space-separated) [${DEFAULT_SCOPE}]: `)
      if (answer === undefined) return console.log(chalk.dim('no token minted'))
      const scope = parseScopes(answer)
      const token = await mintAccessToken({ port, scope, ttl: GUIDE_TOKEN_TTL })
      console.log(chalk.dim(`a token for sub "alice", scope "${scope}", valid ${GUIDE_TOKEN_TTL.replace('m', ' min')}:`))
      console.log(`export TOKEN=${token}`)
    },
    async h() {
      await showGuide()
    },
    async w() {
      if (!lab.client) return
      const code = await runClient(lab, options.server ?? server.mcpUrl)
      console.log(code === 0 ? chalk.green('the walk succeeded') : chalk.red(`the walk failed (exit code ${code})`))
    },
  }

  let busy = false
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  stdin.on('data', async (data: string) => {
    if (asking) return // readline has the keyboard
    if (data.includes('\u0003') || data.includes('\u0004')) return void quit(0) // Ctrl-C, Ctrl-D
    const key = data.startsWith('\u001b') ? '' : data[0]?.toLowerCase() // ignore arrow keys and the like
    if (key === 'q') return void quit(0)
    if (busy) return
    const action = actions[key]
    if (!action) {
      if (key && key.trim()) legend()
      return
    }
    busy = true
    try {
      await action()
    } catch (error) {
      console.error(chalk.red(String((error as Error).message)))
    } finally {
      busy = false
    }
    if (key !== 'h' && !quitting) legend()
  })
  await showGuide()
  if (lab.client && !lab.client.onRequest) {
    busy = true
    await actions.w()
    busy = false
    legend()
  }
}
