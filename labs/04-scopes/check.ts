// Lab 4's checks: `npm run check 4`. The scope gate: each scope opens exactly its operations. Then labs 2–3's checks.
// Each check sends a curl command and says what the answer must be; `-- --curl` prints every command.
import { randomUUID } from 'node:crypto'
import { calculateJwkThumbprint, type JWK } from 'jose'
import { $ } from 'zx'
import {
  type CheckContext,
  type Reply,
  JSON_RPC,
  assert,
  bearer,
  check,
  exchange,
  expectChallenge,
  expectEqual,
  expectStatus,
  headers2026,
  hmacWithPublicKey,
  rpc,
  rpc2026,
  rpcResult,
  runIfMain,
  selfSignedToken,
  tamperedToken,
  unsignedToken,
} from '@workshop/kit/checks'

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })

const call = (name: string, args: Record<string, unknown> = {}, id: number | string = 1) => rpc('tools/call', { name, arguments: args }, id)

/** A JSON-RPC body POSTed to /mcp with `token`, and any more curl arguments. */
const post = (t: CheckContext, token: string, body: string, more: string[] = []) =>
  exchange($`curl -si ${t.mcp} ${JSON_RPC} ${bearer(token)} ${more} --data ${body}`)

/** Refused by the gate: 403, insufficient_scope, the scopes this request needs, and where to learn more. */
function expectStepUp(reply: Reply, scopes: string, t: CheckContext): void {
  expectChallenge(reply, 403, 'insufficient_scope')
  expectEqual(reply.challenge?.params.scope, scopes, "the challenge's scope")
  expectEqual(reply.challenge?.params.resource_metadata, t.url('/.well-known/oauth-protected-resource/mcp'), 'resource_metadata')
  expectEqual(reply.json?.error, 'insufficient_scope', "the JSON body's error")
}

/** A caller of its own, so one check's notes never meet another's. */
const someone = () => `gate-${randomUUID()}`

/** GET a URL a client was handed, and its JSON (RFC 9728 §3.2, RFC 8414 §3.2: 200 and application/json). */
async function metadata(url: string): Promise<any> {
  const reply = await exchange($`curl -si ${url}`)
  expectStatus(reply, 200)
  assert(/^application\/json/.test(reply.headers['content-type'] ?? ''), `${url} is not served as application/json`)
  return reply.json
}

/** A token that must be refused with 401 invalid_token (RFC 6750 §3.1). */
const refused = (id: string, title: string, spec: string, token: (t: CheckContext) => Promise<string>) =>
  check(id, `${title} → 401 invalid_token`, spec, async (t) => {
    const reply = await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${bearer(await token(t))} --data ${readNotes}`)
    expectChallenge(reply, 401, 'invalid_token')
  })

/** A malformed Authorization header that must be refused with 400 invalid_request (RFC 6750 §3.1). */
const malformed = async (t: CheckContext, authorization: string) => {
  const reply = await exchange($`curl -si ${t.mcp} ${JSON_RPC} -H ${`Authorization: ${authorization}`} --data ${readNotes}`)
  expectChallenge(reply, 400, 'invalid_request')
}

export const checks = [
  check(
    'read-token-reads',
    'a notes:read token reads notes, the resource and the prompt',
    'RFC 6750 §3.1, MCP authorization §Scope Challenge Handling',
    async (t) => {
      const token = await t.token({ scope: 'notes:read' })
      rpcResult(await post(t, token, call('read_notes')))
      rpcResult(await post(t, token, rpc('resources/read', { uri: 'notes://mine' })))
      rpcResult(await post(t, token, rpc('prompts/get', { name: 'summarise_notes' })))
    },
  ),

  check(
    'read-token-cannot-add',
    'a notes:read token cannot add: 403 insufficient_scope, scope="notes:write"',
    'RFC 6750 §3.1, MCP authorization §Scope Challenge Handling',
    async (t) => {
      expectStepUp(await post(t, await t.token({ scope: 'notes:read' }), call('add_note', { text: 'sneaky' })), 'notes:write', t)
    },
  ),

  check('read-token-cannot-purge', 'a notes:read token cannot purge: 403, scope="notes:admin"', 'RFC 6750 §3.1', async (t) => {
    expectStepUp(await post(t, await t.token({ scope: 'notes:read' }), call('purge_notes')), 'notes:admin', t)
  }),

  check('no-scope-token', 'a token with no scope at all cannot even read: 403, scope="notes:read"', 'RFC 6750 §3.1', async (t) => {
    expectStepUp(await post(t, await t.token({ scope: '' }), call('read_notes')), 'notes:read', t)
  }),

  check(
    'write-token',
    'a notes:write token adds and reads (write implies read) but cannot purge',
    'MCP authorization §Scope Challenge Handling (hierarchies)',
    async (t) => {
      const token = await t.token({ sub: someone(), scope: 'notes:write' })
      rpcResult(await post(t, token, call('add_note', { text: 'written' })))
      const read = rpcResult(await post(t, token, call('read_notes')))
      assert(read.content?.[0]?.text?.includes('written'), 'the note was not added')
      expectStepUp(await post(t, token, call('purge_notes')), 'notes:admin', t)
    },
  ),

  check(
    'admin-token',
    'a notes:admin token purges, and may also add and read',
    'MCP authorization §Scope Challenge Handling (hierarchies)',
    async (t) => {
      const token = await t.token({ sub: someone(), scope: 'notes:admin' })
      rpcResult(await post(t, token, call('add_note', { text: 'doomed' })))
      const purged = rpcResult(await post(t, token, call('purge_notes')))
      expectEqual(purged.content?.[0]?.text, 'Purged 1 note(s).', 'purge_notes answer')
    },
  ),

  check(
    'list-shows-all',
    'tools/list shows purge_notes to a read-only token, so a client knows it can step up',
    'MCP authorization §Step-Up Authorization Flow',
    async (t) => {
      const { tools } = rpcResult(await post(t, await t.token({ scope: 'notes:read' }), rpc('tools/list')))
      assert(
        tools.some((tool: { name: string }) => tool.name === 'purge_notes'),
        'purge_notes is hidden from tools/list',
      )
    },
  ),

  check(
    'batch',
    'a batch hiding purge_notes behind read_notes is refused whole, naming every scope it needs',
    'MCP transports (the decision is made on every message), RFC 6750 §3.1',
    async (t) => {
      const sub = someone()
      rpcResult(await post(t, await t.token({ sub, scope: 'notes:write' }), call('add_note', { text: 'keep me' })))
      const reader = await t.token({ sub, scope: 'notes:read' })
      expectStepUp(await post(t, reader, `[${call('read_notes', {}, 1)},${call('purge_notes', {}, 2)}]`), 'notes:read notes:admin', t)
      const read = rpcResult(await post(t, reader, call('read_notes')))
      assert(read.content?.[0]?.text?.includes('keep me'), 'the purge inside the refused batch ran anyway')
    },
  ),

  check('notification', 'purge_notes sent as a notification (no id) is gated too', 'JSON-RPC 2.0 §4.1, MCP transports', async (t) => {
    const notification = JSON.stringify({ jsonrpc: '2.0', method: 'tools/call', params: { name: 'purge_notes', arguments: {} } })
    expectStepUp(await post(t, await t.token({ scope: 'notes:read' }), notification), 'notes:admin', t)
  }),

  check(
    'duplicate-keys',
    'a duplicated "name" key is judged as the SDK will read it (the last one)',
    'RFC 8259 §4, MCP transports',
    async (t) => {
      const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_notes","arguments":{},"name":"purge_notes"}}'
      expectStepUp(await post(t, await t.token({ scope: 'notes:read' }), body), 'notes:admin', t)
    },
  ),

  check(
    'header-tricks',
    'scope-looking headers and a second Authorization header grant nothing',
    'RFC 6750 §2.1, OAuth 2.1 §5.2',
    async (t) => {
      const reader = await t.token({ scope: 'notes:read' })
      const admin = await t.token({ scope: 'notes:admin' })
      const tricks = ['-H', 'X-Scope: notes:admin', '-H', 'Scope: notes:admin', '-H', 'X-Forwarded-User: admin']
      expectStepUp(await post(t, reader, call('purge_notes'), tricks), 'notes:admin', t)
      const twice = await post(t, reader, call('purge_notes'), bearer(admin))
      assert(twice.status === 400 || twice.status === 401 || twice.status === 403, `two Authorization headers got HTTP ${twice.status}`)
    },
  ),

  check(
    'headers-not-trusted',
    'a 2026-07-28 request whose headers name read_notes while its body calls purge_notes is judged by its body: 403',
    'MCP 2026-07-28 transports §Streamable HTTP (standard headers), MCP transports (the decision is made on what runs)',
    async (t) => {
      const purge = rpc2026('tools/call', { name: 'purge_notes', arguments: {} })
      const reply = await post(t, await t.token({ scope: 'notes:read' }), purge, headers2026('tools/call', 'read_notes'))
      expectStepUp(reply, 'notes:admin', t)
    },
  ),

  check(
    'era-2026',
    'a 2026-07-28 client: server/discover is open to any valid token, and each tool call is gated as in 2025',
    'MCP 2026-07-28 server/discover, RFC 6750 §3.1',
    async (t) => {
      const reader = await t.token({ scope: 'notes:read' })
      const discover = rpcResult(await post(t, reader, rpc2026('server/discover'), headers2026('server/discover')))
      assert(discover.supportedVersions?.includes('2026-07-28'), 'server/discover did not answer')
      const read = rpc2026('tools/call', { name: 'read_notes', arguments: {} })
      rpcResult(await post(t, reader, read, headers2026('tools/call', 'read_notes')))
      const add = rpc2026('tools/call', { name: 'add_note', arguments: { text: 'sneaky' } })
      expectStepUp(await post(t, reader, add, headers2026('tools/call', 'add_note')), 'notes:write', t)
      const admin = await t.token({ scope: 'notes:admin' })
      const purge = rpc2026('tools/call', { name: 'purge_notes', arguments: {} })
      const lying = await post(t, admin, purge, headers2026('tools/call', 'read_notes'))
      expectStatus(lying, 400) // past the gate, the SDK refuses a header that disagrees with the body (-32020)
      expectEqual(lying.json?.error?.code, -32020, 'error.code (HeaderMismatch)')
    },
  ),

  check(
    'unknown-operation',
    "an operation the table does not know (PURGE_NOTES, an unknown method) is refused with the request's id",
    'RFC 8725 §3 spirit: fail closed, JSON-RPC 2.0 §5',
    async (t) => {
      const token = await t.token({ scope: 'notes:read' })
      for (const body of [call('PURGE_NOTES', {}, 7), rpc('notes/purge', {}, 'seven')]) {
        const reply = await post(t, token, body)
        expectStatus(reply, 400)
        expectEqual(reply.json?.error?.code, -32601, 'error.code (method not found)')
        expectEqual(reply.json?.id, JSON.parse(body).id, 'the id of the refused request')
      }
      const unreadable = await post(t, token, '[42]')
      expectStatus(unreadable, 400)
      expectEqual(unreadable.json?.id, null, 'the id when the request has none to read')
    },
  ),

  check(
    'content-type-trick',
    'a body the gate did not parse (Content-Type: text/plain) never reaches the SDK',
    'MCP transports §Sending Messages to the Server',
    async (t) => {
      const token = await t.token({ scope: 'notes:read' })
      const plain = 'Content-Type: text/plain; charset=application/json'
      expectStatus(await exchange($`curl -si ${t.mcp} -H ${plain} ${bearer(token)} --data ${call('purge_notes')}`), 415)
    },
  ),

  check('challenge-resource-metadata', 'a bare 401 names the path-inserted resource metadata URL', 'RFC 9728 §5.1, §3.1', async (t) => {
    const { resourceMetadataUrl } = await t.discover() // curl: the bare call, then each document it names
    expectEqual(resourceMetadataUrl, t.url('/.well-known/oauth-protected-resource/mcp'), 'resource_metadata')
  }),

  check(
    'resource-metadata',
    'resource metadata: resource is exactly the MCP URL, with authorization servers and scopes',
    'RFC 9728 §2, §3.3',
    async (t) => {
      const resource = await metadata(t.url('/.well-known/oauth-protected-resource/mcp'))
      expectEqual(resource.resource, t.mcp, 'resource')
      expectEqual(resource.authorization_servers, [t.base], 'authorization_servers')
      assert(Array.isArray(resource.scopes_supported) && resource.scopes_supported.length > 0, 'scopes_supported is missing')
      expectEqual(resource.bearer_methods_supported, ['header'], 'bearer_methods_supported')
    },
  ),

  check(
    'resource-metadata-root',
    "the root well-known URL serves the same metadata (the client's fallback)",
    'RFC 9728 §3.1, MCP authorization §Protected Resource Metadata Discovery',
    async (t) => {
      expectEqual((await metadata(t.url('/.well-known/oauth-protected-resource'))).resource, t.mcp, 'resource')
    },
  ),

  check(
    'resource-metadata-exact',
    "the metadata URL with a trailing slash or another case is another resource's → 404",
    'RFC 9728 §3.1, §3.3',
    async (t) => {
      expectEqual((await metadata(t.url('/.well-known/oauth-protected-resource/mcp'))).resource, t.mcp, 'resource')
      for (const path of ['/.well-known/oauth-protected-resource/mcp/', '/.well-known/oauth-protected-resource/MCP']) {
        const reply = await exchange($`curl -si ${t.url(path)}`)
        expectStatus(reply, 404)
        assert(reply.json?.resource === undefined, `${path} serves a resource document`)
      }
    },
  ),

  check(
    'challenge-scope',
    'the 401 challenge names a scope, every one of them in scopes_supported, no offline_access',
    'MCP authorization §Scope Selection, RFC 6750 §3',
    async (t) => {
      const { challenge, scopes: supported } = await t.discover()
      const scopes = challenge.params.scope?.split(' ') ?? []
      assert(scopes.length > 0, 'the challenge has no scope parameter')
      for (const scope of scopes) assert(supported.includes(scope), `"${scope}" is not in scopes_supported`)
      assert(![...scopes, ...supported].includes('offline_access'), "offline_access is a client's concern, not a resource's scope")
    },
  ),

  check(
    'invalid-token-challenge',
    'a 401 invalid_token also carries resource_metadata, so a client can recover',
    'RFC 9728 §5.1, §5.3',
    async (t) => {
      const reply = await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${bearer(await t.token({ ttl: -60 }))} --data ${readNotes}`)
      expectChallenge(reply, 401, 'invalid_token')
      expectEqual(reply.challenge?.params.resource_metadata, t.url('/.well-known/oauth-protected-resource/mcp'), 'resource_metadata')
    },
  ),

  check(
    'issuer-metadata',
    'authorization server metadata: issuer is exactly the advertised URL, jwks_uri serves the signing key',
    'RFC 8414 §2, §3.3',
    async (t) => {
      const server = await metadata(t.url('/.well-known/oauth-authorization-server'))
      expectEqual(server.issuer, t.base, 'issuer')
      const { kid } = JSON.parse(Buffer.from((await t.token()).split('.')[0], 'base64url').toString())
      const jwks = await metadata(server.jwks_uri)
      assert(
        jwks.keys?.some((key: { kid?: string }) => key.kid === kid),
        'jwks_uri does not serve the key tokens are signed with',
      )
    },
  ),

  check('issuer-metadata-honest', 'the issuer advertises only endpoints that exist', 'RFC 8414 §2', async (t) => {
    const server = await metadata(t.url('/.well-known/oauth-authorization-server'))
    for (const [name, url] of Object.entries(server)) {
      if (!/_(endpoint|uri)$/.test(name)) continue
      const [get, post] = [await exchange($`curl -si ${url}`), await exchange($`curl -si ${url} --data ${''}`)]
      assert(get.status !== 404 || post.status !== 404, `${name} (${url}) is advertised but answers 404`)
    }
  }),

  check('jwks', '/.well-known/jwks.json serves the public key only, kid = RFC 7638 thumbprint', 'RFC 7517 §5, RFC 7638 §3', async (t) => {
    const reply = await exchange($`curl -si ${t.url('/.well-known/jwks.json')}`)
    expectStatus(reply, 200)
    const [key] = reply.json?.keys ?? []
    assert(key !== undefined, 'the key set is empty')
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert(!(secret in key), `the JWKS leaks the private parameter "${secret}"`)
    expectEqual(key.kid, await calculateJwkThumbprint(key as JWK), 'kid')
    expectEqual(key.alg, 'RS256', 'alg')
  }),

  check('no-token', 'no token → 401 with a Bearer challenge and no error code', 'RFC 6750 §3.1', async (t) => {
    const reply = await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${readNotes}`)
    expectChallenge(reply, 401, undefined)
    assert(reply.challenge?.params.realm !== undefined, 'the challenge has no realm')
  }),

  check('other-scheme', 'Basic credentials are not a Bearer token → 401 without an error code', 'RFC 6750 §3.1', async (t) => {
    const basic = 'Authorization: Basic YWxpY2U6cGFzc3dvcmQ='
    expectChallenge(await exchange($`curl -si ${t.mcp} ${JSON_RPC} -H ${basic} --data ${readNotes}`), 401, undefined)
  }),

  check(
    'malformed-header',
    '"Bearer" with no token, two tokens or illegal characters → 400 invalid_request',
    'RFC 6750 §2.1, §3.1',
    async (t) => {
      for (const authorization of ['Bearer', 'Bearer a b', 'Bearer a,b', 'Bearer "quoted"']) await malformed(t, authorization)
    },
  ),

  check('token-in-url', 'a token in the query string → 400 invalid_request', 'OAuth 2.1 §5.2', async (t) => {
    const token = await t.token()
    const reply = await exchange($`curl -si ${`${t.mcp}?access_token=${token}`} ${JSON_RPC} ${bearer(token)} --data ${readNotes}`)
    expectChallenge(reply, 400, 'invalid_request')
  }),

  check('valid-token', 'a valid token reads notes, and the tools see its sub and scopes', 'RFC 9068 §4, RFC 6750 §2.1', async (t) => {
    const token = await t.token({ sub: 'alice', scope: 'notes:read' })
    const text = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${bearer(token)} --data ${readNotes}`)).content?.[0]?.text
    assert(text?.startsWith('Notes of alice (scopes: notes:read)'), `unexpected answer: ${text}`)
  }),

  check('notes-per-sub', "notes belong to the token's sub: bob does not see alice's note", 'RFC 9068 §2.2 (sub)', async (t) => {
    const note = `alice only ${randomUUID()}`
    const alice = await t.token({ sub: 'alice', scope: 'notes:read notes:write' })
    const add = rpc('tools/call', { name: 'add_note', arguments: { text: note } })
    rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${bearer(alice)} --data ${add}`))
    const bob = await t.token({ sub: 'bob' })
    const bobs = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${bearer(bob)} --data ${readNotes}`))
    assert(!bobs.content?.[0]?.text?.includes(note), "bob can read alice's note")
    const mine = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${bearer(alice)} --data ${readNotes}`))
    assert(mine.content?.[0]?.text?.includes(note), 'alice cannot read her own note')
  }),

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
  refused('aud-slash', 'audience with a trailing slash', 'RFC 9068 §4', (t) => t.token({ aud: `${t.mcp}/` })),
  refused('typ-jwt', 'typ "JWT" (an ID token, not an access token)', 'RFC 9068 §2.1, §4', (t) => t.token({ header: { typ: 'JWT' } })),
  refused('typ-missing', 'no typ header', 'RFC 9068 §4', (t) => t.token({ header: { typ: undefined } })),
  refused('no-sub', 'no sub claim', 'RFC 9068 §2.2', (t) => t.token({ claims: { sub: undefined } })),
  refused('no-client-id', 'no client_id claim', 'RFC 9068 §2.2', (t) => t.token({ claims: { client_id: undefined } })),
]

await runIfMain(import.meta.url)
