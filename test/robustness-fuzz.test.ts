// Robustness: a bounded, seeded fuzz of every endpoint of lab 5 (resource server and authorization
// server in one process) and of lab 7 (resource server, and its identity provider). Malformed JSON,
// wrong types, huge and empty values, invalid UTF-8, %-garbage, NUL bytes, repeated and missing
// headers, wrong methods and content types, and a few requests only a raw socket can send.
// Never a 5xx, never a crash or a hang, a normal request works afterwards, and no log line
// holds a token or secret. The seed makes a failing run reproducible: FUZZ_SEED=… npx vitest run …
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { type RawReply, Random, leakedLines, rawRequest, rawSocket } from '@workshop/kit/attack-kit'
import { pkcePair } from '@workshop/kit/authorization-request'
import { Browser } from '@workshop/kit/user-agent'
import { CALLBACK } from '@workshop/kit/oauth-client'
import { findLab, labExists } from '@workshop/kit/labs'
import { type RunningLab, type RunningProcess, startLab } from '@workshop/kit/lab-process'
import { AuthorizationServer, formOf } from '@workshop/kit/oauth-client'
import { AttackContext, discoverTarget, ranText } from '../labs/08-attacks/context.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed08)
/** FUZZ_SCALE=10 for a longer hunt; the suite runs scale 1 (600 requests plus socket cases). */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1)
const TIMEOUT = 120_000
const running: RunningLab[] = []
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()))
})

/** What the fuzzer knows: genuine values to mix with garbage, so requests get past the first check. */
interface Known {
  base: string
  port: number
  accessToken: string
  refreshToken: string
  publicClient: string
  confidential: { id: string; secret: string }
  /** a pending sign-in: its form's action and hidden fields, and the browser's cookies */
  login: { action: string; hidden: Record<string, string>; cookie: string }
  consentAction: string
  secrets: Set<string>
}

interface Endpoint {
  method: string
  url: string
  /** what the endpoint reads: a JSON-RPC body, a form, JSON, a query string, or nothing */
  body: 'mcp' | 'form' | 'json' | 'query' | 'none'
  fields?: string[]
}

// ---- generators

function garbage(r: Random): string {
  return r.pick([
    '',
    ' ',
    '\u0000',
    'null',
    '%',
    '%zz',
    '%ff%fe',
    '%00',
    'é',
    '\uD800',
    '😀'.repeat(5),
    'x'.repeat(r.pick([100, 3000, 70_000])),
    '../../etc/passwd',
    '<script>alert(1)</script>',
    "' OR 1=1 --",
    '${7*7}',
    '__proto__',
    'constructor',
    'eyJ.eyJ.',
    '-1',
    '1e309',
    'NaN',
    'true',
    '[]',
    '{}',
  ])
}

/** A field's value: often a genuine one from `known`, else garbage. */
function value(r: Random, field: string, known: Known): string {
  if (r.chance(0.4)) return garbage(r)
  const genuine: Record<string, string[]> = {
    grant_type: ['authorization_code', 'refresh_token', 'client_credentials', 'password'],
    client_id: [known.publicClient, known.confidential.id, 'no-such-client', 'https://client.example/oauth.json'],
    client_secret: [known.confidential.secret, 'wrong'],
    refresh_token: [known.refreshToken],
    token: [known.accessToken, known.refreshToken],
    token_type_hint: ['access_token', 'refresh_token'],
    code: ['x'.repeat(43)],
    code_verifier: ['a'.repeat(43), 'a'.repeat(129)],
    redirect_uri: [CALLBACK, 'https://evil.example/cb', 'javascript:alert(1)'],
    resource: [`${known.base}/mcp`, 'https://evil.example/mcp'],
    scope: ['notes:read', 'notes:read notes:admin', 'openid offline_access'],
    response_type: ['code', 'token', 'code id_token'],
    code_challenge: ['E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'],
    code_challenge_method: ['S256', 'plain'],
    state: ['xyz'],
    username: ['alice', 'bob', 'nobody'],
    password: ['wonderland', 'wrong'],
    decision: ['approve', 'deny', 'maybe'],
    ...Object.fromEntries(Object.entries(known.login.hidden).map(([name, v]) => [name, [v]])),
  }
  return r.pick(genuine[field] ?? [garbage(r)])
}

/** %-encoding that also writes a lone surrogate, as the invalid UTF-8 bytes %ED%A0%80. */
const encode = (s: string) =>
  s
    .split(/([\uD800-\uDFFF])/u)
    .map((part) => (/^[\uD800-\uDFFF]$/.test(part) ? '%ED%A0%80' : encodeURIComponent(part)))
    .join('')

/** application/x-www-form-urlencoded, with fields left out, repeated, array-styled, or %-mangled. */
function formBody(r: Random, fields: string[], known: Known): Buffer {
  const parts: string[] = []
  for (const field of fields) {
    if (r.chance(0.2)) continue
    const name = r.chance(0.05) ? `${field}[]` : r.chance(0.03) ? `${field}[a]` : field
    const times = r.chance(0.08) ? 2 : 1
    for (let i = 0; i < times; i++)
      parts.push(`${encode(name)}=${r.chance(0.1) ? r.pick(['%', '%zz', '%E0%A4%A', '%00', '%ff']) : encode(value(r, field, known))}`)
  }
  if (r.chance(0.1)) parts.push(`${garbage(r)}=${garbage(r)}`)
  let body = Buffer.from(parts.join('&'))
  if (r.chance(0.05)) body = Buffer.concat([body, Buffer.from([0xff, 0xfe, 0xc3, 0x28])])
  return body
}

/** Any JSON value, to a small depth. */
function jsonValue(r: Random, depth = 0): unknown {
  const kind = r.int(depth > 3 ? 5 : 8)
  switch (kind) {
    case 0:
      return null
    case 1:
      return r.chance(0.5)
    case 2:
      return r.pick([0, -1, 1e308, 3.14, 2 ** 53 + 1])
    case 3:
    case 4:
      return garbage(r)
    case 5:
      return Array.from({ length: r.int(4) }, () => jsonValue(r, depth + 1))
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, () => [
          r.pick(['name', 'arguments', 'uri', 'id', '__proto__', 'text', garbage(r)]),
          jsonValue(r, depth + 1),
        ]),
      )
  }
}

/** A JSON-RPC message (or batch) that is almost right, or not at all. */
function mcpMessage(r: Random): unknown {
  const message = () => {
    const m: Record<string, unknown> = {
      jsonrpc: r.chance(0.9) ? '2.0' : jsonValue(r),
      id: r.chance(0.8) ? r.int(100) : jsonValue(r),
      method: r.chance(0.8)
        ? r.pick([
            'tools/call',
            'tools/list',
            'resources/read',
            'prompts/get',
            'initialize',
            'ping',
            'notifications/initialized',
            'notes/purge',
          ])
        : jsonValue(r),
      params: r.chance(0.7)
        ? {
            name: r.pick(['read_notes', 'add_note', 'purge_notes', 'summarise_notes', garbage(r)]),
            uri: r.pick(['notes://mine', garbage(r)]),
            arguments: r.chance(0.7) ? { text: r.chance(0.5) ? garbage(r) : jsonValue(r) } : jsonValue(r),
          }
        : jsonValue(r),
    }
    if (r.chance(0.1)) delete m.id
    return m
  }
  return r.chance(0.15) ? Array.from({ length: r.int(5) }, message) : r.chance(0.1) ? jsonValue(r) : message()
}

/** RFC 7591 metadata, mostly of the right shape. */
function registration(r: Random): unknown {
  const m: Record<string, unknown> = {
    redirect_uris: r.chance(0.8)
      ? [r.pick([CALLBACK, 'https://client.example/cb', 'javascript:x', 'http://evil.example/cb', garbage(r)])]
      : jsonValue(r),
    token_endpoint_auth_method: r.pick(['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt', garbage(r)]),
    grant_types: r.chance(0.8) ? [r.pick(['authorization_code', 'refresh_token', 'implicit'])] : jsonValue(r),
    client_name: r.chance(0.7) ? garbage(r) : jsonValue(r),
  }
  if (r.chance(0.2)) m[garbage(r)] = jsonValue(r)
  return r.chance(0.1) ? jsonValue(r) : m
}

const CONTENT_TYPES = [
  undefined,
  'text/plain',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded; charset=latin1',
  'multipart/form-data; boundary=x',
  'application/json',
  'application/x-www-form-urlencoded',
  ';;;',
  'application/jsonx',
  'application/json; charset=bogus',
]
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']

/** One request to one endpoint: right or wrong method, body, content type and headers, all from the seed. */
function request(
  r: Random,
  endpoint: Endpoint,
  known: Known,
): { method: string; url: string; headers: Record<string, string | string[]>; body?: Buffer; what: string } {
  const method = r.chance(0.85) ? endpoint.method : r.pick(METHODS)
  const headers: Record<string, string | string[]> = {}
  let body: Buffer | undefined
  let url = endpoint.url
  let contentType: string | undefined
  switch (endpoint.body) {
    case 'mcp':
      body = Buffer.from(JSON.stringify(mcpMessage(r)))
      contentType = 'application/json'
      headers.Accept = r.chance(0.9) ? 'application/json, text/event-stream' : r.pick(['text/html', '*/*', ''])
      break
    case 'json':
      body = Buffer.from(JSON.stringify(registration(r)))
      contentType = 'application/json'
      break
    case 'form':
      body = formBody(r, endpoint.fields ?? [], known)
      contentType = 'application/x-www-form-urlencoded'
      break
    case 'query':
      url = `${url}?${formBody(r, endpoint.fields ?? [], known).toString('latin1')}`
      break
  }
  // Wrong content types, broken bodies, compression, sizes.
  if (r.chance(0.15)) contentType = r.pick(CONTENT_TYPES)
  if (contentType !== undefined) headers['Content-Type'] = r.chance(0.03) ? [contentType, 'text/plain'] : contentType
  if (body !== undefined && r.chance(0.08)) body = body.subarray(0, r.int(body.length))
  if (r.chance(0.04)) body = r.bytes(r.pick([1, 64, 2048]))
  if (r.chance(0.03)) body = Buffer.alloc(r.pick([70 * 1024, 1024 * 1024]), 0x20)
  if (body !== undefined && r.chance(0.04)) {
    const gzip = r.chance(0.5)
    headers['Content-Encoding'] = gzip ? 'gzip' : r.pick(['deflate', 'br', 'identity, gzip', 'zstd'])
    if (gzip && r.chance(0.5)) body = gzipSync(body)
  }
  // Credentials, origins, cookies, repeated and odd headers.
  const auth = r.int(12)
  if (auth < 3) headers.Authorization = `Bearer ${known.accessToken}`
  else if (auth === 3) headers.Authorization = `Bearer ${garbage(r).replace(/[^\x20-\x7e]/g, '')}`
  else if (auth === 4)
    headers.Authorization = `Basic ${Buffer.from(`${known.confidential.id}:${known.confidential.secret}`).toString('base64')}`
  else if (auth === 5)
    headers.Authorization = r.pick([
      'Basic %%%',
      `Basic ${r.bytes(12).toString('base64')}`,
      'Bearer',
      `Bearer ${'a'.repeat(8000)}`,
      'DPoP x',
    ])
  else if (auth === 6) headers.Authorization = [`Bearer ${known.accessToken}`, 'Bearer other']
  if (r.chance(0.1)) headers.Origin = r.pick([known.base, 'null', 'http://evil.example'])
  if (r.chance(0.05)) headers.Host = r.pick([`localhost:${known.port}`, 'evil.example'])
  if (endpoint.body === 'form' && r.chance(0.7)) headers.Cookie = known.login.cookie
  if (r.chance(0.05)) headers.Cookie = r.pick(['%%%; =; a=b=c;', `csrf_${'x'.repeat(100)}=${'y'.repeat(4000)}`, '\u00ff\u00fe'])
  if (r.chance(0.03)) headers['X-Forwarded-For'] = r.pick(['127.0.0.1, 10.0.0.1', garbage(r).replace(/[^\x20-\x7e]/g, '')])
  return {
    method,
    url,
    headers,
    body,
    what: `${method} ${url.slice(0, 80)} (${headers['Content-Type'] ?? 'no type'}, ${body?.length ?? 0} bytes)`,
  }
}

/** Requests node:http will not send: missing Host, smuggling-style lengths, bad chunks, NUL bytes. */
function socketCases(port: number, path: string): string[] {
  const host = `Host: 127.0.0.1:${port}`
  return [
    `GET ${path} HTTP/1.1\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${host}\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello`,
    `POST ${path} HTTP/1.1\r\n${host}\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${host}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`,
    `GET ${path}\u0000 HTTP/1.1\r\n${host}\r\n\r\n`,
    `GET ${path} HTTP/1.1\r\n${host}\r\nX-Bad: a\u0000b\r\n\r\n`,
    `GET ${path} HTTP/1.1\r\n${host}\r\nX-Folded: a\r\n b\r\n\r\n`,
    `G@T ${path} HTTP/1.1\r\n${host}\r\n\r\n`,
    `GET ${path}?${'a'.repeat(20_000)} HTTP/1.1\r\n${host}\r\n\r\n`,
    `GET ${path} HTTP/1.0\r\n\r\n`,
    `GET ${path} HTTP/9.9\r\n${host}\r\n\r\n`,
    `POST ${path} HTTP/1.1\r\n${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"jsonrpc"`,
  ]
}

// ---- running

interface Tally {
  sent: number
  failures: string[]
}

/** Runs `count` seeded requests against `endpoints`, four at a time, then the socket cases. */
async function fuzz(seed: number, count: number, endpoints: Endpoint[], known: Known, socketPaths: string[]): Promise<Tally> {
  const r = new Random(seed)
  const requests = Array.from({ length: count }, () => request(r, r.pick(endpoints), known))
  const tally: Tally = { sent: 0, failures: [] }
  // No answer counts as a failure, except for raw-socket garbage, bodies over every limit (64 kB) and
  // URLs or headers over Node's 16 kB: a server may answer those early (413, 431) and close, and the
  // client then sees a reset instead of the answer. The server must still be alive afterwards.
  const check = (what: string, reply: RawReply, mayDrop = false) => {
    if (reply.status === -1) return // node:http refused to send it (an invalid header value): nothing reached the server
    tally.sent += 1
    if (reply.status >= 500 || (reply.status === 0 && !mayDrop))
      tally.failures.push(`${what} → ${reply.status || reply.error}: ${reply.text.slice(0, 120)}`)
  }
  let next = 0
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < requests.length) {
        const { what, url, ...options } = requests[next++]
        const oversized = (options.body?.length ?? 0) > 64 * 1024 || url.length + JSON.stringify(options.headers).length > 16 * 1024
        check(what, await rawRequest(url, { ...options, timeoutMs: 20_000 }), oversized)
      }
    }),
  )
  for (const path of socketPaths)
    for (const bytes of socketCases(known.port, path))
      check(`socket: ${JSON.stringify(bytes.slice(0, 60))}`, await rawSocket(known.port, bytes), true)
  return tally
}

/** Genuine values: a user's tokens, a confidential client, a pending sign-in with its cookies. */
async function prepare(base: string): Promise<{ known: Known; as: AuthorizationServer; ctx: AttackContext }> {
  const ctx = new AttackContext(await discoverTarget(base))
  const as = ctx.as!
  const tokens = await as.tokens({ user: 'alice', scope: 'notes:read notes:write' })
  const confidential = await as.client('fuzz confidential', { token_endpoint_auth_method: 'client_secret_basic' })
  // A browser walks to a sign-in page; the fuzzer then posts garbage with its cookies.
  const browser = new Browser()
  const signInPage = await browser.navigate(
    as.authorizationUrl({ client: tokens.client, pkce: pkcePair(), state: 's', redirectUri: CALLBACK, scope: 'notes:read' }),
    CALLBACK,
  )
  const form = formOf(signInPage)!
  const consent = await as.signIn(await as.start({ scope: 'notes:read' }), 'alice')
  const known: Known = {
    base,
    port: Number(new URL(base).port),
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token!,
    publicClient: tokens.client.client_id,
    confidential: { id: confidential.client_id, secret: confidential.client_secret! },
    login: { action: form.action, hidden: form.hidden, cookie: browser.jar.header(form.action).Cookie ?? '' },
    consentAction: formOf(consent)!.action,
    secrets: new Set([...as.secrets, ...Object.values(form.hidden).filter((v) => v.length >= 16)]),
  }
  return { known, as, ctx }
}

/** After the fuzz: still running, a sign-in and a tool call work, and the logs hold no secret. */
async function expectHealthy(processes: RunningProcess[], base: string, known: Known, tally: Tally): Promise<void> {
  expect(
    tally.failures,
    processes.map((p) => `${p.name}: ${p.child.exitCode ?? 'running'}\n${p.output().slice(-3000)}`).join('\n'),
  ).toEqual([])
  for (const p of processes) expect(p.child.exitCode, `${p.name} exited`).toBeNull()
  const ctx = new AttackContext(await discoverTarget(base))
  const token = await ctx.freshToken('notes:read')
  const reply = await ctx.mcp({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_notes', arguments: {} } }, { token })
  expect(ranText(reply), 'a normal tool call after the fuzz').toMatch(/^Notes of alice/)
  const logs = processes.map((p) => p.output()).join('\n')
  expect(leakedLines(logs, [...known.secrets, ...ctx.secrets()])).toEqual([])
}

const form = (url: string, ...fields: string[]): Endpoint => ({ method: 'POST', url, body: 'form', fields })

/** The back-channel endpoints every authorization server of the workshop has, and their fields. */
function backChannel(m: Record<string, any>): Endpoint[] {
  const tokenFields = ['grant_type', 'code', 'code_verifier', 'redirect_uri', 'resource', 'refresh_token', 'scope']
  return [
    form(m.token_endpoint, ...tokenFields, 'client_id', 'client_secret'),
    { method: 'POST', url: m.registration_endpoint, body: 'json' },
    form(m.revocation_endpoint, 'token', 'token_type_hint', 'client_id', 'client_secret'),
    form(m.introspection_endpoint, 'token', 'token_type_hint', 'client_id', 'client_secret'),
  ]
}

describe('fuzzing (seeded, bounded)', () => {
  it(
    `lab 5: 360 malformed requests at every endpoint (seed ${SEED}), plus raw-socket oddities`,
    async () => {
      // The rate limit would turn most requests into 429s and hide the code behind it.
      const server = await startLab(findLab('5'), { env: { RATE_LIMIT_PER_MINUTE: '1000000' } })
      running.push(server)
      const { known, as } = await prepare(server.base)
      const m = as.metadata
      const endpoints: Endpoint[] = [
        { method: 'POST', url: `${server.base}/mcp`, body: 'mcp' },
        { method: 'GET', url: `${server.base}/mcp`, body: 'none' },
        { method: 'GET', url: `${server.base}/.well-known/oauth-protected-resource/mcp`, body: 'query', fields: ['resource'] },
        { method: 'GET', url: `${server.base}/.well-known/oauth-protected-resource`, body: 'none' },
        { method: 'GET', url: `${server.base}/.well-known/oauth-authorization-server`, body: 'none' },
        { method: 'GET', url: `${server.base}/.well-known/jwks.json`, body: 'none' },
        {
          method: 'GET',
          url: m.authorization_endpoint,
          body: 'query',
          fields: ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'code_challenge', 'code_challenge_method', 'resource'],
        },
        form(known.login.action, ...Object.keys(known.login.hidden), 'username', 'password'),
        form(known.consentAction, ...Object.keys(known.login.hidden), 'decision'),
        ...backChannel(m),
        { method: 'GET', url: `${server.base}/authorize/%ff%fe`, body: 'none' },
        { method: 'POST', url: `${server.base}//token`, body: 'form', fields: ['grant_type'] },
        { method: 'GET', url: `${server.base}/nope/%00`, body: 'none' },
      ]
      const tally = await fuzz(SEED, 360 * SCALE, endpoints, known, ['/mcp', '/token'])
      expect(tally.sent).toBeGreaterThan(350)
      await expectHealthy([server], server.base, known, tally)
      console.log(`lab 5: ${tally.sent} malformed requests, none answered 5xx`)
    },
    TIMEOUT,
  )

  const lab7 = findLab('7')
  it.skipIf(!labExists(lab7))(
    `lab 7: 240 malformed requests at the resource server and its identity provider (seed ${SEED + 7})`,
    async () => {
      const server = await startLab(lab7)
      running.push(server)
      const { known, as } = await prepare(server.base)
      const m = as.metadata
      const idp = new URL(m.issuer).origin
      const endpoints: Endpoint[] = [
        { method: 'POST', url: `${server.base}/mcp`, body: 'mcp' },
        { method: 'POST', url: `${server.base}/mcp`, body: 'mcp' },
        { method: 'GET', url: `${server.base}/.well-known/oauth-protected-resource/mcp`, body: 'none' },
        { method: 'DELETE', url: `${server.base}/mcp`, body: 'none' },
        { method: 'GET', url: `${idp}/.well-known/openid-configuration`, body: 'none' },
        { method: 'GET', url: `${idp}/.well-known/oauth-authorization-server`, body: 'none' },
        { method: 'GET', url: m.jwks_uri, body: 'none' },
        {
          method: 'GET',
          url: m.authorization_endpoint,
          body: 'query',
          fields: [
            'response_type',
            'client_id',
            'redirect_uri',
            'scope',
            'state',
            'code_challenge',
            'code_challenge_method',
            'resource',
            'prompt',
          ],
        },
        form(known.login.action, ...Object.keys(known.login.hidden), 'username', 'password'),
        form(known.consentAction, ...Object.keys(known.login.hidden), 'decision'),
        { method: 'GET', url: known.login.action.replace(/\/login$/, ''), body: 'none' },
        ...backChannel(m),
        { method: 'GET', url: `${idp}/interaction/%zz`, body: 'none' },
        { method: 'GET', url: `${idp}/dev/keys`, body: 'none' },
      ]
      const tally = await fuzz(SEED + 7, 240 * SCALE, endpoints, known, ['/mcp'])
      const idpPort = Number(new URL(idp).port)
      for (const bytes of socketCases(idpPort, '/token')) {
        const reply = await rawSocket(idpPort, bytes)
        tally.sent += 1
        if (reply.status >= 500) tally.failures.push(`provider socket: ${JSON.stringify(bytes.slice(0, 60))} → ${reply.status}`)
      }
      expect(tally.sent).toBeGreaterThan(240)
      await expectHealthy([server, ...Object.values(server.companions)], server.base, known, tally)
      console.log(`lab 7: ${tally.sent} malformed requests, none answered 5xx`)
    },
    TIMEOUT,
  )
})
