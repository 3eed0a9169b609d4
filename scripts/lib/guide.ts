// The interactive guide of `npm run step N`: what it prints. The key handling lives in scripts/step.ts.
import { existsSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chalk } from 'zx'
import { DEMO_USERS } from '@workshop/kit/demo-users'
import { type Lab, LABS, baseLab, labPath, serverLab } from '@workshop/kit/labs'
import { ROOT } from '@workshop/kit/paths'

/**
 * The scope of the dev tokens the guide hands out, and the answer [t] takes when given none: what a client
 * asks for first (lab 4's DEFAULT_SCOPE, the challenge's scope), everyday use without the admin scope.
 */
export const TOKEN_SCOPE = 'notes:read notes:write'
export const GUIDE_TOKEN_TTL = '15m'

/**
 * The lines of the first ```bash block in the "## Try it by hand" section of a lab's README,
 * with the README's port 9000 replaced by `port`. Empty when there is no such section or block.
 */
export function tryItCommands(markdown: string, port: number): string[] {
  const lines = markdown.split(/\r?\n/)
  const heading = lines.findIndex((line) => line.startsWith('## Try it by hand'))
  if (heading === -1) return []
  let start = -1
  for (let i = heading + 1; i < lines.length; i++) {
    if (/^## /.test(lines[i])) return [] // the next section began: this one has no bash block
    if (/^```bash\s*$/.test(lines[i])) {
      start = i + 1
      break
    }
  }
  if (start === -1) return []
  const end = lines.findIndex((line, i) => i >= start && /^```\s*$/.test(line))
  const block = lines.slice(start, end === -1 ? lines.length : end)
  while (block.length > 0 && block[block.length - 1].trim() === '') block.pop()
  return block.map((line) => line.replace(/127\.0\.0\.1:9000(?!\d)/g, `127.0.0.1:${port}`))
}

/**
 * The "Try it by hand" commands of lab N's README for a server on `port` (empty if there are none). In practice
 * mode (`practiceDir`) they run the learner's copy: labs/NN-name/ becomes practice/NN-name/ (lab 6's client).
 */
export function readTryItCommands(lab: Lab, port: number, practiceDir?: string): string[] {
  let markdown: string
  try {
    markdown = readFileSync(labPath(lab, 'README.md'), 'utf8')
  } catch {
    return []
  }
  const commands = tryItCommands(markdown, port)
  if (practiceDir === undefined) return commands
  const from = `${relative(ROOT, labPath(lab))}/`
  return commands.map((line) => line.split(from).join(`${relative(ROOT, practiceDir)}/`))
}

/** Space-separated scope tokens (RFC 6749 §3.3: printable ASCII except space, " and \). */
export function parseScopes(input: string): string {
  const scopes = input.trim().split(/\s+/).filter(Boolean)
  if (scopes.length === 0) return TOKEN_SCOPE
  const bad = scopes.find((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))
  if (bad !== undefined) throw new Error(`"${bad}" is not a valid scope (RFC 6749 §3.3: no quotes, backslashes or non-ASCII)`)
  return scopes.join(' ')
}

// The README's commands as the guide shows them: the MCP endpoint and the two headers every MCP POST
// carries (Streamable HTTP: a JSON body, and an Accept that lists JSON and SSE) become shell variables that
// the guide's first lines export, and long lines break at their options with a trailing backslash.
// What a learner pastes stays runnable in bash and zsh (test/guide.test.ts runs both forms and compares).
const HEADERS: [string, string][] = [
  [`-H 'Content-Type: application/json'`, '-H "$CT"'],
  [`-H 'Accept: application/json, text/event-stream'`, '-H "$ACCEPT"'],
]

/** Where a shell would see each character: in single or double quotes, or at a word boundary it may break at. */
function shellContexts(line: string): ('top' | 'sq' | 'dq')[] {
  const stack: ('top' | 'sq' | 'dq' | 'paren')[] = ['top']
  const contexts: ('top' | 'sq' | 'dq')[] = []
  for (let i = 0; i < line.length; i++) {
    const context = stack[stack.length - 1]
    contexts[i] = context === 'paren' ? 'top' : context
    const c = line[i]
    if (context === 'sq') {
      if (c === "'") stack.pop()
    } else if (c === '\\') {
      contexts[i + 1] = contexts[i]
      i++
    } else if (c === '$' && line[i + 1] === '(') {
      stack.push('paren')
      contexts[i + 1] = contexts[i]
      i++
    } else if (context === 'dq') {
      if (c === '"') stack.pop()
    } else if (c === "'") stack.push('sq')
    else if (c === '"') stack.push('dq')
    else if (c === ')' && context === 'paren') stack.pop()
  }
  return contexts
}

/**
 * A README command with $MCP, "$CT" and "$ACCEPT" for the endpoint and the two common headers, and without
 * its stated outcome (`# → 401 …`: the README shows it; the guide has no room).
 */
export function shortenCommand(line: string, mcpUrl: string): string {
  if (line.trimStart().startsWith('#')) return line
  let out = line.replace(/\s+# → .*$/, '')
  for (const [header, variable] of HEADERS) out = out.split(` ${header}`).join(` ${variable}`)
  // the endpoint, wherever the shell expands a variable: not inside single quotes (a JSON claim, say)
  const contexts = shellContexts(out)
  let result = ''
  for (let i = 0; i < out.length;) {
    const after = out[i + mcpUrl.length]
    if (out.startsWith(mcpUrl, i) && contexts[i] !== 'sq' && (after === undefined || /[\s")&]/.test(after))) {
      result += '$MCP'
      i += mcpUrl.length
    } else {
      result += out[i++]
    }
  }
  return result
}

// curl's header and body options, its URL, and pipes: where a long command reads best broken
const BREAK_BEFORE = /^((-H|-d|--data[\w-]*|-o|\|) |https?:\/\/)/

/** Breaks a long command before its options (outside quotes), each line but the last ending in a backslash. */
export function wrapCommand(line: string, width: number): string[] {
  if (line.length <= width || line.trimStart().startsWith('#')) return [line]
  const contexts = shellContexts(line)
  const pieces: string[] = []
  let start = 0
  for (let i = 1; i < line.length; i++) {
    if (line[i - 1] === ' ' && contexts[i - 1] === 'top' && contexts[i] === 'top' && BREAK_BEFORE.test(line.slice(i))) {
      pieces.push(line.slice(start, i - 1))
      start = i
    }
  }
  pieces.push(line.slice(start))
  const lines: string[] = []
  for (const piece of pieces) {
    const last = lines.length - 1
    const indent = lines.length === 0 ? '' : '  '
    if (last >= 0 && `${lines[last]} ${piece}`.length + 2 <= width) lines[last] = `${lines[last]} ${piece}`
    else lines.push(`${indent}${piece}`)
  }
  return lines.map((text, i) => (i < lines.length - 1 ? `${text} \\` : text))
}

/** The lines a learner pastes first: the endpoint, the headers the commands use, a dev token where one applies. */
export function setupLines(lab: Lab, port: number, mcpUrl: string, commands: string[]): string[] {
  const all = commands.join('\n')
  const usesNpm = lab.devTokens || /\bnpm run\b/.test(all)
  const lines = [`export ${port !== 9000 && usesNpm ? `PORT=${port} ` : ''}MCP=${mcpUrl}`]
  if (all.includes('"$CT"')) lines.push(`export CT='Content-Type: application/json'`)
  if (all.includes('"$ACCEPT"')) lines.push(`export ACCEPT='Accept: application/json, text/event-stream'`)
  // a dev token, unless the README's commands begin by minting the one they need
  const first = commands.find((line) => line.trim() !== '' && !line.trimStart().startsWith('#'))
  if (lab.devTokens && !first?.startsWith('export TOKEN=')) lines.push(`export TOKEN=$(npm run -s token -- --scope "${TOKEN_SCOPE}")`)
  return lines
}

/** The README's commands as shown (setup lines first, then the rest, shortened), each a list of display lines. */
export function shownCommands(
  lab: Lab,
  port: number,
  mcpUrl: string,
  commands: string[],
  width: number,
): { setup: string[]; groups: string[][] } {
  const shortened = commands.map((line) => shortenCommand(line, mcpUrl))
  const setup = setupLines(lab, port, mcpUrl, shortened)
  const groups: string[][] = []
  let comments: string[] = []
  for (const line of shortened) {
    if (line.trim() === '') continue
    if (line.trimStart().startsWith('#')) {
      comments.push(line)
      continue
    }
    groups.push([...comments, ...wrapCommand(line, width)])
    comments = []
  }
  if (comments.length > 0) groups.push(comments)
  return { setup, groups }
}

export interface GuideInput {
  lab: Lab
  port: number
  mcpUrl: string
  /** the README's "Try it by hand" commands, already adapted to the port */
  commands: string[]
  /** lab-specific lines for the whole guide: lab 4's scope table, the demo users' scopes (see labExtras) */
  extras?: string[]
  /** processes started beside the server (lab 7's identity provider) */
  companions?: { name: string; base: string; portEnv: string }[]
  /** practice mode (npm run practice N): the lines saying where the copy is and where each exercise stands */
  practice?: string[]
  /** the terminal's size: the first screen fits it (default 80×24) */
  columns?: number
  rows?: number
  /** the flow page's address (scripts/lib/flow), when it runs */
  flowUrl?: string
}

/** How many rows `text` takes in a terminal `columns` wide (long lines wrap). */
export function screenRows(text: string, columns: number): number {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '')
  return plain.split('\n').reduce((rows, line) => rows + Math.max(1, Math.ceil([...line].length / columns)), 0)
}

/** A key and what it does, for the legend: one row of 80 columns. Practice mode has hints and solutions. */
export function keyLegend(lab: Lab, practice = false): string {
  const previous = baseLab(lab)
  if (practice) {
    const keys = [['c', 'checks'], ['h', 'hint'], ['s', 'solution'], ...(previous ? [['d', `diff ${previous.n}`]] : [])]
    if (lab.client) keys.push(['w', 'walk'])
    keys.push(['m', 'more'], ['q', 'quit'])
    return keys.map(([key, what]) => `${chalk.bold.cyan(`[${key}]`)} ${what}`).join('  ')
  }
  const keys: [string, string][] = [
    ['c', 'checks'],
    ...(previous ? ([['d', `diff with lab ${previous.n}`]] as [string, string][]) : []),
    ...(lab.devTokens ? ([['t', 'new token']] as [string, string][]) : []),
    ...(lab.client ? ([['w', lab.client.onRequest ? 'walk' : 'walk again']] as [string, string][]) : []),
    ['m', 'more'],
    ['h', 'guide'],
    ['q', 'quit'],
  ]
  return keys.map(([key, what]) => `${chalk.bold.cyan(`[${key}]`)} ${what}`).join('  ')
}

/** What to do once this lab is done: the next lab in the registry. */
export function nextStep(lab: Lab): string {
  const next = LABS[LABS.indexOf(lab) + 1]
  const readme = relative(ROOT, labPath(lab, 'README.md'))
  return `${chalk.bold('Next')}  read ${readme} and press [c]; ${next ? `then npm run step ${next.n}` : 'that was the last lab'}`
}

function header(input: GuideInput, width: number): string[] {
  const { lab, mcpUrl } = input
  const out = [
    chalk.dim('─'.repeat(width)),
    `${chalk.bold.cyan(`${input.practice ? 'Practice: lab' : 'Lab'} ${lab.n}`)}  ${chalk.bold(lab.title)}`,
  ]
  out.push(`  ${chalk.bold('MCP endpoint')}  ${chalk.cyan(mcpUrl)}`)
  for (const companion of input.companions ?? []) {
    out.push(`  ${chalk.bold(companion.name.padEnd(12))}  ${chalk.cyan(companion.base)} ${chalk.dim(`(${companion.portEnv} moves it)`)}`)
  }
  if (serverLab(lab).signIn) {
    const users = DEMO_USERS.map((user) => `${user.username} / ${user.password}`).join(', ')
    out.push(`  ${chalk.bold('demo users')}    ${users}`)
  }
  if (input.flowUrl) out.push(`  ${chalk.bold('flow page')}     ${chalk.cyan(input.flowUrl)} ${chalk.dim('([o] opens it)')}`)
  if (input.practice) out.push(...input.practice)
  return out
}

const tryItTitle = `${chalk.bold('Try it by hand')} ${chalk.dim('in another terminal, the export lines first:')}`

/**
 * The guide's first screen: what the lab is, the lines to paste, as many of the README's commands as fit,
 * the keys, and what to do next. It fits `rows` × `columns` (default 80×24) with a row to spare for the
 * cursor; the rest (every command, the scope table…) is one key away: [m], renderFullGuide.
 */
export function renderGuide(input: GuideInput): string {
  const columns = input.columns || 80
  const rows = input.rows || 24
  const width = Math.max(20, Math.min(columns, 72))
  const { setup, groups } = shownCommands(input.lab, input.port, input.mcpUrl, input.commands, columns - 2)
  const top = [...header(input, width), '']
  const tail = ['', keyLegend(input.lab, input.practice !== undefined), nextStep(input.lab)]
  const indent = (lines: string[]) => lines.map((line) => (line.trimStart().startsWith('#') ? chalk.dim(`  ${line}`) : `  ${line}`))
  const body = [tryItTitle, ...indent(setup)]
  let shown = 0
  const fits = (lines: string[]) => screenRows([...top, ...lines, ...tail].join('\n'), columns) <= rows - 1
  while (shown < groups.length) {
    const more = groups.length - shown - 1
    const candidate = [...body, ...indent(groups[shown])]
    const note = more > 0 ? [chalk.dim(`  … ${more} more: [m]`)] : []
    if (!fits([...candidate, ...note])) break
    body.push(...indent(groups[shown]))
    shown++
  }
  if (shown < groups.length) body.push(chalk.dim(`  … ${groups.length - shown} more command${groups.length - shown === 1 ? '' : 's'}: [m]`))
  return [...top, ...body, ...tail].join('\n')
}

/** Everything: every command, the lab's extras, how the guide works. For [m], through the pager. */
export function renderFullGuide(input: GuideInput): string {
  const columns = input.columns || 80
  const width = Math.max(20, Math.min(columns, 72))
  const { setup, groups } = shownCommands(input.lab, input.port, input.mcpUrl, input.commands, columns - 2)
  const out = [...header(input, width), '', tryItTitle]
  for (const line of [...setup, ...groups.flat()]) out.push(line.trimStart().startsWith('#') ? chalk.dim(`  ${line}`) : `  ${line}`)
  if (input.extras?.length) out.push('', ...input.extras)
  out.push(
    '',
    `${chalk.bold('Keys')}  ${keyLegend(input.lab, input.practice !== undefined)}`,
    chalk.dim(`  No Enter needed. The server's log lines appear dimmed below the guide; [h] shows the first screen again.`),
    nextStep(input.lab),
    '',
  )
  return out.join('\n')
}

/** Two lines that bring the guide back after long output (a walk, the checks, a diff). */
export function shortHeader(lab: Lab, practice = false): string {
  return `${chalk.bold.cyan(`${practice ? 'Practice: lab' : 'Lab'} ${lab.n}`)}  ${chalk.bold(lab.title)}\n${keyLegend(lab, practice)}`
}

/** What [w] prints in a lab without a client. */
export function noClient(lab: Lab): string {
  const labs = LABS.filter((l) => l.client).map((l) => `lab ${l.n}`)
  const which = labs.length === 1 ? `${labs[0]} does` : `${labs.slice(0, -1).join(', ')} and ${labs.at(-1)} do`
  return `lab ${lab.n} has no client to walk (${which}).`
}

/** oidc-provider's warning on a Node it does not list (Node 20, or a build without an LTS name), explained once. */
export const isUnsupportedRuntimeWarning = (line: string): boolean => /oidc-provider WARNING: Unsupported runtime/.test(line)
export const UNSUPPORTED_RUNTIME_NOTE =
  `(that warning: oidc-provider is tested upstream on the current LTS lines of Node; this Node, ${process.version}, ` +
  `is not one of them. The workshop tests lab 7 on the Node it runs on: harmless here.)`

/** What [d] prints on the first lab. */
export function noPreviousLab(lab: Lab): string {
  return `lab ${lab.n} is the first lab: there is no previous lab to diff with.`
}

/** What [t] prints on a lab that does not take dev tokens. */
export function noDevTokens(lab: Lab): string {
  const labs = LABS.filter((l) => l.devTokens).map((l) => l.n)
  return `lab ${lab.n} takes no dev tokens${labs.length > 0 ? ` (they are for lab${labs.length > 1 ? 's' : ''} ${labs.join(', ')})` : ''}.`
}

/**
 * What a lab's own code has worth showing in the whole guide: the scope table of a server with a scopes.ts
 * that exports SCOPE_TABLE, and the demo users' scopes where the lab has a sign-in page.
 */
export async function labExtras(lab: Lab): Promise<string[]> {
  const lines: string[] = []
  const server = serverLab(lab)
  const load = async (file: string) => (existsSync(labPath(server, file)) ? await import(pathToFileURL(labPath(server, file)).href) : {})
  const { SCOPE_TABLE, IMPLIES } = await load('scopes.ts')
  if (SCOPE_TABLE instanceof Map) {
    lines.push(chalk.bold('The scope gate') + chalk.dim(' (scopes.ts): an operation, and the scope it needs'))
    for (const [operation, scope] of SCOPE_TABLE) lines.push(`  ${String(operation).padEnd(30)} ${chalk.cyan(scope)}`)
    if (IMPLIES instanceof Map) {
      for (const [scope, implied] of IMPLIES) lines.push(chalk.dim(`  ${scope} also grants ${(implied as string[]).join(', ')}`))
    }
  }
  if (server.signIn) {
    lines.push(chalk.bold('Demo users') + chalk.dim(' for the login page: username / password — scopes they may grant'))
    for (const user of DEMO_USERS)
      lines.push(`  ${chalk.cyan(user.username)} / ${user.password}  ${chalk.dim('—')} ${user.scopes.join(' ')}`)
  }
  return lines
}
