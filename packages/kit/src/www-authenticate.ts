// A parser for WWW-Authenticate (RFC 9110 §11.6.1): challenges, auth-params, quoted strings.
// Checks read parameters through it instead of grepping the header, as a client must.

export interface Challenge {
  scheme: string // lower-cased
  params: Record<string, string> // names lower-cased, values unquoted
  token68?: string
  /** the parameters sent as a bare token rather than a quoted string (RFC 6750 §3 quotes every one) */
  unquoted?: string[]
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/

export class ChallengeSyntaxError extends Error {
  name = 'ChallengeSyntaxError'
}

export function parseWwwAuthenticate(header: string): Challenge[] {
  let rest = header
  const challenges: Challenge[] = []
  const skip = (re: RegExp) => (rest = rest.replace(re, ''))
  const fail = (why: string): never => {
    throw new ChallengeSyntaxError(`${why} in WWW-Authenticate: ${header}`)
  }

  skip(/^[\s,]+/)
  while (rest.length > 0) {
    const scheme = TOKEN.exec(rest)?.[0] ?? fail('expected an auth-scheme')
    rest = rest.slice(scheme.length)
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} }
    challenges.push(challenge)
    let separated = false // a comma followed what was read: the next challenge may begin
    if (/^ +/.test(rest)) {
      skip(/^ +/)
      // token68 form (RFC 9110 §11.3): one value that is not the start of an auth-param
      const t68 = TOKEN68.exec(rest)?.[0]
      if (
        t68 !== undefined &&
        !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\s*=\s*("|[!#$%&'*+\-.^_`|~0-9A-Za-z])/.test(rest) &&
        /^\s*(,|$)/.test(rest.slice(t68.length))
      ) {
        challenge.token68 = t68
        rest = rest.slice(t68.length)
      } else {
        // #auth-param, until the next token that is not followed by "=" (the next scheme)
        for (;;) {
          const name = TOKEN.exec(rest)?.[0]
          if (name === undefined || !/^\s*=/.test(rest.slice(name.length))) break
          rest = rest.slice(name.length)
          skip(/^\s*=\s*/)
          let value: string
          if (rest.startsWith('"')) {
            const match = /^"((?:[^"\\]|\\.)*)"/.exec(rest) ?? fail('unterminated quoted-string')
            value = match[1].replace(/\\(.)/g, '$1')
            rest = rest.slice(match[0].length)
          } else {
            value = TOKEN.exec(rest)?.[0] ?? fail(`expected a value for ${name}`)
            rest = rest.slice(value.length)
            challenge.unquoted = [...(challenge.unquoted ?? []), name.toLowerCase()]
          }
          const key = name.toLowerCase()
          if (key in challenge.params) fail(`repeated parameter ${key}`) // RFC 9110 §11.2: each name at most once
          challenge.params[key] = value
          skip(/^[ \t]*/)
          separated = rest.startsWith(',')
          if (!separated) break
          skip(/^[\s,]+/)
        }
      }
    }
    if (!separated) {
      skip(/^[ \t]*/)
      separated = rest.startsWith(',')
      skip(/^[\s,]+/)
    }
    // RFC 9110 §11.6.1: challenges and parameters are comma-separated; anything else (a value with spaces
    // that is not a quoted string, a missing comma) is not this grammar, and a client cannot read it.
    if (rest.length > 0 && !separated) fail(`unexpected "${rest.slice(0, 20)}"`)
  }
  return challenges
}

/** The Bearer challenge (RFC 6750 §3), or undefined if the header has none. */
export function bearerChallenge(header: string | undefined): Challenge | undefined {
  if (header === undefined) return undefined
  return parseWwwAuthenticate(header).find((c) => c.scheme === 'bearer')
}
