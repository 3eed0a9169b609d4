// The narration: numbered legs, and every HTTP exchange the client makes, with the lines
// of the response that matter. Tokens are shortened: a walk-through is a log, and logs
// never hold whole tokens (MCP security best practices, "token handling").
import { chalk } from 'zx'

export interface Leg {
  title: string
  spec: string
  /** a soft leg (plain tool calls) does not interrupt a leg the walk opened itself, like Step-up */
  soft?: boolean
}

let legNumber = 0
let currentLeg: Leg | undefined

export function leg(next: Leg): void {
  const { title, spec } = next
  if (title === currentLeg?.title) return
  if (next.soft && currentLeg?.soft === false) return
  currentLeg = next
  legNumber += 1
  console.log(`\n${chalk.bold.cyan(String(legNumber).padStart(2))}${chalk.bold(`. ${title}`)}  ${chalk.dim(spec)}`)
}

export function say(line: string): void {
  console.log(`    ${line}`)
}

export function ok(line: string): void {
  console.log(`    ${chalk.green('✔')} ${line}`)
}

export function warn(line: string): void {
  console.log(`    ${chalk.yellow('!')} ${line}`)
}

/** "eyJhbGciOi…(812 chars)": enough to recognise a token, not enough to use it. */
export function shorten(secret: string): string {
  return secret.length <= 16 ? '…' : `${secret.slice(0, 10)}…(${secret.length} chars)`
}

const SECRET_FIELDS = new Set(['access_token', 'refresh_token', 'id_token', 'client_secret', 'code', 'code_verifier', 'token'])

/** A JSON body's interesting fields, with secrets shortened. */
export function summarise(body: Record<string, unknown>, fields: string[]): string[] {
  return fields
    .filter((field) => body[field] !== undefined)
    .map((field) => {
      const value = body[field]
      const shown = SECRET_FIELDS.has(field) && typeof value === 'string' ? shorten(value) : JSON.stringify(value)
      return `${chalk.dim(`${field}:`)} ${shown}`
    })
}

/** A form body, with secrets shortened. */
export function summariseForm(body: string): string {
  const params = new URLSearchParams(body)
  return [...params]
    .map(
      ([name, value]) =>
        `${name}=${SECRET_FIELDS.has(name) || name === 'password' ? (name === 'password' ? '•••' : shorten(value)) : value}`,
    )
    .join('&')
}

/** A URL with secret query parameters shortened (the code in a callback, say), easy to read. */
export function showUrl(url: URL | string): string {
  const { origin, pathname, searchParams } = new URL(url)
  const query = [...searchParams].map(([name, value]) => `${name}=${SECRET_FIELDS.has(name) ? shorten(value) : value}`).join('&')
  return `${origin}${pathname}${query ? `?${query}` : ''}`
}

export class LegFailed extends Error {
  name = 'LegFailed'
}
