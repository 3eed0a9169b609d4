// The interactive guide of `npm run step N`: what it prints. The key handling lives in scripts/step.ts.
import { existsSync, readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { pathToFileURL } from 'node:url'
import { chalk } from 'zx'
import { DEMO_USERS } from '@workshop/kit/demo-users'
import { type Lab, LABS, baseLab, labPath, serverLab } from '@workshop/kit/labs'
import { ROOT } from '@workshop/kit/paths'

/** The scope of the token the guide hands out for labs that take dev tokens. */
export const GUIDE_SCOPE = 'notes:read notes:write'
export const GUIDE_TOKEN_TTL = '15m'
/** The default answer to the [t] key's question. */
export const DEFAULT_SCOPE = 'notes:read'

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

/** The "Try it by hand" commands of lab N's README for a server on `port` (empty if there are none). */
export function readTryItCommands(lab: Lab, port: number): string[] {
  let markdown: string
  try {
    markdown = readFileSync(labPath(lab, 'README.md'), 'utf8')
  } catch {
    return []
  }
  return tryItCommands(markdown, port)
}

/** Space-separated scope tokens (RFC 6749 §3.3: printable ASCII except space, " and \). */
export function parseScopes(input: string): string {
  const scopes = input.trim().split(/\s+/).filter(Boolean)
  if (scopes.length === 0) return DEFAULT_SCOPE
  const bad = scopes.find((scope) => !/^[\x21\x23-\x5b\x5d-\x7e]+$/.test(scope))
  if (bad !== undefined) throw new Error(`"${bad}" is not a valid scope (RFC 6749 §3.3: no quotes, backslashes or non-ASCII)`)
  return scopes.join(' ')
}

export interface GuideInput {
  lab: Lab
  port: number
  mcpUrl: string
  /** a fresh dev token (labs with devTokens only) */
  token?: string
  /** the README's "Try it by hand" commands, already adapted to the port */
  commands: string[]
  /** lab-specific lines: lab 4's scope table, lab 5's demo users (see labExtras) */
  extras?: string[]
  /** terminal width; rules are drawn up to 72 columns */
  columns?: number
}

/** A key and what it does, for the legend. */
export function keyLegend(lab: Lab): string {
  const previous = baseLab(lab)
  const keys: [string, string][] = [
    ['c', 'run the checks'],
    ...(previous ? ([['d', `diff with lab ${previous.n}`]] as [string, string][]) : []),
    ...(lab.devTokens ? ([['t', 'mint a token']] as [string, string][]) : []),
    ...(lab.client
      ? ([['w', lab.client.onRequest ? `walk the flow with lab ${lab.client.lab}'s client` : 'walk the flow again']] as [string, string][])
      : []),
    ['h', 'this guide'],
    ['q', 'quit'],
  ]
  return keys.map(([key, what]) => `${chalk.bold.cyan(`[${key}]`)} ${what}`).join('  ')
}

export function renderGuide(input: GuideInput): string {
  const { lab, port, mcpUrl, token, commands } = input
  const width = Math.max(20, Math.min(input.columns || 72, 72))
  const rule = chalk.dim('─'.repeat(width))
  const label = (text: string) => chalk.bold(text)
  const out: string[] = []

  out.push('', rule, `${chalk.bold.cyan(`Lab ${lab.n}`)}  ${chalk.bold(lab.title)}`, rule, '')
  out.push(`  ${label('MCP endpoint')}  ${chalk.cyan(mcpUrl)}`)
  const readme = labPath(lab, 'README.md')
  if (existsSync(readme)) out.push(`  ${label('the lesson')}    ${relative(ROOT, readme)}`)
  out.push('')
  if (input.extras?.length) out.push(...input.extras, '')

  if (token !== undefined) {
    out.push(
      label('A dev token') +
        chalk.dim(` (${GUIDE_TOKEN_TTL.replace('m', ' min')}, scope "${GUIDE_SCOPE}"), for the terminal you try things in:`),
    )
    // `npm run token` mints for PORT (default 9000): on another port, tell it which
    if (port !== 9000) out.push(`export PORT=${port}`)
    out.push(`export TOKEN=${token}`, '')
  }

  if (commands.length > 0) {
    out.push(label('Try it by hand') + chalk.dim(' (in another terminal):'))
    for (const line of commands) out.push(line.trimStart().startsWith('#') ? chalk.dim(`  ${line}`) : `  ${line}`)
    out.push('')
  }

  out.push(`${label('Keys')}  ${keyLegend(lab)}`)
  out.push(chalk.dim(`The server's log lines appear below, dimmed. Press a key; no Enter needed.`), '')
  return out.join('\n')
}

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
 * What a lab's own code has worth showing: the scope table of a server with a scopes.ts that exports
 * SCOPE_TABLE, and the demo users where the lab has a sign-in page.
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
