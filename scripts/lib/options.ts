// The command-line mistakes a learner makes with `npm run step|check|diff`, each answered in one line.

/** One line for node:util parseArgs' errors (an unknown option, a missing value); undefined for any other error. */
export function optionError(error: unknown, command: string, known: string[]): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return undefined
  const message = (error as Error).message
  const options = known.length > 0 ? `; its options: ${known.map((name) => `--${name}`).join(', ')}` : '; it takes no options'
  const unknown = /Unknown option '([^']+)'/.exec(message)
  if (unknown) {
    const near = known.find((name) => closeTo(unknown[1].replace(/^-+/, ''), name))
    return `${command}: unknown option ${unknown[1]}${near ? ` (did you mean --${near}?)` : ''}${options}`
  }
  return `${command}: ${message.split('\n')[0]}`
}

/** Two words that differ by at most two edits (a typo). */
function closeTo(a: string, b: string): boolean {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length] <= 2
}

/**
 * `npm run step 8 --target 1`, without "--", hands --target to npm: npm sets npm_config_target ("true", or
 * the value after "=") and passes the value on as a plain argument. The script then never sees the option
 * and would run against the default. This says how to write it; undefined when nothing was lost.
 */
export function npmKeptOption(
  command: string,
  positionals: string[],
  values: Record<string, unknown>,
  names: string[],
  /** how many plain arguments the command takes (the lab number: 1) */
  expected: number,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const args = positionals.slice(0, expected).join(' ')
  for (const name of names) {
    const kept = env[`npm_config_${name}`]
    if (kept === undefined || kept === '' || values[name] !== undefined) continue
    const value = kept === 'true' ? (positionals[expected] ?? '…') : kept
    return `${command}: npm kept --${name} for itself (no "--" before it); write: npm run ${command} ${args} -- --${name} ${value}`
  }
  if (positionals.length > expected) {
    return (
      `${command}: unexpected "${positionals[expected]}" after "npm run ${command} ${args}"; ` +
      `npm keeps the options written before "--" for itself: npm run ${command} ${args} -- --option value`
    )
  }
  return undefined
}
