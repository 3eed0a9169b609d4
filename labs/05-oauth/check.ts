// Lab 5's checks: `npm run check 5`. Labs 2–4's checks with tokens issued by the authorization server,
// then the authorization server's own checks (check-oauth.ts).
import { randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { type Check, type CheckContext, assert, expectChallenge, expectEqual, expectStatus, rpcResult } from '@workshop/kit/checks'
import { hmacWithPublicKey, selfSignedToken, tamperedToken, unsignedToken } from '@workshop/kit/forge'
import { type Reply, mcpHeaders, rpc } from '@workshop/kit/http'
import { obtainTokens } from '@workshop/kit/oauth-flow'
import { runIfMain } from '@workshop/kit/run-checks'
import { oauthChecks } from './check-oauth.ts'

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })

/** A token that must be refused with 401 invalid_token (RFC 6750 §3.1). */
function refused(id: string, title: string, spec: string, token: (t: CheckContext) => Promise<string>): Check {
  return {
    id,
    title: `${title} → 401 invalid_token`,
    spec,
    async run(t) {
      expectChallenge(await t.mcp(readNotes, { token: await token(t) }), 401, 'invalid_token')
    },
  }
}

/** GET a URL a client was handed and parse its JSON (RFC 9728 §3.2, RFC 8414 §3.2: 200 and application/json). */
async function fetchMetadata(t: CheckContext, url: string): Promise<any> {
  const reply = await t.send({ url })
  expectStatus(reply, 200)
  assert(/^application\/json/.test(reply.headers['content-type'] ?? ''), `${url} is not served as application/json`)
  return reply.json
}

/** The discovery a client does from nothing but the MCP URL: 401 → resource metadata → issuer metadata. */
async function discover(t: CheckContext) {
  const bare = await t.mcp(readNotes)
  expectChallenge(bare, 401, undefined)
  const metadataUrl = bare.challenge?.params.resource_metadata
  assert(metadataUrl !== undefined, 'the 401 challenge has no resource_metadata parameter')
  const resource = await fetchMetadata(t, metadataUrl)
  const issuer = resource.authorization_servers?.[0]
  assert(typeof issuer === 'string', 'authorization_servers is missing or empty')
  // RFC 8414 §3.1: for an issuer without a path the well-known suffix goes right after the host.
  const server = await fetchMetadata(
    t,
    `${new URL(issuer).origin}/.well-known/oauth-authorization-server${new URL(issuer).pathname.replace(/\/$/, '')}`,
  )
  return { challenge: bare.challenge!, metadataUrl, resource, issuer, server }
}

const call = (name: string, args: Record<string, unknown> = {}, id: number | string = 1) => rpc('tools/call', { name, arguments: args }, id)

/** Refused by the gate: 403, insufficient_scope, the scopes this request needs, and where to learn more. */
function expectStepUp(reply: Reply, scopes: string, base: string): void {
  expectChallenge(reply, 403, 'insufficient_scope')
  expectEqual(reply.challenge?.params.scope, scopes, "the challenge's scope")
  expectEqual(reply.challenge?.params.resource_metadata, `${base}/.well-known/oauth-protected-resource/mcp`, 'resource_metadata')
  expectEqual(reply.json?.error, 'insufficient_scope', "the JSON body's error")
}

/**
 * From lab 5 on, a token comes from the authorization server: a demo user signs in and consents
 * (bob may read, alice may also write, carol may also purge). `npm run token`'s are refused.
 */
const issued = async (t: CheckContext, user: string, scope: string) => (await obtainTokens(t, { user, scope })).access_token

export const checks: Check[] = [
  {
    id: 'read-token-reads',
    title: 'a notes:read token reads notes, the resource and the prompt',
    spec: 'RFC 6750 §3.1, MCP authorization §Scope Challenge Handling',
    async run(t) {
      const token = await issued(t, 'bob', 'notes:read')
      rpcResult(await t.mcp(call('read_notes'), { token }))
      rpcResult(await t.mcp(rpc('resources/read', { uri: 'notes://mine' }), { token }))
      rpcResult(await t.mcp(rpc('prompts/get', { name: 'summarise_notes' }), { token }))
    },
  },
  {
    id: 'read-token-cannot-add',
    title: 'a notes:read token cannot add: 403 insufficient_scope, scope="notes:write"',
    spec: 'RFC 6750 §3.1, MCP authorization §Scope Challenge Handling',
    async run(t) {
      expectStepUp(
        await t.mcp(call('add_note', { text: 'sneaky' }), { token: await issued(t, 'bob', 'notes:read') }),
        'notes:write',
        t.base,
      )
    },
  },
  {
    id: 'read-token-cannot-purge',
    title: 'a notes:read token cannot purge: 403, scope="notes:admin"',
    spec: 'RFC 6750 §3.1',
    async run(t) {
      expectStepUp(await t.mcp(call('purge_notes'), { token: await issued(t, 'bob', 'notes:read') }), 'notes:admin', t.base)
    },
  },
  {
    id: 'write-token',
    title: 'a notes:write token adds and reads (write implies read) but cannot purge',
    spec: 'MCP authorization §Scope Challenge Handling (hierarchies)',
    async run(t) {
      const token = await issued(t, 'alice', 'notes:write')
      rpcResult(await t.mcp(call('add_note', { text: 'written' }), { token }))
      const read = rpcResult(await t.mcp(call('read_notes'), { token }))
      assert(read.content?.[0]?.text?.includes('written'), 'the note was not added')
      expectStepUp(await t.mcp(call('purge_notes'), { token }), 'notes:admin', t.base)
    },
  },
  {
    id: 'admin-token',
    title: 'a notes:admin token purges, and may also add and read',
    spec: 'MCP authorization §Scope Challenge Handling (hierarchies)',
    async run(t) {
      const token = await issued(t, 'carol', 'notes:admin')
      rpcResult(await t.mcp(call('add_note', { text: 'doomed' }), { token }))
      const purged = rpcResult(await t.mcp(call('purge_notes'), { token }))
      assert(/^Purged [1-9]\d* note/.test(purged.content?.[0]?.text), `unexpected answer: ${purged.content?.[0]?.text}`)
    },
  },
  {
    id: 'list-shows-all',
    title: 'tools/list shows purge_notes to a read-only token, so a client knows it can step up',
    spec: 'MCP authorization §Step-Up Authorization Flow',
    async run(t) {
      const names = rpcResult(await t.mcp(rpc('tools/list'), { token: await issued(t, 'bob', 'notes:read') })).tools.map(
        (tool: { name: string }) => tool.name,
      )
      assert(names.includes('purge_notes'), 'purge_notes is hidden from tools/list')
    },
  },
  {
    id: 'batch',
    title: 'a batch hiding purge_notes behind read_notes is refused whole, naming every scope it needs',
    spec: 'MCP transports (the decision is made on every message), RFC 6750 §3.1',
    async run(t) {
      rpcResult(await t.mcp(call('add_note', { text: 'keep me' }), { token: await issued(t, 'alice', 'notes:write') }))
      const reader = await issued(t, 'alice', 'notes:read')
      expectStepUp(
        await t.mcp([call('read_notes', {}, 1), call('purge_notes', {}, 2)], { token: reader }),
        'notes:read notes:admin',
        t.base,
      )
      const read = rpcResult(await t.mcp(call('read_notes'), { token: reader }))
      assert(read.content?.[0]?.text?.includes('keep me'), 'the purge inside the refused batch ran anyway')
    },
  },
  {
    id: 'notification',
    title: 'purge_notes sent as a notification (no id) is gated too',
    spec: 'JSON-RPC 2.0 §4.1, MCP transports',
    async run(t) {
      const { id: _id, ...notification } = call('purge_notes')
      expectStepUp(await t.mcp(notification, { token: await issued(t, 'bob', 'notes:read') }), 'notes:admin', t.base)
    },
  },
  {
    id: 'duplicate-keys',
    title: 'a duplicated "name" key is judged as the SDK will read it (the last one)',
    spec: 'RFC 8259 §4, MCP transports',
    async run(t) {
      const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_notes","arguments":{},"name":"purge_notes"}}'
      expectStepUp(await t.mcp(body, { token: await issued(t, 'bob', 'notes:read') }), 'notes:admin', t.base)
    },
  },
  {
    id: 'header-tricks',
    title: 'scope-looking headers and a second Authorization header grant nothing',
    spec: 'RFC 6750 §2.1, OAuth 2.1 §5.2',
    async run(t) {
      const reader = await issued(t, 'bob', 'notes:read')
      const admin = await issued(t, 'carol', 'notes:admin')
      const tricks = { 'X-Scope': 'notes:admin', Scope: 'notes:admin', 'X-Forwarded-User': 'admin' }
      expectStepUp(await t.mcp(call('purge_notes'), { token: reader, headers: tricks }), 'notes:admin', t.base)
      const twice = await t.send({
        url: '/mcp',
        headers: { ...mcpHeaders(), Authorization: [`Bearer ${reader}`, `Bearer ${admin}`] },
        body: call('purge_notes'),
      })
      assert(twice.status === 400 || twice.status === 401 || twice.status === 403, `two Authorization headers got HTTP ${twice.status}`)
    },
  },
  {
    id: 'unknown-operation',
    title: 'an operation the table does not know (PURGE_NOTES, an unknown method) is refused',
    spec: 'RFC 8725 §3 spirit: fail closed',
    async run(t) {
      const token = await issued(t, 'bob', 'notes:read')
      expectStatus(await t.mcp(call('PURGE_NOTES'), { token }), 400)
      expectStatus(await t.mcp(rpc('notes/purge'), { token }), 400)
      expectStatus(await t.mcp([42], { token }), 400)
    },
  },
  {
    id: 'content-type-trick',
    title: 'a body the gate did not parse (Content-Type: text/plain) never reaches the SDK',
    spec: 'MCP transports §Sending Messages to the Server',
    async run(t) {
      const token = await issued(t, 'bob', 'notes:read')
      const reply = await t.send({
        url: '/mcp',
        headers: { ...mcpHeaders(token), 'Content-Type': 'text/plain; charset=application/json' },
        body: JSON.stringify(call('purge_notes')),
      })
      expectStatus(reply, 415)
    },
  },
  {
    id: 'challenge-resource-metadata',
    title: 'a bare 401 names the path-inserted resource metadata URL',
    spec: 'RFC 9728 §5.1, §3.1',
    async run(t) {
      const { metadataUrl } = await discover(t)
      expectEqual(metadataUrl, `${t.base}/.well-known/oauth-protected-resource/mcp`, 'resource_metadata')
    },
  },
  {
    id: 'resource-metadata',
    title: 'resource metadata: resource is exactly the MCP URL, with authorization servers and scopes',
    spec: 'RFC 9728 §2, §3.3',
    async run(t) {
      const { resource } = await discover(t)
      expectEqual(resource.resource, t.mcpUrl, 'resource')
      assert(Array.isArray(resource.scopes_supported) && resource.scopes_supported.length > 0, 'scopes_supported is missing')
      expectEqual(resource.bearer_methods_supported, ['header'], 'bearer_methods_supported')
    },
  },
  {
    id: 'resource-metadata-root',
    title: "the root well-known URL serves the same metadata (the client's fallback)",
    spec: 'RFC 9728 §3.1, MCP authorization §Protected Resource Metadata Discovery',
    async run(t) {
      const root = await fetchMetadata(t, '/.well-known/oauth-protected-resource')
      expectEqual(root.resource, t.mcpUrl, 'resource')
    },
  },
  {
    id: 'challenge-scope',
    title: 'the 401 challenge names a scope, every one of them in scopes_supported, no offline_access',
    spec: 'MCP authorization §Scope Selection, RFC 6750 §3',
    async run(t) {
      const { challenge, resource } = await discover(t)
      const scopes = challenge.params.scope?.split(' ') ?? []
      assert(scopes.length > 0, 'the challenge has no scope parameter')
      for (const scope of scopes) assert(resource.scopes_supported.includes(scope), `"${scope}" is not in scopes_supported`)
      assert(
        ![...scopes, ...resource.scopes_supported].includes('offline_access'),
        "offline_access is a client's concern, not a resource's scope",
      )
    },
  },
  {
    id: 'invalid-token-challenge',
    title: 'a 401 invalid_token also carries resource_metadata, so a client can recover',
    spec: 'RFC 9728 §5.1, §5.3',
    async run(t) {
      const reply = await t.mcp(readNotes, { token: await t.token({ ttl: -60 }) })
      expectChallenge(reply, 401, 'invalid_token')
      expectEqual(reply.challenge?.params.resource_metadata, `${t.base}/.well-known/oauth-protected-resource/mcp`, 'resource_metadata')
    },
  },
  {
    id: 'issuer-metadata',
    title: 'authorization server metadata: issuer is exactly the advertised URL, jwks_uri serves the signing key',
    spec: 'RFC 8414 §2, §3.3',
    async run(t) {
      const { issuer, server } = await discover(t)
      expectEqual(server.issuer, issuer, 'issuer')
      const jwks = await fetchMetadata(t, server.jwks_uri)
      const token = await t.token()
      const kid = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid
      assert(
        jwks.keys?.some((key: { kid?: string }) => key.kid === kid),
        'jwks_uri does not serve the key tokens are signed with',
      )
    },
  },
  {
    id: 'issuer-metadata-honest',
    title: 'the issuer advertises only endpoints that exist',
    spec: 'RFC 8414 §2',
    async run(t) {
      const { server } = await discover(t)
      for (const [name, url] of Object.entries(server)) {
        if (!/_(endpoint|uri)$/.test(name)) continue
        const [get, post] = [await t.send({ url: String(url) }), await t.send({ url: String(url), form: {} })]
        assert(get.status !== 404 || post.status !== 404, `${name} (${url}) is advertised but answers 404`)
      }
    },
  },
  {
    id: 'jwks',
    title: '/.well-known/jwks.json serves the public key only, kid = RFC 7638 thumbprint',
    spec: 'RFC 7517 §5, RFC 7638 §3',
    async run(t) {
      const reply = await t.send({ url: '/.well-known/jwks.json' })
      expectStatus(reply, 200)
      const [key] = reply.json?.keys ?? []
      assert(key !== undefined, 'the key set is empty')
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert(!(secret in key), `the JWKS leaks the private parameter "${secret}"`)
      expectEqual(key.kid, await calculateJwkThumbprint(key as JWK), 'kid')
      expectEqual(key.alg, 'RS256', 'alg')
    },
  },
  {
    id: 'no-token',
    title: 'no token → 401 with a Bearer challenge and no error code',
    spec: 'RFC 6750 §3.1',
    async run(t) {
      const reply = await t.mcp(readNotes)
      expectChallenge(reply, 401, undefined)
      assert(reply.challenge?.params.realm !== undefined, 'the challenge has no realm')
    },
  },
  {
    id: 'other-scheme',
    title: 'Basic credentials are not a Bearer token → 401 without an error code',
    spec: 'RFC 6750 §3.1',
    async run(t) {
      expectChallenge(await t.mcp(readNotes, { headers: { Authorization: 'Basic YWxpY2U6cGFzc3dvcmQ=' } }), 401, undefined)
    },
  },
  {
    id: 'malformed-header',
    title: '"Bearer" with no token, two tokens or illegal characters → 400 invalid_request',
    spec: 'RFC 6750 §2.1, §3.1',
    async run(t) {
      for (const header of ['Bearer', 'Bearer a b', 'Bearer a,b', 'Bearer "quoted"']) {
        expectChallenge(await t.mcp(readNotes, { headers: { Authorization: header } }), 400, 'invalid_request')
      }
    },
  },
  {
    id: 'token-in-url',
    title: 'a token in the query string → 400 invalid_request',
    spec: 'OAuth 2.1 §5.2',
    async run(t) {
      const token = await t.token()
      const reply = await t.send({
        url: `/mcp?access_token=${token}`,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: readNotes,
      })
      expectChallenge(reply, 400, 'invalid_request')
    },
  },
  {
    id: 'valid-token',
    title: 'a valid token reads notes, and the tools see its sub and scopes',
    spec: 'RFC 9068 §4, RFC 6750 §2.1',
    async run(t) {
      const result = rpcResult(await t.mcp(readNotes, { token: await issued(t, 'alice', 'notes:read') }))
      assert(
        result.content?.[0]?.text?.startsWith('Notes of alice (scopes: notes:read)'),
        `unexpected answer: ${result.content?.[0]?.text}`,
      )
    },
  },
  {
    id: 'notes-per-sub',
    title: "notes belong to the token's sub: bob does not see alice's note",
    spec: 'RFC 9068 §2.2 (sub)',
    async run(t) {
      const note = `alice only ${randomUUID()}`
      const alice = await issued(t, 'alice', 'notes:read notes:write')
      rpcResult(await t.mcp(rpc('tools/call', { name: 'add_note', arguments: { text: note } }), { token: alice }))
      const bob = rpcResult(await t.mcp(readNotes, { token: await issued(t, 'bob', 'notes:read') }))
      assert(!bob.content?.[0]?.text?.includes(note), "bob can read alice's note")
      const mine = rpcResult(await t.mcp(readNotes, { token: alice }))
      assert(mine.content?.[0]?.text?.includes(note), 'alice cannot read her own note')
    },
  },
  refused('garbage', 'a token that is not a JWT', 'RFC 7519 §7.2', async () => 'not-a-jwt'),
  refused('alg-none', 'alg "none" (unsigned)', 'RFC 8725 §3.1', (t) => unsignedToken({ port: t.port }, 'none')),
  refused('alg-none-case', 'alg "nOnE" (case games)', 'RFC 8725 §3.1', (t) => unsignedToken({ port: t.port }, 'nOnE')),
  refused('alg-hs256', 'HS256 signed with the public key as secret', 'RFC 8725 §2.1, §3.1', (t) => hmacWithPublicKey({ port: t.port })),
  refused('tampered', 'payload altered after signing (scope widened)', 'RFC 7515 §5.2', (t) => tamperedToken({ port: t.port })),
  refused('header-jwk', 'signed by a key offered in the header (jwk)', 'RFC 8725 §3.10', (t) => selfSignedToken({ port: t.port }, 'jwk')),
  refused('header-jku', 'signed by a key offered by URL (jku)', 'RFC 8725 §3.10', (t) => selfSignedToken({ port: t.port }, 'jku')),
  refused('header-x5u', 'signed by a certificate offered by URL (x5u)', 'RFC 8725 §3.10', (t) => selfSignedToken({ port: t.port }, 'x5u')),
  refused('foreign-key', "signed by a stranger's key under our kid", 'RFC 7515 §5.2', (t) => selfSignedToken({ port: t.port }, 'none')),
  refused('no-kid', 'no kid in the header', 'RFC 7515 §4.1.4', (t) => t.token({ header: { kid: undefined } })),
  refused('unknown-kid', 'a kid this server does not know', 'RFC 7517 §4.5', (t) => t.token({ header: { kid: 'rotated-away' } })),
  refused('expired', 'expired a minute ago', 'RFC 7519 §4.1.4', (t) => t.token({ ttl: -60 })),
  refused('no-exp', 'no exp at all', 'RFC 9068 §2.2', (t) => t.token({ claims: { exp: undefined } })),
  refused('not-yet-valid', 'nbf an hour from now', 'RFC 7519 §4.1.5', (t) =>
    t.token({ claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } }),
  ),
  refused('iss-other', 'issued by another issuer', 'RFC 9068 §4', (t) => t.token({ claims: { iss: 'https://evil.example' } })),
  refused('iss-slash', 'issuer with a trailing slash', 'RFC 9068 §4, RFC 8414 §3.3', (t) => t.token({ claims: { iss: `${t.base}/` } })),
  refused('iss-case', 'issuer in another case (HTTP://…)', 'RFC 9068 §4', (t) => t.token({ claims: { iss: t.base.toUpperCase() } })),
  refused('iss-localhost', 'issuer localhost instead of 127.0.0.1', 'RFC 9068 §4', (t) =>
    t.token({ claims: { iss: `http://localhost:${t.port}` } }),
  ),
  refused('aud-other', 'audience another resource', 'RFC 8707 §2, MCP token passthrough', (t) => t.token({ aud: `${t.base}/other-mcp` })),
  refused('aud-issuer', 'audience the issuer, not the resource', 'RFC 9068 §4', (t) => t.token({ aud: t.base })),
  refused('aud-client', 'audience the client id', 'RFC 9068 §4', (t) => t.token({ aud: 'workshop-dev-token' })),
  refused('aud-slash', 'audience with a trailing slash', 'RFC 9068 §4', (t) => t.token({ aud: `${t.mcpUrl}/` })),
  refused('typ-jwt', 'typ "JWT" (an ID token, not an access token)', 'RFC 9068 §2.1, §4', (t) => t.token({ header: { typ: 'JWT' } })),
  refused('typ-missing', 'no typ header', 'RFC 9068 §4', (t) => t.token({ header: { typ: undefined } })),
  refused('no-sub', 'no sub claim', 'RFC 9068 §2.2', (t) => t.token({ claims: { sub: undefined } })),
  refused('no-client-id', 'no client_id claim', 'RFC 9068 §2.2', (t) => t.token({ claims: { client_id: undefined } })),
  ...oauthChecks,
]

await runIfMain(import.meta.url)
