// npm run step N: start lab N on 127.0.0.1:PORT (default 9000; its companions, such as lab 7's identity
// provider, on their registry portEnv, e.g. IDP_PORT, default PORT+100). In a terminal, also show the
// interactive guide (scripts/lib/guide.ts); without one (CI, pipes) only serve until told to stop.
// A lab with a client (lab 6) runs it against the server: once without a terminal, exiting with its
// status; again on [w] in the guide. Options: --server URL (use that server), --user, --browser.
// An attacks lab (lab 8) starts the lab named by --target (default 5) and runs its battery against it.
// npm run practice N (--practice) does the same with practice/NN-name/, the lab with its exercises taken
// out (scripts/lib/practice-mode.ts): --solution [NAME…] puts solutions in, --reset starts over, --yes answers yes
// to putting a solution over the learner's code; lab 5 by part: --part N stubs only part N's exercise (the others
// hold the solution, or the learner's own code with --keep-mine) and [c] runs only part N's checks.
// The guide also serves the flow page (scripts/lib/flow/): the lab's exchanges drawn live, its checks, its
// lesson, on a free port of 127.0.0.1; [o] opens it, --no-web turns it off. Without a terminal it is off
// unless --web asks for it (CI and the tests see the runner as before).
//
// The server that answers is the one this runner started: every port is checked free first (a taken
// port is named with what holds it), and a process counts as started only once it printed `ready:`,
// is still alive, and owns the listening socket (lab-process.ts).
//
// Every way of stopping ends everything the runner started (clients first, then the lab, then its
// companions), and the exit status says what happened:
//   0    stopped with [q] or Ctrl-C in the guide, or the client walked the flow
//   1    a port was taken, a process it started crashed or could not start, or the client failed
//   2    bad arguments (an unknown option, a bad PORT, an option npm kept for itself)
//   129, 130, 143  stopped by SIGHUP, SIGINT, SIGTERM (128 + the signal's number, as a shell reports it);
//        130 also when a walk is interrupted in the guide
import { type ChildProcess, spawn } from 'node:child_process'
import { relative } from 'node:path'
import { parseArgs } from 'node:util'
import { createInterface } from 'node:readline'
import { chalk } from 'zx'
import { diffLabs } from './lib/diff.ts'
import { type FlowServer, startFlowServer } from './lib/flow/server.ts'
import { portsOf } from './lib/flow/store.ts'
import {
  TOKEN_SCOPE,
  GUIDE_TOKEN_TTL,
  type GuideInput,
  UNSUPPORTED_RUNTIME_NOTE,
  isUnsupportedRuntimeWarning,
  labExtras,
  noClient,
  noDevTokens,
  noPreviousLab,
  parseScopes,
  readTryItCommands,
  renderFullGuide,
  renderGuide,
  shortHeader,
} from './lib/guide.ts'
import { npmKeptOption, optionError } from './lib/options.ts'
import { Hints, exerciseNote, practiceLines, preparePractice, solutionDiff, watchPractice } from './lib/practice-mode.ts'
import { page } from './lib/pager.ts'
import { findPart } from '@workshop/kit/exercises'
import { ensureDevKey } from '@workshop/kit/keys'
import { type Lab, DEFAULT_TARGET, UnknownLabError, baseLab, clientPath, findLab, labExists, labPath, serverLab } from '@workshop/kit/labs'
import {
  type RunningLab,
  type StartOptions,
  BadPortError,
  FLOW_RECORDER,
  PortInUseError,
  ensurePortFree,
  portFromEnv,
  portIsFree,
  startLab,
  stopChild,
} from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'
import { practicePath } from '@workshop/kit/practice'
import { checkLab } from '@workshop/kit/run-checks'
import { mintAccessToken } from '@workshop/kit/tokens'

const SIGNAL_EXIT = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 } as const
const USAGE = 'usage: npm run step N        e.g. npm run step 1'

function fail(message: string, code: number): never {
  console.error(message)
  process.exit(code)
}

// ── One way to stop: everything this runner started, whatever asked it to stop ──────────────────────

const clients = new Set<ChildProcess>() // clients and batteries: stopped first
const labProcesses: ChildProcess[] = [] // the lab's processes in the order they started: stopped in reverse
const stopping = new AbortController()
const beforeStopping: (() => void)[] = []
let exiting: Promise<never> | undefined
/** A pager has the keyboard: its Ctrl-C is for the pager, not for us. */
let paging = false
/** Processes stopped on purpose (a practice server restarting): their exit is not a crash. */
const stoppedOnPurpose = new WeakSet<ChildProcess>()

function shutdown(code: number, message?: string): Promise<never> {
  exiting ??= (async () => {
    stopping.abort()
    for (const hook of beforeStopping) {
      try {
        hook()
      } catch {
        // the terminal may be gone (a hangup): nothing to restore
      }
    }
    if (message) console.error(message)
    await Promise.all([...clients].map((child) => stopChild(child)))
    for (const child of [...labProcesses].reverse()) await stopChild(child)
    process.exit(code)
  })()
  return exiting
}

for (const signal of Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]) {
  process.on(signal, () => {
    if (signal === 'SIGINT' && paging) return
    void shutdown(SIGNAL_EXIT[signal])
  })
}

/** Starts a lab, tracked for shutdown and watched for crashes; one line and exit 1 when it cannot start. */
async function start(
  lab: Lab,
  options: StartOptions,
  portHint: (error: PortInUseError) => Promise<string>,
  announce?: string,
): Promise<RunningLab> {
  try {
    // the fixed ports first: a taken one is the only line the learner sees
    for (const [name, port] of [['server', options.port], ...Object.entries(options.companionPorts ?? {})] as const) {
      if (port !== undefined) await ensurePortFree(port, options.portNames?.[name])
    }
    if (announce) console.log(chalk.dim(announce))
    const running = await startLab(lab, { ...options, signal: stopping.signal, onSpawn: (child) => labProcesses.push(child) })
    // A process that stops by itself is a crash: stop the rest and say so. (A terminal's Ctrl-C reaches the
    // lab too when it shares our process group: give our own signal handler a moment to claim the stop.)
    const watch = (name: string, child: ChildProcess) => {
      const crashed = () => {
        if (exiting || stoppedOnPurpose.has(child)) return
        const how = child.signalCode ?? `exit code ${child.exitCode}`
        // in practice, the learner's code may crash the server: it restarts on the next save
        if (practice) return console.log(chalk.red(`\n${name} stopped by itself (${how}): fix your code and save, it restarts.`))
        setTimeout(() => void shutdown(1, chalk.red(`\n${name} stopped by itself (${how}); see its log above.`)), 250)
      }
      // it may have stopped between its ready line and now
      if (child.exitCode !== null || child.signalCode !== null) crashed()
      else child.once('exit', crashed)
    }
    watch(`lab ${running.server.n}'s server`, running.child)
    for (const [name, companion] of Object.entries(running.companions)) watch(`lab ${running.server.n}'s ${name}`, companion.child)
    return running
  } catch (error) {
    if (exiting) return exiting
    if (error instanceof PortInUseError) return shutdown(1, chalk.red(`${error.message}: ${await portHint(error)}`))
    return shutdown(1, chalk.red((error as Error).message))
  }
}

/** A port that is free now, from `port` + 1 on (with `port` + 100 free too when a companion follows it). */
async function suggestPort(port: number, companionFollows: boolean): Promise<number> {
  for (let p = port + 1; p < Math.min(port + 50, 65_435); p++) {
    if ((await portIsFree(p)) && (!companionFollows || (await portIsFree(p + 100)))) return p
  }
  return port + 1
}

/** What to do about a taken port: the same command with another PORT (or IDP_PORT…) that is free now. */
async function portAdvice(lab: Lab, error: PortInUseError): Promise<string> {
  const follows = error.variable === 'PORT' && (serverLab(lab).companions ?? []).some((c) => process.env[c.portEnv] === undefined)
  return `stop it, or run ${error.variable}=${await suggestPort(error.port, follows)} npm run step ${lab.n}`
}

// ── Arguments ────────────────────────────────────────────────────────────────────────────────────────

const OPTIONS = {
  server: { type: 'string' },
  user: { type: 'string' },
  browser: { type: 'boolean' },
  target: { type: 'string' },
  verbose: { type: 'boolean' },
  practice: { type: 'boolean' },
  solution: { type: 'boolean' },
  reset: { type: 'boolean' },
  yes: { type: 'boolean' },
  part: { type: 'string' },
  'keep-mine': { type: 'boolean' },
  web: { type: 'boolean' },
  'no-web': { type: 'boolean' },
} as const
let parsed: ReturnType<typeof parseArgs<{ allowPositionals: true; options: typeof OPTIONS }>>
try {
  parsed = parseArgs({ allowPositionals: true, options: OPTIONS })
} catch (error) {
  fail(optionError(error, 'step', Object.keys(OPTIONS)) ?? String(error), 2)
}
const { positionals, values: options } = parsed
const command = options.practice ? 'practice' : 'step'
// `npm run practice 2 -- --solution verify-token`: the exercises named after the lab
const kept = npmKeptOption(command, positionals, options, ['target', 'server', 'user', 'part'], options.solution ? positionals.length : 1)
if (kept) fail(kept, 2)

let lab: Lab
try {
  lab = findLab(positionals[0])
} catch (error) {
  if (!(error instanceof UnknownLabError)) throw error
  fail(`${error.message}\n${USAGE}`, 2)
}
if (!labExists(lab)) fail(`lab ${lab.n} (${lab.dir}) is not written yet: ${labPath(serverLab(lab), 'server.ts')} is missing.`, 2)
// Practice mode: the folder the learner writes in (made once, kept across runs), and what runs from it.
if (!options.practice && (options.part !== undefined || options['keep-mine']))
  fail(`${command}: --part and --keep-mine are for practice: npm run practice ${lab.n} -- --part N`, 2)
const practice = options.practice
  ? await (async () =>
      preparePractice(lab, {
        reset: options.reset === true,
        solution: options.solution ? positionals.slice(1) : undefined,
        yes: options.yes === true,
        terminal: process.stdin.isTTY === true && process.stdout.isTTY === true,
        part: options.part === undefined ? undefined : findPart(lab, options.part),
        keepMine: options['keep-mine'] === true,
      }))().catch((error: Error) => fail(error.message, 2))
  : undefined

/** PORT and the companions' ports (their registry portEnv, default PORT+100); exit 2 when one is not a port. */
function choosePorts(lab: Lab, port: number | undefined): Pick<StartOptions, 'port' | 'companionPorts' | 'portNames'> {
  const companionPorts: Record<string, number> = {}
  const portNames: Record<string, string> = { server: 'PORT' }
  for (const [i, companion] of (serverLab(lab).companions ?? []).entries()) {
    portNames[companion.name] = companion.portEnv
    const fallback = port === undefined ? undefined : port + 100 * (i + 1)
    if (process.env[companion.portEnv] === undefined && fallback !== undefined && fallback > 65535) {
      fail(`${companion.portEnv}: PORT+${100 * (i + 1)} = ${fallback} is not a port; set ${companion.portEnv}`, 2)
    }
    const chosen = portFromEnv(companion.portEnv, fallback ?? 0)
    if (chosen !== 0) companionPorts[companion.name] = chosen
  }
  return { port, companionPorts, portNames }
}

let ports: ReturnType<typeof choosePorts>
try {
  const port = lab.attacks && process.env.PORT === undefined ? undefined : portFromEnv('PORT', 9000)
  ports = choosePorts(lab.attacks ? findLab(options.target ?? String(DEFAULT_TARGET)) : lab, port)
} catch (error) {
  if (error instanceof BadPortError) fail(error.message, 2)
  if (!(error instanceof UnknownLabError)) throw error
  fail(`${error.message}\nusage: npm run step ${lab.n} -- --target N        e.g. npm run step ${lab.n} -- --target 3`, 2)
}

const terminal = process.stdin.isTTY === true && process.stdout.isTTY === true
const web = !lab.attacks && options['no-web'] !== true && (terminal || options.web === true)
/** The flow page, once started (scripts/lib/flow/server.ts); what the running lab's base URL is, for its checks. */
let flow: FlowServer | undefined
let flowBase = ''

if (lab.attacks) await attack(lab)
else if (terminal) await guide(lab)
else await serve(lab)

// ── The flow page ────────────────────────────────────────────────────────────────────────────────────

/** Starts the page before the lab, so the lab's processes record from their first exchange. */
async function startPage(lab: Lab): Promise<void> {
  if (!web) return
  flow = await startFlowServer({ lab, base: () => flowBase, dir: practice?.dir, practice })
  beforeStopping.push(() => void flow?.close())
}

/** Tells the page where the lab's processes listen (it places each exchange in a lane by its endpoint). */
function pageSees(running: RunningLab): void {
  flowBase = running.base
  flow?.store.setPorts(portsOf(running))
}

/** [o]: the page in the system's browser (xdg-open, open), or its address when there is none. */
function openPage(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? undefined : 'xdg-open'
  const say = () => console.log(`\nthe flow page: ${chalk.cyan(url)}`)
  if (!opener) return say()
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true })
  child.once('error', say) // not installed: the address is the next best thing
  child.once('spawn', () => {
    child.unref()
    console.log(chalk.dim(`\nopening ${url}`))
  })
}

// ── The three ways to run ────────────────────────────────────────────────────────────────────────────

/** The lab's client program (lab 6's walk) against `mcpUrl`: resolves with its exit code, or never once stopping. */
function runClient(lab: Lab, mcpUrl: string): Promise<number> {
  if (stopping.signal.aborted) return new Promise(() => {})
  const args = [...(options.user ? ['--user', options.user] : []), ...(options.browser ? ['--browser'] : []), mcpUrl]
  const client = practice && lab.client?.lab === lab.n ? practicePath(lab, lab.client.file) : clientPath(lab)!
  const recorder = flow ? ['--import', FLOW_RECORDER] : []
  const child = spawn(process.execPath, ['--import', 'tsx', ...recorder, client, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...flow?.env('client') },
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  clients.add(child)
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clients.delete(child)
      if (!exiting) resolve(code ?? 1) // stopped by shutdown: it exits for us
    }),
  )
}

/**
 * An attacks lab: start the target lab (companions included) on a free port (or PORT), run the battery
 * against it with the output going straight to ours, stop it, and exit with the battery's status. The same
 * with or without a terminal; --server URL attacks a server that is already running. It attacks only a
 * server it started itself: with PORT taken, it refuses.
 */
async function attack(lab: Lab): Promise<never> {
  const target = findLab(options.target ?? String(DEFAULT_TARGET))
  if (target.attacks || !labExists(target))
    fail(`lab ${target.n} (${target.dir}) has no server to attack: choose a lab with a server.ts.`, 2)
  const battery = (base: string) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', labPath(lab, lab.attacks!), '--target', String(target.n), ...(options.verbose ? ['--verbose'] : []), base],
      { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
    )
    clients.add(child)
    return new Promise<number>((resolve) =>
      child.once('exit', (code) => {
        clients.delete(child)
        if (!exiting) resolve(code ?? 1)
      }),
    )
  }
  if (options.server) return shutdown(await battery(options.server))
  if (ensureDevKey()) console.log(chalk.dim('generated a dev key pair in keys/ (never commit it)'))
  const server = await start(
    target,
    ports,
    async (error) => `lab ${lab.n} attacks only a server it starts itself; stop that one, or unset ${error.variable}`,
    `starting lab ${target.n} (${target.dir}) for lab ${lab.n}'s attacks…`,
  )
  return shutdown(await battery(server.base))
}

/** No terminal: serve with the lab's output going straight to ours until told to stop; or run its client once. */
async function serve(lab: Lab): Promise<void> {
  if (lab.client && !lab.client.onRequest && options.server) await shutdown(await runClient(lab, options.server))
  if (ensureDevKey()) console.log(chalk.dim('generated a dev key pair in keys/ (never commit it)'))
  await startPage(lab)
  const server = await start(lab, { ...ports, echo: true, dir: practice?.dir, env: flow?.env() }, (error) => portAdvice(lab, error))
  pageSees(server)
  if (flow) console.log(`flow page: ${flow.url}`)
  if (lab.client && !lab.client.onRequest) await shutdown(await runClient(lab, server.mcpUrl))
}

/**
 * Stops reading the keyboard for real while a pager has it, and gives it back. A paused stream keeps reading
 * ahead into its buffer (keys meant for less would land here), so the TTY handle itself stops and restarts.
 */
function lendKeyboard(stdin: NodeJS.ReadStream): () => void {
  const handle = (stdin as unknown as { _handle?: { reading?: boolean; readStop?: () => number; readStart?: () => number } })._handle
  stdin.setRawMode(false)
  stdin.pause()
  if (handle?.readStop) {
    handle.reading = false
    handle.readStop()
  }
  return () => {
    stdin.setRawMode(true)
    if (handle?.readStart) {
      handle.reading = true
      handle.readStart()
    }
    stdin.resume()
  }
}

/** A terminal: start the lab, print the guide, then act on single keys until [q] or Ctrl-C. */
async function guide(lab: Lab): Promise<void> {
  const stdin = process.stdin
  const port = ports.port!
  if (ensureDevKey()) console.log(chalk.dim('generated a dev key pair in keys/ (never commit it)'))
  await startPage(lab)
  // in a process group of their own: a Ctrl-C meant for the pager does not reach them; we stop them ourselves
  let server = await start(
    lab,
    { ...ports, ownProcessGroup: true, dir: practice?.dir, env: flow?.env() },
    (error) => portAdvice(lab, error),
    practice ? `starting ${relative(ROOT, practice.dir)} on port ${port}…` : `starting lab ${lab.n} (${lab.dir}) on port ${port}…`,
  )
  pageSees(server)
  beforeStopping.push(() => stdin.isTTY && stdin.setRawMode(false))
  // a terminal closed under us: writing to it fails; stop everything as for its hangup signal
  for (const stream of [process.stdout, process.stderr, stdin]) stream.on('error', () => void shutdown(SIGNAL_EXIT.SIGHUP))

  // The lab's log lines, dimmed; held back while a question is being asked.
  let asking = false
  let explained = false
  const held: string[] = []
  const logLine = (source: string, line: string) => {
    if (asking) return void held.push(`${source}\0${line}`)
    console.log(chalk.dim(`  ${source} │ ${line}`))
    if (!explained && isUnsupportedRuntimeWarning(line)) {
      explained = true
      console.log(chalk.dim(`  ${UNSUPPORTED_RUNTIME_NOTE}`))
    }
  }
  /** Shows a started lab's log lines (and a restarted one's). */
  const follow = (running: RunningLab) => {
    const sources: [string, RunningLab | RunningLab['companions'][string]][] = [...Object.entries(running.companions), ['server', running]]
    for (const [source, started] of sources) {
      for (const line of started.output().split(/\r?\n/)) if (line.trim()) logLine(source, line)
      for (const stream of [started.child.stdout!, started.child.stderr!]) {
        let partial = ''
        stream.on('data', (chunk: Buffer) => {
          const lines = (partial + chunk.toString()).split(/\r?\n/)
          partial = lines.pop()!
          for (const line of lines) logLine(source, line)
        })
      }
    }
  }
  follow(server)

  // Practice: a saved file restarts the server (a lab with a server of its own), and [h] and [s] help.
  const hints = practice && new Hints(lab, practice)
  if (practice && serverLab(lab) === lab) {
    const restart = async (file: string) => {
      if (exiting) return
      console.log(chalk.dim(`\n${file} saved: restarting lab ${lab.n}'s practice server…`))
      const old = [server.child, ...Object.values(server.companions).map((c) => c.child)]
      for (const child of old) stoppedOnPurpose.add(child)
      await Promise.all(old.map((child) => stopChild(child)))
      try {
        server = await startLab(lab, {
          ...ports,
          ownProcessGroup: true,
          dir: practice.dir,
          env: flow?.env(),
          signal: stopping.signal,
          onSpawn: (child) => labProcesses.push(child),
        })
        pageSees(server)
        follow(server)
        console.log(chalk.green(`restarted: [c] runs the checks`))
      } catch (error) {
        if (!exiting) console.log(chalk.red(`it did not start:\n${(error as Error).message}\n`) + chalk.dim('fix it and save again'))
      }
    }
    let restarting = Promise.resolve()
    const unwatch = watchPractice(practice.dir, (file) => (restarting = restarting.then(() => restart(file))))
    beforeStopping.push(unwatch)
  } else if (practice) {
    console.log(chalk.dim(`the client runs afresh from ${relative(ROOT, practice.dir)}/ on each [w] and [c]`))
  }

  let quitting = false
  const quit = (code: number) => {
    if (quitting) return
    quitting = true
    console.log(chalk.dim(`\n${walking ? 'the walk was interrupted; ' : ''}stopping lab ${lab.n}…`))
    void shutdown(code)
  }

  const guideInput = async (): Promise<GuideInput> => ({
    lab,
    port,
    mcpUrl: server.mcpUrl,
    commands: readTryItCommands(lab, port, practice?.dir),
    extras: await labExtras(lab),
    practice: practice && practiceLines(lab, practice),
    companions: (serverLab(lab).companions ?? []).map((c) => ({ name: c.name, base: server.companions[c.name].base, portEnv: c.portEnv })),
    columns: process.stdout.columns,
    rows: process.stdout.rows,
    flowUrl: flow?.url,
  })
  const showGuide = async () => console.log(`\n${renderGuide(await guideInput())}`)
  const header = () => console.log(`\n${shortHeader(lab, practice !== undefined)}`)
  /** Long output through the pager; printed when there is none. Then the guide's short header again. */
  const long = async (text: string) => {
    paging = true
    const giveBack = lendKeyboard(stdin)
    try {
      if (!(await page(text))) process.stdout.write(text)
    } finally {
      giveBack()
      setTimeout(() => (paging = false), 200) // a Ctrl-C pressed in the pager may arrive just after it closed
    }
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
        for (const line of held.splice(0)) logLine(...(line.split('\0', 2) as [string, string]))
        resolve(answer)
      })
      rl.question(question, (line) => {
        answer = line
        rl.close()
      })
    })
  }

  let walking = false
  const walk = async (): Promise<void> => {
    console.log()
    walking = true
    const code = await runClient(lab, options.server ?? server.mcpUrl)
    walking = false
    console.log(code === 0 ? chalk.green('the walk succeeded') : chalk.red(`the walk failed (exit code ${code})`))
  }

  // each action, with what it is busy doing (for keys pressed meanwhile) and whether the short header follows it
  const actions: Record<string, { busy: string; run: () => Promise<'header' | 'none'> }> = {
    c: {
      busy: `running lab ${lab.n}'s checks`,
      async run() {
        const part = practice?.part
        const which = part ? `lab ${lab.n}'s part ${part.part} checks` : `lab ${lab.n}'s checks`
        console.log(chalk.bold(`\n${which} against ${practice ? `your ${relative(ROOT, practice.dir)}/` : server.base}`))
        await checkLab(lab, {
          base: server.base,
          dir: practice?.dir,
          only: part && ((check) => part.checks.includes(check.id)),
          note: practice && ((check) => exerciseNote(lab, check.id, practice.dir)),
        })
        return 'header'
      },
    },
    d: {
      busy: 'showing the diff',
      async run() {
        const previous = baseLab(lab)
        if (!previous) {
          console.log(`\n${noPreviousLab(lab)}`)
          return 'none'
        }
        // in practice, the exercises show as stubs (the read step gives no answer away) and lab 5 shows one part's files
        const part = practice?.part
        const { text, stubbed } = await diffLabs(previous, lab, { color: true, part })
        const args = `${previous.n} ${lab.n} -- ${part ? `--part ${part.part} ` : ''}`
        const more = stubbed.includes(lab) && practice ? '[s] shows a solution; ' : ''
        await long(`${text}\n${chalk.dim(`(${more}the same with the READMEs: npm run diff ${args}--all)`)}\n`)
        return 'header'
      },
    },
    t: {
      busy: 'minting a token',
      async run() {
        if (!lab.devTokens) {
          console.log(`\n${noDevTokens(lab)}`)
          return 'none'
        }
        console.log()
        const answer = await ask(`scopes (space-separated) [${TOKEN_SCOPE}]: `)
        if (answer === undefined) {
          console.log(chalk.dim('no token minted'))
          return 'none'
        }
        const scope = parseScopes(answer)
        const token = await mintAccessToken({ port, scope, ttl: GUIDE_TOKEN_TTL })
        console.log(chalk.dim(`a token for sub "alice", scope "${scope}", valid ${GUIDE_TOKEN_TTL.replace('m', ' min')}:`))
        console.log(`export TOKEN=${token}`)
        return 'none'
      },
    },
    w: {
      busy: `walking the flow with lab ${lab.client?.lab}'s client`,
      async run() {
        if (!lab.client) {
          console.log(`\n${noClient(lab)}`)
          return 'none'
        }
        await walk()
        return 'header'
      },
    },
    m: {
      busy: 'showing the whole guide',
      async run() {
        await long(renderFullGuide(await guideInput()))
        return 'header'
      },
    },
    h: {
      busy: practice ? 'giving a hint' : 'showing the guide',
      async run() {
        if (hints) console.log(`\n${hints.next()}`)
        else await showGuide()
        return 'none'
      },
    },
    o: {
      busy: 'opening the flow page',
      async run() {
        if (flow) openPage(flow.url)
        else console.log(chalk.dim('\nthe flow page is off (--no-web)'))
        return 'none'
      },
    },
    s: {
      busy: 'showing a solution',
      async run() {
        if (!practice) return 'none'
        let exercise = practice.exercises[0]
        if (practice.exercises.length > 1) {
          console.log()
          for (const [i, e] of practice.exercises.entries()) console.log(`  [${i + 1}] ${e.name} (${e.file})`)
          const answer = await ask('the solution of which exercise? ')
          const chosen = practice.exercises[Number(answer) - 1] ?? practice.exercises.find((e) => e.name === answer?.trim())
          if (chosen === undefined) {
            console.log(chalk.dim('no solution shown'))
            return 'none'
          }
          exercise = chosen
        }
        await long(await solutionDiff(lab, practice, exercise))
        return 'header'
      },
    },
  }

  let busy: string | undefined
  let toldBusy = false
  stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.resume()
  stdin.on('data', async (data: string) => {
    if (asking) return // readline has the keyboard
    const key = data.startsWith('\u001b') ? '' : data[0]?.toLowerCase() // ignore arrow keys and the like
    // Ctrl-C, Ctrl-D and [q] quit; interrupting a walk is not a clean stop
    if (data.includes('\u0003') || data.includes('\u0004') || key === 'q') return quit(walking ? SIGNAL_EXIT.SIGINT : 0)
    if (!key || !key.trim()) return
    if (busy) {
      if (!toldBusy) console.log(chalk.yellow(`busy: ${busy}; press [${key}] again once it is done ([q] quits)`))
      toldBusy = true
      return
    }
    const action = actions[key]
    if (!action) return header()
    busy = action.busy
    toldBusy = false
    let after: 'header' | 'none' = 'header'
    try {
      after = await action.run()
    } catch (error) {
      console.error(chalk.red(String((error as Error).message)))
    } finally {
      busy = undefined
    }
    if (after === 'header' && !quitting) header()
  })

  if (lab.client && !lab.client.onRequest) {
    // the walk first, the guide after it: a walk is long, and the guide should be what stays on screen
    console.log(chalk.dim(`\nlab ${lab.n}'s client walks the flow first; the guide follows ([q] or Ctrl-C stops everything)`))
    busy = actions.w.busy
    await walk()
    busy = undefined
  }
  if (!quitting) await showGuide()
}
