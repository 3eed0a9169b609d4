// `npm run -s token`: the dev tokens of labs 2–4, and the expired one lab 2's README mints with `--ttl -1m`.
import { decodeJwt, importJWK, jwtVerify } from 'jose'
import { describe, expect, it } from 'vitest'
import { readDevKey } from '@workshop/kit/keys'
import { type Run, runCommand, runScript } from './commands.ts'

// the default port, 9000, as in a learner's terminal
const token = (...args: string[]) => runScript('token.ts', args, { PORT: undefined })

/** The one line a successful run prints: a compact JWS. */
function printedToken(result: Run): string {
  expect(result.stderr, 'nothing on stderr').toBe('')
  expect(result.code).toBe(0)
  const lines = result.stdout.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
  return lines[0]
}

async function verify(jwt: string) {
  const { publicJwk } = await readDevKey()
  const key = await importJWK(publicJwk, 'RS256')
  return jwtVerify(jwt, key, { issuer: 'http://127.0.0.1:9000', audience: 'http://127.0.0.1:9000/mcp', typ: 'at+jwt' })
}

describe('npm run token', () => {
  it('`npm run -s token -- --ttl -1m`, as lab 2 prints it: a well-signed token that expired a minute ago', async () => {
    const jwt = printedToken(await runCommand('npm', ['run', '-s', 'token', '--', '--ttl', '-1m'], { PORT: undefined }))
    const { exp, iat } = decodeJwt(jwt)
    expect(exp! - iat!).toBe(-60)
    // jose checks the signature before the claims: ERR_JWT_EXPIRED means signed by the dev key, and expired.
    await expect(verify(jwt)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' })
  })

  it('--ttl=-1m and --ttl -90 (seconds) are negative too', async () => {
    const [joined, seconds] = await Promise.all([token('--ttl=-1m'), token('--ttl', '-90')])
    const claims = [decodeJwt(printedToken(joined)), decodeJwt(printedToken(seconds))]
    expect(claims.map(({ exp, iat }) => exp! - iat!)).toEqual([-60, -90])
  })

  it('--ttl 5m with a scope: a token lab 2 accepts, for 5 minutes', async () => {
    const jwt = printedToken(await token('--ttl', '5m', '--scope', 'notes:read notes:write'))
    const { payload } = await verify(jwt)
    expect(payload.exp! - payload.iat!).toBe(300)
    expect(payload).toMatchObject({ scope: 'notes:read notes:write', sub: 'alice' })
  })

  it('a bad --ttl: exit 2, no token, one line saying what is wrong', async () => {
    const results = await Promise.all([token('--ttl', 'soon'), token('--ttl', '1.5m'), token('--ttl'), token('--ttl', '-x')])
    for (const [i, result] of results.entries()) {
      expect(result.code, `case ${i}`).toBe(2)
      expect(result.stdout, `case ${i}`).toBe('')
      expect(result.stderr, `case ${i}`).toMatch(/^token: .*--ttl.*\n$/) // one line: parseArgs' advice runs to three
    }
    expect(results[0].stderr).toBe('token: bad --ttl "soon": use seconds or a number with s, m, h or d (e.g. 5m)\n')
  })
})
