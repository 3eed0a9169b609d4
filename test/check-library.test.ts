// The check library (@workshop/kit/checks): a check's exchanges are real curl commands, and what a
// learner reads about them is exactly what ran. Also: no curl on the machine, and nothing listening.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, symlinkSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { $ } from 'zx'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { check, exchange, expectStatus, formatResult, parseCurl, runAndPrint, runCheck, shorten } from '@workshop/kit/checks'
import { freePort } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'

const strip = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '') // eslint-disable-line no-control-regex
const JWT =
  'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSIsImF1ZCI6Imh0dHA6Ly8xMjcuMC4wLjE6OTAwMC9tY3AifQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU'

const server = createServer((req, res) => {
  if (req.url === '/challenge') {
    res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="mcp", error="invalid_token"', 'Content-Type': 'application/json' })
    return void res.end(JSON.stringify({ error: 'invalid_token', echoed: req.headers.authorization }))
  }
  let body = ''
  req.on('data', (chunk) => (body += chunk))
  req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ got: body.length })))
})
let base: string
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => server.close())

describe('exchange: one curl command and its answer', () => {
  it('reads the status, the headers, the parsed challenge and the JSON body', async () => {
    const reply = await exchange($`curl -si ${`${base}/challenge`} -H ${`Authorization: Bearer ${JWT}`}`)
    expect(reply.status).toBe(401)
    expect(reply.challenge?.params).toEqual({ realm: 'mcp', error: 'invalid_token' })
    expect(reply.json.echoed).toBe(`Bearer ${JWT}`)
    expect(reply.curl).toMatch(/^curl -si http:\/\/127\.0\.0\.1:\d+\/challenge -H \$'Authorization: Bearer eyJ/)
  })

  it('skips a 100 Continue before the answer (curl sends Expect: 100-continue for large bodies)', async () => {
    const reply = await exchange($`curl -si ${`${base}/echo`} --data ${'x'.repeat(100_000)}`)
    expect(reply.status).toBe(200)
    expect(reply.json).toEqual({ got: 100_000 })
    const parsed = parseCurl(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nX-A: 1\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n\r\nhi',
      'curl',
    )
    expect([parsed.status, parsed.headers['x-a'], parsed.headers['set-cookie'], parsed.text]).toEqual([201, '1', ['a=1', 'b=2'], 'hi'])
  })

  it('says so in one line when nothing answers', async () => {
    const port = await freePort()
    const result = await runCheck(
      check('x', 'x', 'x', async () => void (await exchange($`curl -si ${`http://127.0.0.1:${port}/mcp`}`))),
      base,
    )
    expect(result.ok).toBe(false)
    expect(result.reason).toBe('nothing answers there (connection refused)')
  })
})

describe('what a learner reads', () => {
  it('a failure prints the command (tokens shortened), the status, the headers that matter and the body', async () => {
    const failing = check('x', 'the challenge is a 200', 'RFC 6750 §3', async (t) => {
      expectStatus(await exchange($`curl -si ${t.url('/challenge')} -H ${`Authorization: Bearer ${JWT}`}`), 200)
    })
    const text = strip(formatResult(await runCheck(failing, base)))
    expect(text).toContain('✘ the challenge is a 200 (RFC 6750 §3)')
    expect(text).toContain('expected HTTP 200, got 401')
    expect(text).toMatch(/\$ curl -si http:\/\/127\.0\.0\.1:\d+\/challenge -H \$'Authorization: Bearer eyJhbGciOi…'/)
    expect(text).toContain('HTTP 401')
    expect(text).toContain('www-authenticate: Bearer realm="mcp", error="invalid_token"')
    expect(text).not.toContain(JWT)
    expect(text).not.toMatch(/^ *date:/m)
  })

  it('--curl prints every command whole, before its result', async () => {
    const lines: string[] = []
    const passing = check('x', 'the challenge is a 401', 'RFC 6750 §3', async (t) => {
      expectStatus(await exchange($`curl -si ${t.url('/challenge')} -H ${`Authorization: Bearer ${JWT}`}`), 401)
    })
    await runAndPrint([passing], base, { curl: true, print: (line) => lines.push(strip(line)) })
    expect(lines[0]).toMatch(new RegExp(`^\\$ curl -si http://127\\.0\\.0\\.1:\\d+/challenge -H \\$'Authorization: Bearer ${JWT}'$`))
    expect(lines[1]).toBe('✔ the challenge is a 401 (RFC 6750 §3)')
  })

  it('shortens long tokens and leaves short words alone', () => {
    expect(shorten(`Bearer ${JWT} and notes:read`)).toBe('Bearer eyJhbGciOi… and notes:read')
  })
})

describe('npm run check without curl on the machine', () => {
  it('says once how to install it, and exits 2', () => {
    // A PATH with node and git but no curl.
    const bin = mkdtempSync(join(tmpdir(), 'no-curl-'))
    for (const tool of ['node', 'git', 'sh', 'bash']) {
      const found = spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim()
      if (found) symlinkSync(found, join(bin, tool))
    }
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check.ts', '1'], {
      cwd: ROOT,
      env: { ...process.env, PATH: bin },
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(run.status).toBe(2)
    const said = `${run.stdout}${run.stderr}`
    expect(said.match(/curl is not installed/g)).toHaveLength(1)
    expect(said).toContain('sudo apt-get install curl')
    expect(said).not.toContain('✘')
  })
})
