// Attacks with garbage. Nothing here is clever: bodies too big, compressed into a bomb, nested too
// deep, not JSON, not UTF-8. What the attacker hopes for is a 5xx (a stack trace, a half-done
// write), a hang or a crash: an unauthenticated way to take the server down. "Got through" here
// means exactly that: an answer of 500 or more, no answer, or a server that stopped answering.
import { gzipSync } from 'node:zlib'
import { type RawReply, type RawRequest, rawRequest } from '@workshop/kit/attack-kit'
import { MCP_ACCEPT } from '@workshop/kit/http'
import { formOf } from '@workshop/kit/oauth-client'
import { type AttackContext, describe, onAuthorizationServer } from '../context.ts'
import { type Attack, type Defence, type Outcome, blocked, gotThrough } from './types.ts'

const group = 'inputs'
const json = 'application/json'
const form = 'application/x-www-form-urlencoded'

/** `depth` JSON objects, each inside the last: {"a":{"a":…1…}} */
const deeplyNested = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`

/** A request to send: `path` on the MCP server, or an absolute `url` (the authorization server's endpoints). */
type Garbage = RawRequest & { what: string } & ({ path: string } | { url: string })

/** Headers for a POST to /mcp with the attacker's genuine token, so the body is actually read. */
async function mcpPost(
  ctx: AttackContext,
  contentType: string | undefined,
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const token = await ctx.token()
  return {
    Accept: MCP_ACCEPT,
    ...(contentType ? { 'Content-Type': contentType } : {}),
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...extra,
  }
}

/** Sends each request; got through on any 5xx, on no answer, or if the server stops answering. */
async function survives(
  ctx: AttackContext,
  requests: Garbage[],
  accept: (reply: RawReply) => boolean = (r) => r.status > 0 && r.status < 500,
): Promise<Outcome> {
  const seen: string[] = []
  for (const { what, ...request } of requests) {
    const url = 'url' in request ? request.url : `${ctx.target.base}${request.path}`
    const reply = await rawRequest(url, { method: 'POST', ...request })
    if (!accept(reply)) return gotThrough(`${what}: ${describe(reply)}`)
    seen.push(String(reply.status))
  }
  if (!(await ctx.alive())) return gotThrough('the server stopped answering')
  return blocked(`${requests.length} request${requests.length > 1 ? 's' : ''}: ${[...new Set(seen)].join(', ')}, and it still answers`)
}

/** A body that is too big: got through if the server took it (2xx) instead of a 413 (or any 4xx). */
const refusedBig = (reply: RawReply) => reply.status >= 400 && reply.status < 500

const readNotesPadded = (bytes: number) =>
  JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_notes', arguments: { pad: 'x'.repeat(bytes) } } })

function attack(id: string, title: string, defence: Defence, rule: string, run: Attack['run']): Attack {
  return { id, title, group, defence, rule, run }
}

export const inputAttacks: Attack[] = [
  attack(
    'bad-json',
    'cut-off JSON, a lone bracket, an empty body, a bare number',
    'parse-errors',
    'JSON-RPC 2.0 §5.1 (-32700)',
    async (ctx) => {
      const headers = await mcpPost(ctx, json)
      return survives(
        ctx,
        ['{"jsonrpc":"2.0","id":1,', ']', '', '42', 'null'].map((body) => ({
          path: '/mcp',
          what: `body ${JSON.stringify(body)}`,
          headers,
          body,
        })),
      )
    },
  ),
  attack('wrong-types', 'wrong types: method 42, params a string, id an object', 'parse-errors', 'JSON-RPC 2.0 §4, §5', async (ctx) => {
    const headers = await mcpPost(ctx, json)
    const bodies = [
      { jsonrpc: '2.0', id: 1, method: 42 },
      { jsonrpc: '2.0', id: { a: 1 }, method: 'tools/call', params: 'read_notes' },
      { jsonrpc: 2, id: 1, method: 'tools/call', params: { name: ['purge_notes'], arguments: 'x' } },
      [],
      [[]],
      { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'add_note', arguments: { text: { toString: 'x' } } } },
    ]
    return survives(
      ctx,
      bodies.map((body) => ({ path: '/mcp', what: JSON.stringify(body).slice(0, 40), headers, body: JSON.stringify(body) })),
    )
  }),
  attack('deep-json', 'JSON nested 30,000 levels deep (60 kB, under the size limit)', 'parse-errors', 'RFC 8259 §9', async (ctx) => {
    const headers = await mcpPost(ctx, json)
    return survives(ctx, [
      { path: '/mcp', what: 'nested arrays', headers, body: `${'['.repeat(30_000)}${']'.repeat(30_000)}` },
      {
        path: '/mcp',
        what: 'nested params',
        headers,
        body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_notes","arguments":${deeplyNested(10_000)}}}`,
      },
    ])
  }),
  attack(
    'bad-encodings',
    'invalid UTF-8, a NUL byte, UTF-16, an unknown charset',
    'parse-errors',
    'RFC 8259 §8.1, RFC 9110 §8.3',
    async (ctx) => {
      const body = Buffer.concat([
        Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add_note","arguments":{"text":"'),
        Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x00, 0xed, 0xa0, 0x80]),
        Buffer.from('"}}}'),
      ])
      return survives(ctx, [
        { path: '/mcp', what: 'invalid UTF-8', headers: await mcpPost(ctx, json), body },
        {
          path: '/mcp',
          what: 'charset=utf-16',
          headers: await mcpPost(ctx, `${json}; charset=utf-16`),
          body: Buffer.from('{"jsonrpc":"2.0"}', 'utf16le'),
        },
        { path: '/mcp', what: 'charset=utf-7', headers: await mcpPost(ctx, `${json}; charset=utf-7`), body: '{}' },
        { path: '/mcp', what: 'charset=bogus', headers: await mcpPost(ctx, `${json}; charset=bogus`), body: '{}' },
        {
          path: '/mcp',
          what: 'Content-Encoding: gzip, not gzip',
          headers: await mcpPost(ctx, json, { 'Content-Encoding': 'gzip' }),
          body: 'not gzip at all',
        },
        {
          path: '/mcp',
          what: 'Content-Encoding: unknown',
          headers: await mcpPost(ctx, json, { 'Content-Encoding': 'zstd-9000' }),
          body: '{}',
        },
      ])
    },
  ),
  attack(
    'huge-body',
    'a 1 MB tool call (a genuine token, a valid JSON-RPC message)',
    'body-limit',
    'RFC 9110 §15.5.14 (413)',
    async (ctx) =>
      survives(
        ctx,
        [{ path: '/mcp', what: '1 MB body', headers: await mcpPost(ctx, json), body: readNotesPadded(1024 * 1024) }],
        refusedBig,
      ),
  ),
  // 8 MB of JSON compress to a few kB: a limit checked on the wire, before inflating, would let it in.
  attack('gzip-bomb', 'a gzip bomb: 8 kB on the wire, 8 MB once inflated', 'body-limit', 'RFC 9110 §8.4, §15.5.14', async (ctx) =>
    survives(
      ctx,
      [
        {
          path: '/mcp',
          what: 'gzip bomb',
          headers: await mcpPost(ctx, json, { 'Content-Encoding': 'gzip' }),
          body: gzipSync(readNotesPadded(8 * 1024 * 1024)),
        },
      ],
      refusedBig,
    ),
  ),
  attack(
    'as-garbage',
    'garbage at every authorization-server endpoint',
    'parse-errors',
    'RFC 6749 §5.2, RFC 7591 §3.2.2',
    onAuthorizationServer(async (ctx, as) => {
      const {
        token_endpoint: token,
        registration_endpoint: register,
        authorization_endpoint: authorize,
        revocation_endpoint: revoke,
        introspection_endpoint: introspect,
      } = as.metadata
      // The sign-in and consent forms' addresses, learnt by walking up to them.
      const attempt = await as.start({ scope: 'notes:read' })
      const login = formOf(attempt)?.action ?? authorize
      const consent = formOf(await as.signIn(attempt, ctx.user))?.action ?? authorize
      const garbage: Garbage[] = [
        { url: token, what: 'token endpoint, JSON', headers: { 'Content-Type': json }, body: '{"grant_type":"authorization_code"' },
        {
          url: token,
          what: 'token endpoint, %-garbage',
          headers: { 'Content-Type': form },
          body: 'grant_type=%ZZ&code=%E0%A4%A&client_id=%00',
        },
        {
          url: token,
          what: 'token endpoint, arrays',
          headers: { 'Content-Type': form },
          body: 'grant_type[]=refresh_token&refresh_token[a]=b&client_id=x&client_id=y',
        },
        {
          url: token,
          what: 'token endpoint, bad Basic',
          headers: { 'Content-Type': form, Authorization: `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString('base64')}` },
          body: 'grant_type=refresh_token&refresh_token=x',
        },
        { url: register, what: 'registration, not an object', headers: { 'Content-Type': json }, body: '["redirect_uris"]' },
        {
          url: register,
          what: 'registration, wrong types',
          headers: { 'Content-Type': json },
          body: '{"redirect_uris":[{"a":1}],"grant_types":"all","client_name":42}',
        },
        {
          url: register,
          what: 'registration, __proto__',
          headers: { 'Content-Type': json },
          body: JSON.stringify({ redirect_uris: ['https://a.example/cb'] }).replace(
            '{',
            '{"__proto__":{"token_endpoint_auth_method":"none"},"constructor":{"prototype":{"x":1}},',
          ),
        },
        { url: `${authorize}?client_id[]=a&client_id=%ff&redirect_uri=%00`, what: 'authorization, arrays and %ff', method: 'GET' },
        { url: `${authorize}?${'x=1&'.repeat(2000)}`, what: 'authorization, 2000 parameters', method: 'GET' },
        { url: login, what: 'sign-in form, JSON', headers: { 'Content-Type': json }, body: '{"request_id":{"$ne":null}}' },
        {
          url: consent,
          what: 'consent form, huge fields',
          headers: { 'Content-Type': form },
          body: `request_id=${'x'.repeat(10_000)}&decision=approve`,
        },
        ...(revoke ? [{ url: revoke, what: 'revocation, no token', headers: { 'Content-Type': form }, body: 'token_type_hint=%ff' }] : []),
        ...(introspect
          ? [
              {
                url: introspect,
                what: 'introspection, garbage Basic',
                headers: { 'Content-Type': form, Authorization: 'Basic %%%' },
                body: 'token=x',
              },
            ]
          : []),
      ]
      return survives(ctx, garbage)
    }),
  ),
  attack(
    'as-huge-bodies',
    '1 MB bodies, and a gzip bomb, at /token and /register',
    'body-limit',
    'RFC 9110 §15.5.14 (413)',
    onAuthorizationServer(async (ctx, as) => {
      const registration = (bytes: number) =>
        JSON.stringify({ redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none', pad: 'x'.repeat(bytes) })
      const { token_endpoint: token, registration_endpoint: register } = as.metadata
      return survives(
        ctx,
        [
          {
            url: token,
            what: '1 MB form',
            headers: { 'Content-Type': form },
            body: `grant_type=refresh_token&refresh_token=${'x'.repeat(1024 * 1024)}`,
          },
          { url: register, what: '1 MB registration', headers: { 'Content-Type': json }, body: registration(1024 * 1024) },
          {
            url: register,
            what: 'gzip-bombed registration',
            headers: { 'Content-Type': json, 'Content-Encoding': 'gzip' },
            body: gzipSync(registration(8 * 1024 * 1024)),
          },
        ],
        refusedBig,
      )
    }),
  ),
]
