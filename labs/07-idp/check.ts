// Lab 7's checks: `npm run check 7`. Discovery to the provider, real flows through its pages, the scope
// gate on its tokens, refresh rotation, revocation (seen only through introspection), key rotation.
// Each check sends a curl command and says what the answer must be; `-- --curl` prints every command.
import { createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type JWK, SignJWT, base64url, exportJWK } from 'jose'
import { $ } from 'zx'
import {
  type CheckContext,
  type RegisteredClient,
  type Reply,
  type Walk,
  CALLBACK,
  JSON_RPC,
  assert,
  authorizationRequestUrl,
  bearer,
  check,
  exchange,
  expectChallenge,
  expectEqual,
  expectStatus,
  freshClientData,
  pageText,
  pkcePair,
  rpc,
  rpcResult,
  runIfMain,
  walkEnv,
  walked,
} from '@workshop/kit/checks'
import { discover } from '@workshop/kit/discovery'
import { type RunningProcess, freePort, startProcess } from '@workshop/kit/lab-process'
import { AuthorizationServer } from '@workshop/kit/oauth-client'
import { selfSignedCertificate } from '@workshop/kit/self-signed'

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })

const call = (name: string, args: Record<string, unknown> = {}, id: number | string = 1) => rpc('tools/call', { name, arguments: args }, id)

/** A JSON-RPC body POSTed to /mcp with `token`, and any more curl arguments. */
const post = (t: CheckContext, token: string, body: string, more: string[] = []) =>
  exchange($`curl -si ${t.mcp} ${JSON_RPC} ${bearer(token)} ${more} --data ${body}`)

/** read_notes at another MCP server (the ones these checks start), with `token` or without one. */
const readAt = (mcp: string, token?: string) =>
  exchange($`curl -si ${mcp} ${JSON_RPC} ${token === undefined ? [] : bearer(token)} --data ${readNotes}`)

/** Refused by the gate: 403, insufficient_scope, the scopes this request needs, and where to learn more. */
function expectStepUp(reply: Reply, scopes: string, t: CheckContext): void {
  expectChallenge(reply, 403, 'insufficient_scope')
  expectEqual(reply.challenge?.params.scope, scopes, "the challenge's scope")
  expectEqual(reply.challenge?.params.resource_metadata, t.url('/.well-known/oauth-protected-resource/mcp'), 'resource_metadata')
  expectEqual(reply.json?.error, 'insufficient_scope', "the JSON body's error")
}

/** GET a URL a client was handed, and its JSON (RFC 9728 §3.2, RFC 8414 §3.2: 200 and application/json). */
async function metadata(url: string): Promise<any> {
  const reply = await exchange($`curl -si ${url}`)
  expectStatus(reply, 200)
  assert(/^application\/json/.test(reply.headers['content-type'] ?? ''), `${url} is not served as application/json`)
  return reply.json
}

const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString())
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Session {
  tokens: { access_token: string; refresh_token?: string; scope?: string; id_token?: string }
  /** the token endpoint's answer */
  reply: Reply
  client: RegisteredClient
}

/**
 * One person's whole walk, as a careful client makes it: a fresh browser through the provider's sign-in
 * and consent pages (curl commands keeping its cookies), state and iss checked on the way back, the code
 * and its PKCE verifier exchanged for tokens for `resource`.
 */
async function signIn(as: AuthorizationServer, user: string, scope: string, resource = as.resource): Promise<Session> {
  const attempt = await as.start({ scope, params: { resource } })
  const { page, location } = await as.approve(attempt, user)
  assert(location !== undefined, `the provider showed HTTP ${page.reply.status}: ${pageText(page.reply.text)}`)
  expectEqual(location.searchParams.get('state'), attempt.state, 'the state that came back (RFC 6749 §10.12)')
  expectEqual(location.searchParams.get('iss'), as.metadata.issuer, 'iss (RFC 9207 §2.4: mix-up)')
  const code = location.searchParams.get('code')
  assert(code !== null, `no code: error=${location.searchParams.get('error')}`)
  const reply = await as.exchange({
    client: attempt.client,
    code,
    verifier: attempt.pkce.verifier,
    redirectUri: attempt.redirectUri,
    resource,
  })
  expectStatus(reply, 200)
  return { tokens: reply.json, reply, client: attempt.client }
}
const alice = async (t: CheckContext, scope = 'notes:read notes:write') => signIn(await t.oauth(), 'alice', scope)

/** An authorization request as a client builds it (PKCE S256, state, resource), with parameters changed or removed. */
function authorizationUrl(as: AuthorizationServer, clientId: string, change: Record<string, string | undefined> = {}): string {
  const request = {
    clientId,
    redirectUri: CALLBACK,
    scope: 'notes:read',
    state: 'xyz',
    challenge: pkcePair().challenge,
    resource: as.resource,
  }
  return authorizationRequestUrl(as.metadata.authorization_endpoint, request, change)
}

/** An authorization request the provider must refuse by redirecting back with `error` and its `iss` (RFC 9207 §2). */
async function expectRedirectError(as: AuthorizationServer, url: string, error: string): Promise<void> {
  const reply = await exchange($`curl -si ${url}`)
  expectStatus(reply, 302, 303)
  const back = new URL(reply.headers.location ?? '', url)
  assert(back.href.startsWith(CALLBACK), `refused, but redirected to ${back.href} instead of the client`)
  expectEqual(back.searchParams.get('error'), error, 'error')
  expectEqual(back.searchParams.get('iss'), as.metadata.issuer, 'iss (RFC 9207 §2)')
}

/** A listener on 127.0.0.1 that only counts connections: if the provider fetches from it, we see it. */
async function withTrap<T>(use: (port: number, connections: () => number) => Promise<T>): Promise<T> {
  let connections = 0
  const trap = createTcpServer((socket) => {
    connections++
    socket.destroy()
  })
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve))
  try {
    return await use((trap.address() as { port: number }).port, () => connections)
  } finally {
    trap.close()
  }
}

/**
 * A client ID metadata document served over https on this machine, as a client would host it on the
 * web (draft-ietf-oauth-client-id-metadata-document §4). The certificate is made for the check; the
 * provider is told to trust it through NODE_EXTRA_CA_CERTS=`caFile`.
 */
async function serveMetadataDocument(dir: string, redirectUri: string) {
  const { cert, key } = selfSignedCertificate()
  const caFile = join(dir, 'client-metadata-ca.pem')
  writeFileSync(caFile, cert)
  let fetches = 0
  const server = createHttpsServer({ cert, key }, (req, res) => {
    fetches++
    if (req.url !== '/client.json') return void res.writeHead(404).end()
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(
      JSON.stringify({
        client_id: url, // draft §4: the document names the URL it lives at, exactly
        client_name: 'Lab 6 client, by metadata document',
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none', // a public document can hold no secret
      }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `https://127.0.0.1:${(server.address() as { port: number }).port}/client.json`
  return { url, caFile, fetches: () => fetches, close: () => server.close() }
}

/** The authorization server of the MCP server at `mcp`, found the way a client finds it (curl). */
async function oauthOf(t: CheckContext, mcp: string): Promise<AuthorizationServer> {
  const { metadata, resource } = await discover(mcp, t.send)
  return new AuthorizationServer(metadata, resource, t.send)
}

// A second pair of processes for introspection: a provider issuing opaque 5-second tokens and a
// resource server with TOKEN_VALIDATION=introspection. Started on first use, stopped by the last check.
interface Pair {
  idp: RunningProcess
  startIdp(port: number): Promise<RunningProcess>
  rs: RunningProcess
  mcpUrl: string
  dataDir: string
  /** its provider, driven by curl; it keeps every token it was given, to prove none reached a log */
  as: AuthorizationServer
}
let pair: Promise<Pair> | undefined
const lab = (file: string) => fileURLToPath(new URL(file, import.meta.url))
function introspectionPair(t: CheckContext): Promise<Pair> {
  pair ??= (async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'lab7-introspection-'))
    const startIdp = (port: number) =>
      startProcess('provider (opaque tokens)', lab('./idp/server.ts'), port, {
        env: { DATA_DIR: dataDir, ACCESS_TOKEN_FORMAT: 'opaque', ACCESS_TOKEN_TTL: '5' },
      })
    const idp = await startIdp(await freePort())
    const rs = await startProcess('resource server (introspection)', lab('./server.ts'), await freePort(), {
      env: { DATA_DIR: dataDir, IDP_URL: idp.base, TOKEN_VALIDATION: 'introspection' },
    }).catch(async (error) => {
      await idp.stop()
      throw error
    })
    const mcpUrl = `${rs.base}/mcp`
    const p: Pair = { idp, startIdp, rs, mcpUrl, dataDir, as: await oauthOf(t, mcpUrl) }
    process.once('exit', () => {
      p.idp.child.kill()
      rs.child.kill()
      rmSync(dataDir, { recursive: true, force: true })
    })
    return p
  })()
  return pair
}
const opaqueSession = (p: Pair, resource?: string) => signIn(p.as, 'alice', 'notes:read notes:write', resource)

/**
 * A provider played by the check, so that its answers can lie and its traffic can be counted: it serves
 * metadata naming its introspection endpoint and, at jwks_uri, an empty key set; it answers each token
 * with the introspection answer `answers` holds for it (RFC 7662 §2.2), and serves `keys` at /keys,
 * counting the fetches. A resource server of this lab is started against it, on its own data, with `env`.
 */
interface FakeProvider {
  issuer: string
  mcp: string
  /** how many times /keys was fetched */
  keyFetches: () => number
}
async function withFakeProvider(
  env: (issuer: string) => Record<string, string>,
  setup: { answers?: (mcp: string) => Record<string, Record<string, unknown>>; keys?: { keys: JWK[] } },
  use: (provider: FakeProvider) => Promise<void>,
): Promise<void> {
  let table: Record<string, Record<string, unknown>> = {}
  let keyFetches = 0
  const server = createHttpServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => (body += chunk))
    req.on('end', () => {
      const json = (value: unknown) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(value))
      if (req.url === '/.well-known/oauth-authorization-server')
        return json({ issuer, introspection_endpoint: `${issuer}/introspect`, jwks_uri: `${issuer}/metadata-keys` })
      if (req.url === '/introspect') return json(table[new URLSearchParams(body).get('token') ?? ''] ?? { active: false })
      if (req.url === '/metadata-keys') return json({ keys: [] })
      if (req.url === '/keys') return (keyFetches++, json(setup.keys ?? { keys: [] }))
      res.writeHead(404).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const dataDir = mkdtempSync(join(tmpdir(), 'lab7-fake-provider-'))
  let rs: RunningProcess | undefined
  try {
    rs = await startProcess('resource server (a fake provider)', lab('./server.ts'), await freePort(), {
      env: { DATA_DIR: dataDir, IDP_URL: issuer, ...env(issuer) },
    })
    const mcp = `${rs.base}/mcp`
    table = Object.fromEntries(Object.entries(setup.answers?.(mcp) ?? {}).map(([token, answer]) => [token, { iss: issuer, ...answer }]))
    await use({ issuer, mcp, keyFetches: () => keyFetches })
  } finally {
    await rs?.stop()
    server.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

// Lab 6's client, run as a learner runs it (`npm run step 6`), against one of this lab's servers.
const CLIENT = fileURLToPath(new URL('../06-client/client/walk.ts', import.meta.url))
async function walk(mcp: string, data: string, args: string[] = []): Promise<Walk> {
  return walked(await $({ env: walkEnv(data), nothrow: true, quiet: true })`${process.execPath} --import tsx ${CLIENT} ${args} ${mcp}`)
}

export const checks = [
  check(
    'discovery',
    'from a bare 401 to the provider: resource metadata names it, its RFC 8414 metadata has the same issuer',
    'RFC 9728 §3, §5.1, RFC 8414 §3.1, §3.3, MCP authorization §Authorization Server Discovery',
    async (t) => {
      const { challenge, issuer } = await t.discover() // curl: the bare call, then each document it names
      expectEqual(challenge.params.error, undefined, "the bare 401's error")
      expectEqual(challenge.params.resource_metadata, t.url('/.well-known/oauth-protected-resource/mcp'), 'resource_metadata')
      expectEqual((await metadata(challenge.params.resource_metadata)).resource, t.mcp, 'resource')
      // RFC 8414 §3.1: the URL a client tries first; for an issuer without a path the suffix follows the host.
      const { origin, pathname } = new URL(issuer)
      const server = await metadata(`${origin}/.well-known/oauth-authorization-server${pathname.replace(/\/$/, '')}`)
      expectEqual(server.issuer, issuer, "the provider's issuer (RFC 8414 §3.3)")
      assert(origin !== t.base, 'the issuer is this server itself, not a separate identity provider')
    },
  ),

  check(
    'provider-metadata',
    'the provider advertises PKCE S256 only, iss in responses, registration, revocation and introspection',
    'RFC 8414 §2, RFC 7636 §4.3, RFC 9207 §3, MCP security (clients refuse servers without S256)',
    async (t) => {
      const { metadata: server } = await t.discover()
      expectEqual(server.code_challenge_methods_supported, ['S256'], 'code_challenge_methods_supported')
      expectEqual(server.authorization_response_iss_parameter_supported, true, 'authorization_response_iss_parameter_supported')
      expectEqual(server.response_types_supported, ['code'], 'response_types_supported')
      for (const endpoint of ['registration_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'jwks_uri'] as const) {
        assert(typeof server[endpoint] === 'string', `${endpoint} is not advertised`)
      }
    },
  ),

  check(
    'openid-configuration',
    "OpenID Connect discovery serves the same issuer, the client's second try",
    'OpenID Connect Discovery 1.0 §4, MCP authorization §Authorization Server Metadata Discovery',
    async (t) => {
      const { issuer } = await t.discover()
      const oidc = await metadata(`${issuer}/.well-known/openid-configuration`)
      expectEqual(oidc.issuer, issuer, 'issuer')
      expectEqual(oidc.code_challenge_methods_supported, ['S256'], 'code_challenge_methods_supported')
    },
  ),

  check(
    'nothing-local',
    'the resource server no longer serves issuer metadata or keys of its own (the provider does)',
    'RFC 9728 §2 (authorization_servers), design: advertise only what exists',
    async (t) => {
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/jwks.json'])
        expectStatus(await exchange($`curl -si ${t.url(path)}`), 404)
    },
  ),

  check(
    'challenge-scope',
    'the 401 challenge names a scope, every one in scopes_supported, no offline_access',
    'MCP authorization §Scope Selection, RFC 6750 §3',
    async (t) => {
      const { challenge, scopes: supported } = await t.discover()
      const scopes = challenge.params.scope?.split(' ') ?? []
      assert(scopes.length > 0, 'the challenge has no scope parameter')
      for (const scope of scopes) assert(supported.includes(scope), `"${scope}" is not in scopes_supported`)
      assert(!scopes.includes('offline_access'), "offline_access is a client's concern, not a resource's scope")
    },
  ),

  check(
    'flow',
    "alice signs in through the provider's pages (PKCE, state, iss checked); her RFC 9068 token reads notes",
    'OAuth 2.1 §4.1, RFC 7636, RFC 9207 §2.4, RFC 9068 §2, RFC 8707 §2',
    async (t) => {
      const session = await alice(t)
      assert(
        /no-store/.test(session.reply.headers['cache-control'] ?? ''),
        'the token response lacks Cache-Control: no-store (OAuth 2.1 §3.2.3)',
      )
      const token = session.tokens.access_token
      expectEqual(header(token).typ, 'at+jwt', "the token's typ")
      expectEqual(claims(token).aud, t.mcp, "the token's aud")
      expectEqual(claims(token).iss, (await t.discover()).issuer, "the token's iss")
      expectEqual(session.tokens.scope, 'notes:read notes:write', 'the granted scope')
      const result = rpcResult(await post(t, token, readNotes))
      assert(
        result.content?.[0]?.text?.startsWith('Notes of alice (scopes: notes:read notes:write)'),
        `unexpected answer: ${result.content?.[0]?.text}`,
      )
    },
  ),

  check(
    'pages',
    'login and consent pages: no framing, consent names client and redirect host, forms need their CSRF token and this browser',
    'MCP security best practices (consent), OAuth 2.1 §7.10, RFC 6749 §10.12',
    async (t) => {
      const as = await t.oauth()
      const login = await as.start({ client: await as.client('Pages check client'), scope: 'notes:read notes:admin' })
      expectStatus(login.reply, 200)
      expectEqual(login.reply.headers['x-frame-options'], 'DENY', 'X-Frame-Options')
      assert(/frame-ancestors 'none'/.test(String(login.reply.headers['content-security-policy'])), "no CSP frame-ancestors 'none'")
      const typed = { username: 'alice', password: 'wonderland' }
      expectStatus((await as.submit(login, login, typed, { drop: (name) => name === 'csrf' })).reply, 403) // no CSRF token
      expectStatus((await as.signIn(login, 'alice', 'guess')).reply, 401)
      expectStatus((await as.submit(login, login, typed, { browser: as.browser() })).reply, 400) // another browser
      const consent = await as.signIn(login, 'alice')
      expectStatus(consent.reply, 200)
      assert(
        consent.reply.text.includes('Pages check client') && consent.reply.text.includes(new URL(CALLBACK).host),
        'the consent page does not name the client and the redirect host',
      )
      assert(
        /class="refused"><code>notes:admin/.test(consent.reply.text),
        "the consent page does not show notes:admin as beyond alice's reach",
      )
      expectStatus((await as.submit(login, consent, { csrf: 'forged', decision: 'approve' })).reply, 403)
    },
  ),

  check(
    'pkce-required',
    'an authorization request without PKCE, or with method "plain", goes back with invalid_request and iss',
    'OAuth 2.1 §4.1.1, RFC 7636 §4.4.1, RFC 9207 §2',
    async (t) => {
      const as = await t.oauth()
      const { client_id } = await as.client('public')
      const noPkce = { code_challenge: undefined, code_challenge_method: undefined }
      await expectRedirectError(as, authorizationUrl(as, client_id, noPkce), 'invalid_request')
      await expectRedirectError(as, authorizationUrl(as, client_id, { code_challenge_method: 'plain' }), 'invalid_request')
    },
  ),

  check(
    'resource-required',
    'no resource, or a resource the provider does not serve → invalid_target',
    'RFC 8707 §2, MCP authorization §Resource Parameter Implementation',
    async (t) => {
      const as = await t.oauth()
      const { client_id } = await as.client('public')
      await expectRedirectError(as, authorizationUrl(as, client_id, { resource: undefined }), 'invalid_target')
      await expectRedirectError(as, authorizationUrl(as, client_id, { resource: 'https://evil.example/mcp' }), 'invalid_target')
    },
  ),

  check(
    'resource-case',
    'resource with an upper-case scheme and host names the same MCP server: aud is its canonical URL; an upper-case path does not',
    'MCP authorization §Canonical Server URI, RFC 3986 §6.2.2.1, RFC 8707 §2',
    async (t) => {
      const url = new URL(t.mcp)
      const shouted = `HTTP://${url.host.toUpperCase()}${url.pathname}` // HTTP://127.0.0.1:PORT/mcp
      const as = await t.oauth()
      const token = (await signIn(as, 'alice', 'notes:read', shouted)).tokens.access_token
      expectEqual(claims(token).aud, t.mcp, "the token's aud")
      rpcResult(await post(t, token, readNotes))
      const { client_id } = await as.client('public')
      const upperPath = `${url.origin}${url.pathname.toUpperCase()}`
      await expectRedirectError(as, authorizationUrl(as, client_id, { resource: upperPath }), 'invalid_target')
    },
  ),

  check(
    'bad-client',
    'an unknown client_id or an unregistered redirect_uri gets an error page, never a redirect',
    'OAuth 2.1 §4.1.2.1, §7.12.2 (open redirectors)',
    async (t) => {
      const as = await t.oauth()
      const { client_id } = await as.client('public')
      for (const url of [
        authorizationUrl(as, 'no-such-client'),
        authorizationUrl(as, client_id, { redirect_uri: 'http://127.0.0.1:9/elsewhere' }),
      ]) {
        const reply = await exchange($`curl -si ${url}`)
        expectStatus(reply, 400)
        assert(reply.headers.location === undefined, 'the error was redirected')
      }
    },
  ),

  check(
    'registration-policy',
    'registration refuses javascript:, fragment and plain-http non-loopback redirect URIs',
    'RFC 7591 §2, §3.2.2, RFC 8252 §7.3, §8.3',
    async (t) => {
      const as = await t.oauth()
      for (const uri of ['javascript:alert(1)', 'http://127.0.0.1:9/cb#frag', 'http://attacker.example/cb']) {
        const reply = await as.register({ redirect_uris: [uri], token_endpoint_auth_method: 'none' })
        expectStatus(reply, 400)
        assert(['invalid_redirect_uri', 'invalid_client_metadata'].includes(reply.json?.error), `${uri}: error ${reply.json?.error}`)
      }
    },
  ),

  check(
    'metadata-document-ssrf',
    'client ID metadata documents are advertised; a client id URL on loopback or a private address is refused, never fetched',
    'draft-ietf-oauth-client-id-metadata-document (SSRF), RFC 6890, MCP authorization §Client ID Metadata Documents',
    async (t) => {
      assert(
        process.env.ALLOW_LOOPBACK_CLIENT_METADATA !== '1',
        'unset ALLOW_LOOPBACK_CLIENT_METADATA: this check needs the production policy',
      )
      const as = await t.oauth()
      expectEqual(as.metadata.client_id_metadata_document_supported, true, 'client_id_metadata_document_supported')
      await withTrap(async (port, connections) => {
        const refusals: Record<string, RegExp> = {
          [`https://127.0.0.1:${port}/client.json`]: /default https port/,
          [`https://localhost:${port}/client.json`]: /default https port/,
          'https://127.0.0.1/client.json': /private, loopback or reserved/,
          'https://localhost/client.json': /private, loopback or reserved/,
          'https://[::ffff:7f00:1]/client.json': /private, loopback or reserved/, // loopback in IPv6 disguise
          'https://10.0.0.1/client.json': /private, loopback or reserved/,
          'https://169.254.169.254/latest/meta-data': /private, loopback or reserved/, // the cloud metadata service
        }
        for (const [clientId, reason] of Object.entries(refusals)) {
          const reply = await exchange($`curl -si ${authorizationUrl(as, clientId)}`)
          expectStatus(reply, 400)
          assert(reply.headers.location === undefined, `${clientId}: the error was redirected`)
          const text = pageText(reply.text, 400)
          assert(/invalid_client/.test(text) && reason.test(text), `${clientId}: the error page says "${text}"`)
        }
        expectEqual(connections(), 0, 'connections the provider made to the loopback port a client id named')
      })
    },
  ),

  check(
    'alice-cannot-purge',
    'alice asks for notes:admin too, the provider grants only what she holds: purge → 403 insufficient_scope',
    'RFC 6749 §3.3 (issued scope may differ), RFC 6750 §3.1',
    async (t) => {
      const session = await alice(t, 'notes:read notes:write notes:admin')
      expectEqual(session.tokens.scope, 'notes:read notes:write', 'the granted scope')
      expectStepUp(await post(t, session.tokens.access_token, call('purge_notes')), 'notes:admin', t)
    },
  ),

  check('bob-read-only', 'bob gets notes:read only: adding → 403 insufficient_scope, scope="notes:write"', 'RFC 6750 §3.1', async (t) => {
    const session = await signIn(await t.oauth(), 'bob', 'notes:read notes:write')
    expectEqual(session.tokens.scope, 'notes:read', 'the granted scope')
    expectStepUp(await post(t, session.tokens.access_token, call('add_note', { text: 'hi' })), 'notes:write', t)
  }),

  check(
    'step-up-carol',
    'step-up: carol signs in for notes:admin and purges',
    'MCP authorization §Step-Up Authorization Flow',
    async (t) => {
      const token = (await signIn(await t.oauth(), 'carol', 'notes:read notes:write notes:admin')).tokens.access_token
      expectEqual(claims(token).scope, 'notes:read notes:write notes:admin', "the token's scope")
      rpcResult(await post(t, token, call('add_note', { text: 'doomed' })))
      expectEqual(rpcResult(await post(t, token, call('purge_notes'))).content?.[0]?.text, 'Purged 1 note(s).', 'purge_notes answer')
    },
  ),

  check(
    'refresh-rotation',
    'refresh rotates the refresh token; reusing the old one fails and ends the whole grant',
    'OAuth 2.1 §4.3.1, RFC 9700 §4.14.2',
    async (t) => {
      const as = await t.oauth()
      const { tokens, client } = await alice(t)
      const old = tokens.refresh_token
      assert(old !== undefined, 'no refresh token was issued')
      const fresh = await as.refresh({ client, refreshToken: old })
      expectStatus(fresh, 200)
      assert(fresh.json.refresh_token !== old, 'the refresh token did not rotate')
      rpcResult(await post(t, fresh.json.access_token, readNotes))
      const reused = await as.refresh({ client, refreshToken: old })
      expectStatus(reused, 400)
      expectEqual(reused.json?.error, 'invalid_grant', 'reusing the rotated refresh token')
      const after = await as.refresh({ client, refreshToken: fresh.json.refresh_token })
      expectEqual(after.json?.error, 'invalid_grant', 'the new refresh token after reuse')
    },
  ),

  check(
    'wrong-audience',
    'a token the provider issued for another MCP server → 401 invalid_token here',
    'RFC 8707 §2, RFC 9068 §4, MCP security (token passthrough)',
    async (t) => {
      const other = `http://127.0.0.1:${t.port === 1 ? 2 : 1}/mcp`
      const token = (await signIn(await t.oauth(), 'alice', 'notes:read', other)).tokens.access_token
      expectEqual(claims(token).aud, other, "the token's aud")
      expectChallenge(await post(t, token, readNotes), 401, 'invalid_token')
    },
  ),

  check(
    'forged',
    'a real token forged: alg none, payload altered, HS256 with the public key, a key in the header, an unknown kid → 401',
    'RFC 8725 §2.1, §3.1, §3.10, RFC 7515 §5.2, RFC 7517 §4.5',
    async (t) => {
      const token = (await alice(t)).tokens.access_token
      const [head, body, signature] = token.split('.')
      const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
      const jwks = await exchange($`curl -si ${(await t.discover()).metadata.jwks_uri}`)
      const published = jwks.json.keys.find((key: JWK) => key.kid === header(token).kid)
      const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const forgeries = {
        'alg none': `${encode({ ...header(token), alg: 'none' })}.${body}.`,
        'payload altered': `${head}.${encode({ ...claims(token), scope: 'notes:read notes:write notes:admin' })}.${signature}`,
        'HS256 keyed with the public key': await new SignJWT(claims(token))
          .setProtectedHeader({ ...header(token), alg: 'HS256' })
          .sign(
            new TextEncoder().encode(String(createPublicKey({ key: published, format: 'jwk' }).export({ type: 'spki', format: 'pem' }))),
          ),
        'a key in the header': await new SignJWT(claims(token))
          .setProtectedHeader({ ...header(token), jwk: await exportJWK(attacker.publicKey) })
          .sign(attacker.privateKey),
        'an unknown kid': await new SignJWT(claims(token))
          .setProtectedHeader({ ...header(token), kid: 'not-a-published-kid' })
          .sign(attacker.privateKey),
        'a lab 4 dev token (npm run token)': await t.token({ scope: 'notes:read' }),
      }
      for (const [what, forged] of Object.entries(forgeries)) {
        const reply = await post(t, forged, readNotes)
        assert(
          reply.status === 401 && reply.challenge?.params.error === 'invalid_token',
          `${what}: HTTP ${reply.status} ${reply.challenge?.params.error ?? ''}`,
        )
      }
    },
  ),

  check(
    'id-token',
    'an ID token from the same provider (same key, typ JWT, aud = the client) is not an access token → 401',
    'RFC 9068 §4, RFC 8725 §3.11 (explicit typing), OpenID Connect Core §2',
    async (t) => {
      const session = await alice(t, 'openid notes:read')
      const idToken = session.tokens.id_token
      assert(idToken !== undefined, 'no ID token was issued for scope openid')
      expectEqual(claims(idToken).aud, session.client.client_id, "the ID token's aud")
      expectChallenge(await post(t, idToken, readNotes), 401, 'invalid_token')
    },
  ),

  check(
    'jwt-outlives-revocation',
    'revoking the grant does not recall a JWT: it verifies here until it expires (keep them short)',
    'RFC 7009 §2, RFC 9068 §5 (security considerations), RFC 7662 §1',
    async (t) => {
      const as = await t.oauth()
      const { tokens, client } = await alice(t)
      expectStatus(await as.revoke({ client, token: tokens.refresh_token! }), 200)
      const refreshed = await as.refresh({ client, refreshToken: tokens.refresh_token! })
      expectEqual(refreshed.json?.error, 'invalid_grant', 'refreshing after revocation')
      // The limit of local validation, shown rather than hidden: nothing tells this server.
      rpcResult(await post(t, tokens.access_token, readNotes))
      assert(claims(tokens.access_token).exp - claims(tokens.access_token).iat <= 600, 'access tokens live longer than 10 minutes')
    },
  ),

  check(
    'introspection-token',
    'introspection mode (a second pair: opaque tokens, TOKEN_VALIDATION=introspection): the token reads notes',
    'RFC 7662 §2, RFC 6750 §2.1',
    async (t) => {
      const p = await introspectionPair(t)
      const { tokens } = await opaqueSession(p)
      assert(tokens.access_token.split('.').length !== 3, 'the provider issued a JWT, not an opaque token')
      const result = rpcResult(await readAt(p.mcpUrl, tokens.access_token))
      assert(result.content?.[0]?.text?.startsWith('Notes of alice'), `unexpected answer: ${result.content?.[0]?.text}`)
    },
  ),

  check(
    'introspection-revocation',
    'introspection mode: a revoked token is refused on the very next request',
    'RFC 7009 §2, RFC 7662 §2.2 (active: false)',
    async (t) => {
      const p = await introspectionPair(t)
      const { tokens, client } = await opaqueSession(p)
      rpcResult(await readAt(p.mcpUrl, tokens.access_token))
      expectStatus(await p.as.revoke({ client, token: tokens.access_token }), 200)
      expectChallenge(await readAt(p.mcpUrl, tokens.access_token), 401, 'invalid_token')
    },
  ),

  check(
    'introspection-refusals',
    'introspection mode: garbage, a JWT, a token for another server → 401; an expired token → 401',
    'RFC 7662 §2.2, RFC 8707 §2, RFC 6750 §3.1',
    async (t) => {
      const p = await introspectionPair(t)
      const refusedThere = async (token: string) => expectChallenge(await readAt(p.mcpUrl, token), 401, 'invalid_token')
      await refusedThere('not-a-token')
      await refusedThere((await alice(t)).tokens.access_token) // the first provider's JWT
      await refusedThere((await opaqueSession(p, `http://127.0.0.1:${p.rs.port === 1 ? 2 : 1}/mcp`)).tokens.access_token)
      // This provider's tokens live 5 seconds: valid first, then ask until the answer changes (at most 15 s).
      const { tokens } = await opaqueSession(p)
      const ask = () => readAt(p.mcpUrl, tokens.access_token)
      let reply = await ask()
      rpcResult(reply)
      for (const deadline = Date.now() + 15_000; reply.status === 200 && Date.now() < deadline; reply = await ask()) await pause(250)
      expectChallenge(reply, 401, 'invalid_token')
    },
  ),

  check(
    'introspection-falsified',
    'introspection mode, a provider that lies: each field of its answer (iss, aud, exp, token_type, sub) wrong or missing → 401',
    'RFC 7662 §2.2, §4 (the resource server still decides), RFC 8707 §2',
    async () => {
      const now = Math.floor(Date.now() / 1000)
      const env = () => ({ TOKEN_VALIDATION: 'introspection', INTROSPECTION_CLIENT_ID: 'rs', INTROSPECTION_CLIENT_SECRET: 'rs-secret' })
      const answers = (mcp: string) => {
        const good = { active: true, sub: 'alice', aud: mcp, exp: now + 600, token_type: 'Bearer', scope: 'notes:read' }
        return {
          good,
          'iss-other': { ...good, iss: 'https://evil.example' },
          'aud-other': { ...good, aud: `${mcp}-other` },
          'aud-prefix': { ...good, aud: [mcp.slice(0, -1)] },
          'aud-missing': { ...good, aud: undefined },
          expired: { ...good, exp: now - 60 },
          'token-type': { ...good, token_type: 'refresh_token' },
          'no-sub': { ...good, sub: undefined },
        }
      }
      await withFakeProvider(env, { answers }, async ({ mcp }) => {
        rpcResult(await readAt(mcp, 'good'))
        for (const lie of ['iss-other', 'aud-other', 'aud-prefix', 'aud-missing', 'expired', 'token-type', 'no-sub'])
          expectChallenge(await readAt(mcp, lie), 401, 'invalid_token')
      })
    },
  ),

  check(
    'introspection-needs-credentials',
    'the introspection endpoint answers only the resource server: no credentials → refused, a public client → active: false',
    'RFC 7662 §2.1, §4',
    async (t) => {
      const p = await introspectionPair(t)
      const { tokens, client } = await opaqueSession(p)
      expectStatus(await p.as.introspect({ token: tokens.access_token }), 400, 401) // no credentials at all
      const asClient = await p.as.introspect({ client, token: tokens.access_token }) // the public client's client_id
      expectStatus(asClient, 200)
      expectEqual(asClient.json, { active: false }, 'the answer to the client itself')
    },
  ),

  check(
    'provider-down',
    'provider down → 503 with Retry-After, never a pass; restarted on its data, the grant lives on; no token in any log',
    'RFC 9110 §15.6.4, §10.2.3 (fail closed, honestly), OAuth 2.1 §4.3, MCP security (no tokens in logs)',
    async (t) => {
      const p = await introspectionPair(t)
      const { tokens, client } = await opaqueSession(p)
      const logs = [p.idp, p.rs]
      await p.idp.stop()
      try {
        const reply = await readAt(p.mcpUrl, tokens.access_token)
        expectStatus(reply, 503)
        assert(reply.headers['retry-after'] !== undefined, 'no Retry-After header')
        expectChallenge(await readAt(p.mcpUrl), 401, undefined) // no token: still a plain challenge
        // The same provider again, on the same port and data: clients, grants and refresh tokens were in SQLite.
        p.idp = await p.startIdp(p.idp.port)
        logs.push(p.idp)
        const renewed = await p.as.refresh({ client, refreshToken: tokens.refresh_token! })
        expectStatus(renewed, 200)
        rpcResult(await readAt(p.mcpUrl, renewed.json.access_token)) // recovered, no restart
        // Every token, code and password this provider handed out or was given.
        const output = logs.map((running) => running.output()).join('')
        for (const secret of p.as.secrets) assert(!output.includes(secret), 'a token, code or password appeared in a log line')
      } finally {
        await p.idp.stop()
        await p.rs.stop()
        rmSync(p.dataDir, { recursive: true, force: true })
        pair = undefined
      }
    },
  ),

  check(
    'key-fetches',
    'the key set comes from JWKS_URI, is fetched once for many tokens, and again at most once per cooldown for unknown kids',
    'RFC 7517 §5, RFC 8414 §2 (jwks_uri), OpenID Connect Core §10.1.1 (rotation)',
    async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }
      // The metadata's jwks_uri serves no keys: only JWKS_URI (set here) leads to them.
      const env = (issuer: string) => ({ JWKS_URI: `${issuer}/keys`, JWKS_COOLDOWN_SECONDS: '600' })
      await withFakeProvider(env, { keys: { keys: [jwk] } }, async ({ issuer, mcp, keyFetches }) => {
        const token = (kid: string) =>
          new SignJWT({ client_id: 'c', scope: 'notes:read', jti: randomUUID() })
            .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid })
            .setIssuer(issuer)
            .setAudience(mcp)
            .setSubject('alice')
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(privateKey)
        for (let i = 0; i < 3; i++) rpcResult(await readAt(mcp, await token('k1')))
        expectEqual(keyFetches(), 1, 'key set fetches for three tokens (it is cached)')
        for (let i = 0; i < 3; i++) expectChallenge(await readAt(mcp, await token(`unknown-${i}`)), 401, 'invalid_token')
        assert(keyFetches() <= 2, `${keyFetches()} key set fetches: unknown kids refetch it at most once per cooldown`)
      })
    },
  ),

  check(
    'key-rotation',
    'key rotation, live: the new kid verifies after exactly one JWKS refetch, the old token still verifies',
    'RFC 7517 §4.5, RFC 8414 §2 (jwks_uri), OpenID Connect Core §10.1.1 (rotation)',
    async (t) => {
      const as = await t.oauth()
      const { issuer } = await t.discover()
      const keys = async () => (await exchange($`curl -si ${issuer}/dev/keys`)).json as { signing_kid: string; jwks_requests: number }
      const before = await alice(t)
      const oldToken = before.tokens.access_token
      rpcResult(await post(t, oldToken, readNotes)) // this server has the current keys cached
      const fetched = (await keys()).jwks_requests
      const rotated = await exchange($`curl -si -X POST ${issuer}/dev/rotate-keys`)
      expectStatus(rotated, 200)
      expectEqual(rotated.json.previous_kid, header(oldToken).kid, 'the key that signed until now')
      const renewed = await as.refresh({ client: before.client, refreshToken: before.tokens.refresh_token! })
      expectStatus(renewed, 200)
      const newToken = renewed.json.access_token
      expectEqual(header(newToken).kid, rotated.json.signing_kid, "the new token's kid")
      // jose refetches on an unknown kid, but at most once per cooldown (5 s here): poll, never sleep blindly.
      const deadline = Date.now() + 15_000
      let reply = await post(t, newToken, readNotes)
      while (reply.status !== 200 && Date.now() < deadline) {
        expectChallenge(reply, 401, 'invalid_token') // while cooling down: refused, never passed, never a 5xx
        await pause(250)
        reply = await post(t, newToken, readNotes)
      }
      rpcResult(reply)
      expectEqual((await keys()).jwks_requests - fetched, 1, 'JWKS fetches by this server since the rotation')
      rpcResult(await post(t, oldToken, readNotes)) // the old key is still published
    },
  ),

  check(
    'lab6-client',
    "lab 6's client, unchanged, walks the whole flow against the provider: step-up, refresh, revocation",
    'MCP authorization §Authorization Flow Steps, RFC 8414 §3',
    async (t) => {
      const run = await walk(t.mcp, freshClientData())
      assert(run.code === 0, `the walk exited ${run.code}:\n${run.output.split('\n').slice(-6).join('\n')}`)
      for (const leg of ['Registration', 'Token exchange', 'Step-up', 'Refresh', 'Revocation'])
        assert(run.legs.includes(leg), `no "${leg}" leg`)
      assert(run.output.includes('stepped up: the new token carries notes:admin'), 'carol did not step up at the provider')
      assert(run.output.includes('speaking 2026-07-28'), 'the client did not negotiate 2026-07-28 (server/discover) with this lab')
      // Local JWT validation cannot see a revocation before the token expires: the client says so.
      assert(run.output.includes('the revoked refresh token is refused'), 'the provider did not revoke the refresh token')
      assert(/Tool result\n/.test(run.output), 'the walk did not end with a tool result')
    },
  ),

  check(
    'lab6-client-metadata-document',
    "lab 6's client registers by metadata document and walks the flow (an https URL here, with ALLOW_LOOPBACK_CLIENT_METADATA=1)",
    'MCP authorization §Client ID Metadata Documents, draft-ietf-oauth-client-id-metadata-document §3, §4',
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'lab7-cimd-'))
      const redirectUri = 'http://127.0.0.1:8976/callback' // the walk's own (its REDIRECT_URI default)
      const document = await serveMetadataDocument(dir, redirectUri)
      const running: RunningProcess[] = []
      try {
        const env = { DATA_DIR: dir, ALLOW_LOOPBACK_CLIENT_METADATA: '1', NODE_EXTRA_CA_CERTS: document.caFile }
        const idp = await startProcess('provider (loopback metadata documents)', lab('./idp/server.ts'), await freePort(), { env })
        running.push(idp)
        const rs = await startProcess('resource server', lab('./server.ts'), await freePort(), {
          env: { DATA_DIR: dir, IDP_URL: idp.base },
        })
        running.push(rs)
        const run = await walk(`${rs.base}/mcp`, freshClientData(), ['--client-metadata-url', document.url])
        assert(run.code === 0, `the walk exited ${run.code}:\n${run.output.split('\n').slice(-6).join('\n')}`)
        assert(!run.legs.includes('Registration'), 'the client registered dynamically instead')
        assert(run.output.includes(`client_id=${document.url}`), 'the token request does not carry the document URL as client_id')
        assert(document.fetches() > 0, 'the provider never fetched the document')
        assert(/Tool result\n/.test(run.output), 'the walk did not end with a tool result')
        // The opt-in opens this machine, nothing else: a private address is still refused.
        const as = await oauthOf(t, `${rs.base}/mcp`)
        const reply = await exchange($`curl -si ${authorizationUrl(as, 'https://10.0.0.1/client.json')}`)
        expectStatus(reply, 400)
        assert(/private, loopback or reserved/.test(pageText(reply.text, 400)), `10.0.0.1: ${pageText(reply.text)}`)
      } finally {
        await Promise.all(running.map((p) => p.stop()))
        document.close()
        rmSync(dir, { recursive: true, force: true })
      }
    },
  ),
]

await runIfMain(import.meta.url)
