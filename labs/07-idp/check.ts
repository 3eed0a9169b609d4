// Lab 7's checks: `npm run check 7`. Discovery to the provider, real flows through its pages, the scope
// gate on its tokens, refresh rotation, revocation (seen only through introspection), key rotation.
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer as createHttpsServer } from 'node:https'
import { createServer as createTcpServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type JWK, SignJWT, base64url, exportJWK } from 'jose'
import { type Check, type CheckContext, assert, expectChallenge, expectEqual, expectStatus, rpcResult } from '@workshop/kit/checks'
import { type Reply, mcpHeaders, rpc } from '@workshop/kit/http'
import { authorizationRequestUrl, pkcePair } from '@workshop/kit/authorization-request'
import { Browser, type ServerMetadata, type Session, refresh, registerClient, revoke, signIn } from '@workshop/kit/idp-flow'
import { type RunningProcess, freePort, startProcess } from '@workshop/kit/lab-process'
import { runIfMain } from '@workshop/kit/run-checks'
import { selfSignedCertificate } from '@workshop/kit/self-signed'
import { firstForm, pageText } from '@workshop/kit/user-agent'
import { freshClientData, walk } from '@workshop/kit/walk'

const call = (name: string, args: Record<string, unknown> = {}) => rpc('tools/call', { name, arguments: args })
const readNotes = call('read_notes')
const REDIRECT_URI = 'http://127.0.0.1:9/callback'
const header = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString())
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const claims = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString())

/** GET a URL a client was handed and parse its JSON (RFC 9728 §3.2, RFC 8414 §3.2). */
async function fetchMetadata(t: CheckContext, url: string): Promise<any> {
  const reply = await t.send({ url })
  expectStatus(reply, 200)
  assert(/^application\/json/.test(reply.headers['content-type'] ?? ''), `${url} is not served as application/json`)
  return reply.json
}

/** The discovery a client does from nothing but the MCP URL: 401 → resource metadata → the provider's metadata. */
async function discover(t: CheckContext, mcpUrl = t.mcpUrl) {
  const bare = await t.send({ url: mcpUrl, headers: mcpHeaders(), body: readNotes })
  expectChallenge(bare, 401, undefined)
  const metadataUrl = bare.challenge?.params.resource_metadata
  assert(metadataUrl !== undefined, 'the 401 challenge has no resource_metadata parameter')
  const resource = await fetchMetadata(t, metadataUrl)
  const issuer = resource.authorization_servers?.[0]
  assert(typeof issuer === 'string', 'authorization_servers is missing or empty')
  // RFC 8414 §3.1: the URL a client tries first; for an issuer without a path the suffix follows the host.
  const server: ServerMetadata = await fetchMetadata(
    t,
    `${new URL(issuer).origin}/.well-known/oauth-authorization-server${new URL(issuer).pathname.replace(/\/$/, '')}`,
  )
  expectEqual(server.issuer, issuer, "the provider's issuer (RFC 8414 §3.3)")
  return { challenge: bare.challenge!, metadataUrl, resource, issuer, server }
}

/** One person's whole walk: register a client, sign in through the provider's pages, exchange the code. */
function signInAs(
  t: CheckContext,
  username: string,
  password: string,
  scope: string,
  options: { mcpUrl?: string; resource?: string } = {},
): Promise<Session> {
  return signIn({ mcpUrl: options.mcpUrl ?? t.mcpUrl, resource: options.resource, username, password, scope, send: (req) => t.send(req) })
}
const alice = (t: CheckContext, scope = 'notes:read notes:write') => signInAs(t, 'alice', 'wonderland', scope)

/** An authorization request as a client builds it (PKCE S256, state, resource), with parameters changed or removed. */
function authorizationUrl(
  server: ServerMetadata,
  clientId: string,
  resource: string,
  change: Record<string, string | undefined> = {},
): string {
  const request = { clientId, redirectUri: REDIRECT_URI, scope: 'notes:read', state: 'xyz', challenge: pkcePair().challenge, resource }
  return authorizationRequestUrl(server.authorization_endpoint, request, change)
}

/** An authorization request the provider must refuse by redirecting back with `error` and its `iss` (RFC 9207 §2). */
async function expectRedirectError(t: CheckContext, server: ServerMetadata, url: string, error: string): Promise<void> {
  const reply = await t.send({ url })
  expectStatus(reply, 302, 303)
  const back = new URL(reply.headers.location ?? '', url)
  assert(back.href.startsWith(REDIRECT_URI), `refused, but redirected to ${back.href} instead of the client`)
  expectEqual(back.searchParams.get('error'), error, 'error')
  expectEqual(back.searchParams.get('iss'), server.issuer, 'iss (RFC 9207 §2)')
}

/** Refused by the gate: 403 insufficient_scope naming the scope (lab 4, unchanged). */
function expectStepUp(reply: Reply, scope: string): void {
  expectChallenge(reply, 403, 'insufficient_scope')
  expectEqual(reply.challenge?.params.scope, scope, "the challenge's scope")
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

// A second pair of processes for introspection: a provider issuing opaque 5-second tokens and a
// resource server with TOKEN_VALIDATION=introspection. Started on first use, stopped by the last check.
interface Pair {
  idp: RunningProcess
  startIdp(port: number): Promise<RunningProcess>
  rs: RunningProcess
  mcpUrl: string
  dataDir: string
  tokens: string[] // every token seen, to prove none reached a log
}
let pair: Promise<Pair> | undefined
const lab = (file: string) => fileURLToPath(new URL(file, import.meta.url))
function introspectionPair(): Promise<Pair> {
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
    const p: Pair = { idp, startIdp, rs, mcpUrl: `${rs.base}/mcp`, dataDir, tokens: [] }
    process.once('exit', () => {
      p.idp.child.kill()
      rs.child.kill()
      rmSync(dataDir, { recursive: true, force: true })
    })
    return p
  })()
  return pair
}
async function opaqueSession(t: CheckContext, p: Pair, resource?: string): Promise<Session> {
  const session = await signInAs(t, 'alice', 'wonderland', 'notes:read notes:write', { mcpUrl: p.mcpUrl, resource })
  p.tokens.push(session.tokens.access_token, session.tokens.refresh_token ?? '')
  return session
}

export const checks: Check[] = [
  {
    id: 'discovery',
    title: 'from a bare 401 to the provider: resource metadata names it, its RFC 8414 metadata has the same issuer',
    spec: 'RFC 9728 §3, §5.1, RFC 8414 §3.1, §3.3, MCP authorization §Authorization Server Discovery',
    async run(t) {
      const { metadataUrl, resource, issuer } = await discover(t)
      expectEqual(metadataUrl, `${t.base}/.well-known/oauth-protected-resource/mcp`, 'resource_metadata')
      expectEqual(resource.resource, t.mcpUrl, 'resource')
      assert(new URL(issuer).origin !== t.base, 'the issuer is this server itself, not a separate identity provider')
    },
  },
  {
    id: 'provider-metadata',
    title: 'the provider advertises PKCE S256 only, iss in responses, registration, revocation and introspection',
    spec: 'RFC 8414 §2, RFC 7636 §4.3, RFC 9207 §3, MCP security (clients refuse servers without S256)',
    async run(t) {
      const { server } = await discover(t)
      expectEqual(server.code_challenge_methods_supported, ['S256'], 'code_challenge_methods_supported')
      expectEqual(server.authorization_response_iss_parameter_supported, true, 'authorization_response_iss_parameter_supported')
      expectEqual(server.response_types_supported, ['code'], 'response_types_supported')
      for (const endpoint of ['registration_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'jwks_uri'] as const) {
        assert(typeof server[endpoint] === 'string', `${endpoint} is not advertised`)
      }
    },
  },
  {
    id: 'openid-configuration',
    title: "OpenID Connect discovery serves the same issuer, the client's second try",
    spec: 'OpenID Connect Discovery 1.0 §4, MCP authorization §Authorization Server Metadata Discovery',
    async run(t) {
      const { issuer } = await discover(t)
      const oidc = await fetchMetadata(t, `${issuer}/.well-known/openid-configuration`)
      expectEqual(oidc.issuer, issuer, 'issuer')
      expectEqual(oidc.code_challenge_methods_supported, ['S256'], 'code_challenge_methods_supported')
    },
  },
  {
    id: 'nothing-local',
    title: 'the resource server no longer serves issuer metadata or keys of its own (the provider does)',
    spec: 'RFC 9728 §2 (authorization_servers), design: advertise only what exists',
    async run(t) {
      for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/jwks.json'])
        expectStatus(await t.send({ url: path }), 404)
    },
  },
  {
    id: 'challenge-scope',
    title: 'the 401 challenge names a scope, every one in scopes_supported, no offline_access',
    spec: 'MCP authorization §Scope Selection, RFC 6750 §3',
    async run(t) {
      const { challenge, resource } = await discover(t)
      const scopes = challenge.params.scope?.split(' ') ?? []
      assert(scopes.length > 0, 'the challenge has no scope parameter')
      for (const scope of scopes) assert(resource.scopes_supported.includes(scope), `"${scope}" is not in scopes_supported`)
      assert(!scopes.includes('offline_access'), "offline_access is a client's concern, not a resource's scope")
    },
  },
  {
    id: 'flow',
    title: "alice signs in through the provider's pages (PKCE, state, iss checked); her RFC 9068 token reads notes",
    spec: 'OAuth 2.1 §4.1, RFC 7636, RFC 9207 §2.4, RFC 9068 §2, RFC 8707 §2',
    async run(t) {
      const session = await alice(t)
      assert(
        /no-store/.test(session.tokenReply.headers['cache-control'] ?? ''),
        'the token response lacks Cache-Control: no-store (OAuth 2.1 §3.2.3)',
      )
      const token = session.tokens.access_token
      expectEqual(header(token).typ, 'at+jwt', "the token's typ")
      expectEqual(claims(token).aud, t.mcpUrl, "the token's aud")
      expectEqual(claims(token).iss, session.issuer, "the token's iss")
      expectEqual(session.tokens.scope, 'notes:read notes:write', 'the granted scope')
      const result = rpcResult(await t.mcp(readNotes, { token }))
      assert(
        result.content?.[0]?.text?.startsWith('Notes of alice (scopes: notes:read notes:write)'),
        `unexpected answer: ${result.content?.[0]?.text}`,
      )
    },
  },
  {
    id: 'pages',
    title: 'login and consent pages: no framing, consent names client and redirect host, forms need their CSRF token and this browser',
    spec: 'MCP security best practices (consent), OAuth 2.1 §7.10, RFC 6749 §10.12',
    async run(t) {
      const { server } = await discover(t)
      const clientId = await registerClient(server, REDIRECT_URI, (req) => t.send(req), 'Pages check client')
      const browser = new Browser((req) => t.send(req))
      const login = await browser.navigate(authorizationUrl(server, clientId, t.mcpUrl, { scope: 'notes:read notes:admin' }), REDIRECT_URI)
      expectStatus(login.reply, 200)
      expectEqual(login.reply.headers['x-frame-options'], 'DENY', 'X-Frame-Options')
      assert(/frame-ancestors 'none'/.test(String(login.reply.headers['content-security-policy'])), "no CSP frame-ancestors 'none'")
      const loginForm = firstForm(login.reply.text)!
      const loginAction = new URL(loginForm.action, login.url).href
      expectStatus(await browser.request({ url: loginAction, form: { username: 'alice', password: 'wonderland' } }), 403) // no CSRF token
      expectStatus(await browser.request({ url: loginAction, form: { ...loginForm.hidden, username: 'alice', password: 'guess' } }), 401)
      expectStatus(
        await new Browser((req) => t.send(req)).request({
          url: loginAction,
          form: { ...loginForm.hidden, username: 'alice', password: 'wonderland' },
        }),
        400,
      ) // another browser
      const consent = await browser.submit(login, { username: 'alice', password: 'wonderland' }, REDIRECT_URI)
      expectStatus(consent.reply, 200)
      assert(
        consent.reply.text.includes('Pages check client') && consent.reply.text.includes('127.0.0.1:9'),
        'the consent page does not name the client and the redirect host',
      )
      assert(
        /class="refused"><code>notes:admin/.test(consent.reply.text),
        "the consent page does not show notes:admin as beyond alice's reach",
      )
      const consentAction = new URL(firstForm(consent.reply.text)!.action, consent.url).href
      expectStatus(await browser.request({ url: consentAction, form: { csrf: 'forged', decision: 'approve' } }), 403)
    },
  },
  {
    id: 'pkce-required',
    title: 'an authorization request without PKCE, or with method "plain", goes back with invalid_request and iss',
    spec: 'OAuth 2.1 §4.1.1, RFC 7636 §4.4.1, RFC 9207 §2',
    async run(t) {
      const { server } = await discover(t)
      const clientId = await registerClient(server, REDIRECT_URI, (req) => t.send(req))
      await expectRedirectError(
        t,
        server,
        authorizationUrl(server, clientId, t.mcpUrl, { code_challenge: undefined, code_challenge_method: undefined }),
        'invalid_request',
      )
      await expectRedirectError(
        t,
        server,
        authorizationUrl(server, clientId, t.mcpUrl, { code_challenge_method: 'plain' }),
        'invalid_request',
      )
    },
  },
  {
    id: 'resource-required',
    title: 'no resource, or a resource the provider does not serve → invalid_target',
    spec: 'RFC 8707 §2, MCP authorization §Resource Parameter Implementation',
    async run(t) {
      const { server } = await discover(t)
      const clientId = await registerClient(server, REDIRECT_URI, (req) => t.send(req))
      await expectRedirectError(t, server, authorizationUrl(server, clientId, t.mcpUrl, { resource: undefined }), 'invalid_target')
      await expectRedirectError(
        t,
        server,
        authorizationUrl(server, clientId, t.mcpUrl, { resource: 'https://evil.example/mcp' }),
        'invalid_target',
      )
    },
  },
  {
    id: 'resource-case',
    title: 'resource with an upper-case scheme and host names the same MCP server: aud is its canonical URL; an upper-case path does not',
    spec: 'MCP authorization §Canonical Server URI, RFC 3986 §6.2.2.1, RFC 8707 §2',
    async run(t) {
      const url = new URL(t.mcpUrl)
      const shouted = `HTTP://${url.host.toUpperCase()}${url.pathname}` // HTTP://127.0.0.1:PORT/mcp
      const token = (await signInAs(t, 'alice', 'wonderland', 'notes:read', { resource: shouted })).tokens.access_token
      expectEqual(claims(token).aud, t.mcpUrl, "the token's aud")
      rpcResult(await t.mcp(readNotes, { token }))
      const { server } = await discover(t)
      const clientId = await registerClient(server, REDIRECT_URI, (req) => t.send(req))
      await expectRedirectError(
        t,
        server,
        authorizationUrl(server, clientId, t.mcpUrl, { resource: `${url.origin}${url.pathname.toUpperCase()}` }),
        'invalid_target',
      )
    },
  },
  {
    id: 'bad-client',
    title: 'an unknown client_id or an unregistered redirect_uri gets an error page, never a redirect',
    spec: 'OAuth 2.1 §4.1.2.1, §7.12.2 (open redirectors)',
    async run(t) {
      const { server } = await discover(t)
      const clientId = await registerClient(server, REDIRECT_URI, (req) => t.send(req))
      for (const url of [
        authorizationUrl(server, 'no-such-client', t.mcpUrl),
        authorizationUrl(server, clientId, t.mcpUrl, { redirect_uri: 'http://127.0.0.1:9/elsewhere' }),
      ]) {
        const reply = await t.send({ url })
        expectStatus(reply, 400)
        assert(reply.headers.location === undefined, 'the error was redirected')
      }
    },
  },
  {
    id: 'registration-policy',
    title: 'registration refuses javascript:, fragment and plain-http non-loopback redirect URIs',
    spec: 'RFC 7591 §2, §3.2.2, RFC 8252 §7.3, §8.3',
    async run(t) {
      const { server } = await discover(t)
      for (const uri of ['javascript:alert(1)', 'http://127.0.0.1:9/cb#frag', 'http://attacker.example/cb']) {
        const reply = await t.send({
          url: server.registration_endpoint,
          body: { redirect_uris: [uri], token_endpoint_auth_method: 'none' },
        })
        expectStatus(reply, 400)
        assert(['invalid_redirect_uri', 'invalid_client_metadata'].includes(reply.json?.error), `${uri}: error ${reply.json?.error}`)
      }
    },
  },
  {
    id: 'metadata-document-ssrf',
    title: 'client ID metadata documents are advertised; a client id URL on loopback or a private address is refused, never fetched',
    spec: 'draft-ietf-oauth-client-id-metadata-document (SSRF), RFC 6890, MCP authorization §Client ID Metadata Documents',
    async run(t) {
      assert(
        process.env.ALLOW_LOOPBACK_CLIENT_METADATA !== '1',
        'unset ALLOW_LOOPBACK_CLIENT_METADATA: this check needs the production policy',
      )
      const { server } = await discover(t)
      expectEqual(server.client_id_metadata_document_supported, true, 'client_id_metadata_document_supported')
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
          const reply = await t.send({ url: authorizationUrl(server, clientId, t.mcpUrl) })
          expectStatus(reply, 400)
          assert(reply.headers.location === undefined, `${clientId}: the error was redirected`)
          const text = pageText(reply.text, 400)
          assert(/invalid_client/.test(text) && reason.test(text), `${clientId}: the error page says "${text}"`)
        }
        expectEqual(connections(), 0, 'connections the provider made to the loopback port a client id named')
      })
    },
  },
  {
    id: 'alice-cannot-purge',
    title: 'alice asks for notes:admin too, the provider grants only what she holds: purge → 403 insufficient_scope',
    spec: 'RFC 6749 §3.3 (issued scope may differ), RFC 6750 §3.1',
    async run(t) {
      const session = await alice(t, 'notes:read notes:write notes:admin')
      expectEqual(session.tokens.scope, 'notes:read notes:write', 'the granted scope')
      expectStepUp(await t.mcp(call('purge_notes'), { token: session.tokens.access_token }), 'notes:admin')
    },
  },
  {
    id: 'bob-read-only',
    title: 'bob gets notes:read only: adding → 403 insufficient_scope, scope="notes:write"',
    spec: 'RFC 6750 §3.1',
    async run(t) {
      const session = await signInAs(t, 'bob', 'builder', 'notes:read notes:write')
      expectEqual(session.tokens.scope, 'notes:read', 'the granted scope')
      expectStepUp(await t.mcp(call('add_note', { text: 'hi' }), { token: session.tokens.access_token }), 'notes:write')
    },
  },
  {
    id: 'step-up-carol',
    title: 'step-up: carol signs in for notes:admin and purges',
    spec: 'MCP authorization §Step-Up Authorization Flow',
    async run(t) {
      const token = (await signInAs(t, 'carol', 'sesame', 'notes:read notes:write notes:admin')).tokens.access_token
      expectEqual(claims(token).scope, 'notes:read notes:write notes:admin', "the token's scope")
      rpcResult(await t.mcp(call('add_note', { text: 'doomed' }), { token }))
      expectEqual(rpcResult(await t.mcp(call('purge_notes'), { token })).content?.[0]?.text, 'Purged 1 note(s).', 'purge_notes answer')
    },
  },
  {
    id: 'refresh-rotation',
    title: 'refresh rotates the refresh token; reusing the old one fails and ends the whole grant',
    spec: 'OAuth 2.1 §4.3.1, RFC 9700 §4.14.2',
    async run(t) {
      const session = await alice(t)
      const old = session.tokens.refresh_token
      assert(old !== undefined, 'no refresh token was issued')
      const fresh = await refresh(session.server, session.clientId, old, (req) => t.send(req))
      expectStatus(fresh, 200)
      assert(fresh.json.refresh_token !== old, 'the refresh token did not rotate')
      rpcResult(await t.mcp(readNotes, { token: fresh.json.access_token }))
      const reused = await refresh(session.server, session.clientId, old, (req) => t.send(req))
      expectStatus(reused, 400)
      expectEqual(reused.json?.error, 'invalid_grant', 'reusing the rotated refresh token')
      expectEqual(
        (await refresh(session.server, session.clientId, fresh.json.refresh_token, (req) => t.send(req))).json?.error,
        'invalid_grant',
        'the new refresh token after reuse',
      )
    },
  },
  {
    id: 'wrong-audience',
    title: 'a token the provider issued for another MCP server → 401 invalid_token here',
    spec: 'RFC 8707 §2, RFC 9068 §4, MCP security (token passthrough)',
    async run(t) {
      const other = `http://127.0.0.1:${t.port === 1 ? 2 : 1}/mcp`
      const token = (await signInAs(t, 'alice', 'wonderland', 'notes:read', { resource: other })).tokens.access_token
      expectEqual(claims(token).aud, other, "the token's aud")
      expectChallenge(await t.mcp(readNotes, { token }), 401, 'invalid_token')
    },
  },
  {
    id: 'forged',
    title: 'a real token forged: alg none, payload altered, HS256 with the public key, a key in the header, an unknown kid → 401',
    spec: 'RFC 8725 §2.1, §3.1, §3.10, RFC 7515 §5.2, RFC 7517 §4.5',
    async run(t) {
      const token = (await alice(t)).tokens.access_token
      const [head, body, signature] = token.split('.')
      const encode = (value: unknown) => base64url.encode(JSON.stringify(value))
      const { server } = await discover(t)
      const published = (await t.send({ url: server.jwks_uri })).json.keys.find((key: JWK) => key.kid === header(token).kid)
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
        const reply = await t.mcp(readNotes, { token: forged })
        assert(
          reply.status === 401 && reply.challenge?.params.error === 'invalid_token',
          `${what}: HTTP ${reply.status} ${reply.challenge?.params.error ?? ''}`,
        )
      }
    },
  },
  {
    id: 'id-token',
    title: 'an ID token from the same provider (same key, typ JWT, aud = the client) is not an access token → 401',
    spec: 'RFC 9068 §4, RFC 8725 §3.11 (explicit typing), OpenID Connect Core §2',
    async run(t) {
      const session = await alice(t, 'openid notes:read')
      const idToken = (session.tokenReply.json as { id_token?: string }).id_token
      assert(idToken !== undefined, 'no ID token was issued for scope openid')
      expectEqual(claims(idToken).aud, session.clientId, "the ID token's aud")
      expectChallenge(await t.mcp(readNotes, { token: idToken }), 401, 'invalid_token')
    },
  },
  {
    id: 'jwt-outlives-revocation',
    title: 'revoking the grant does not recall a JWT: it verifies here until it expires (keep them short)',
    spec: 'RFC 7009 §2, RFC 9068 §5 (security considerations), RFC 7662 §1',
    async run(t) {
      const session = await alice(t)
      expectStatus(
        await revoke(session.server, session.clientId, session.tokens.refresh_token!, 'refresh_token', (req) => t.send(req)),
        200,
      )
      expectEqual(
        (await refresh(session.server, session.clientId, session.tokens.refresh_token!, (req) => t.send(req))).json?.error,
        'invalid_grant',
        'refreshing after revocation',
      )
      // The limit of local validation, shown rather than hidden: nothing tells this server.
      rpcResult(await t.mcp(readNotes, { token: session.tokens.access_token }))
      assert(
        claims(session.tokens.access_token).exp - claims(session.tokens.access_token).iat <= 600,
        'access tokens live longer than 10 minutes',
      )
    },
  },
  {
    id: 'introspection-token',
    title: 'introspection mode (a second pair: opaque tokens, TOKEN_VALIDATION=introspection): the token reads notes',
    spec: 'RFC 7662 §2, RFC 6750 §2.1',
    async run(t) {
      const p = await introspectionPair()
      const { tokens } = await opaqueSession(t, p)
      assert(tokens.access_token.split('.').length !== 3, 'the provider issued a JWT, not an opaque token')
      const result = rpcResult(await t.send({ url: p.mcpUrl, headers: mcpHeaders(tokens.access_token), body: readNotes }))
      assert(result.content?.[0]?.text?.startsWith('Notes of alice'), `unexpected answer: ${result.content?.[0]?.text}`)
    },
  },
  {
    id: 'introspection-revocation',
    title: 'introspection mode: a revoked token is refused on the very next request',
    spec: 'RFC 7009 §2, RFC 7662 §2.2 (active: false)',
    async run(t) {
      const p = await introspectionPair()
      const session = await opaqueSession(t, p)
      const token = session.tokens.access_token
      rpcResult(await t.send({ url: p.mcpUrl, headers: mcpHeaders(token), body: readNotes }))
      expectStatus(await revoke(session.server, session.clientId, token, 'access_token', (req) => t.send(req)), 200)
      expectChallenge(await t.send({ url: p.mcpUrl, headers: mcpHeaders(token), body: readNotes }), 401, 'invalid_token')
    },
  },
  {
    id: 'introspection-refusals',
    title: 'introspection mode: garbage, a JWT, a token for another server → 401; an expired token → 401',
    spec: 'RFC 7662 §2.2, RFC 8707 §2, RFC 6750 §3.1',
    async run(t) {
      const p = await introspectionPair()
      const refusedThere = async (token: string) =>
        expectChallenge(await t.send({ url: p.mcpUrl, headers: mcpHeaders(token), body: readNotes }), 401, 'invalid_token')
      await refusedThere('not-a-token')
      await refusedThere((await alice(t)).tokens.access_token) // the first provider's JWT
      await refusedThere((await opaqueSession(t, p, `http://127.0.0.1:${p.rs.port === 1 ? 2 : 1}/mcp`)).tokens.access_token)
      // This provider's tokens live 5 seconds: valid first, then ask until the answer changes (at most 15 s).
      const { tokens } = await opaqueSession(t, p)
      const ask = () => t.send({ url: p.mcpUrl, headers: mcpHeaders(tokens.access_token), body: readNotes })
      let reply = await ask()
      rpcResult(reply)
      for (const deadline = Date.now() + 15_000; reply.status === 200 && Date.now() < deadline; reply = await ask()) await pause(250)
      expectChallenge(reply, 401, 'invalid_token')
    },
  },
  {
    id: 'introspection-needs-credentials',
    title: 'the introspection endpoint answers only the resource server: no credentials → refused, a public client → active: false',
    spec: 'RFC 7662 §2.1, §4',
    async run(t) {
      const p = await introspectionPair()
      const session = await opaqueSession(t, p)
      const anonymous = await t.send({ url: session.server.introspection_endpoint, form: { token: session.tokens.access_token } })
      expectStatus(anonymous, 400, 401)
      const asClient = await t.send({
        url: session.server.introspection_endpoint,
        form: { token: session.tokens.access_token, client_id: session.clientId },
      })
      expectStatus(asClient, 200)
      expectEqual(asClient.json, { active: false }, 'the answer to the client itself')
    },
  },
  {
    id: 'provider-down',
    title: 'provider down → 503 with Retry-After, never a pass; restarted on its data, the grant lives on; no token in any log',
    spec: 'RFC 9110 §15.6.4, §10.2.3 (fail closed, honestly), OAuth 2.1 §4.3, MCP security (no tokens in logs)',
    async run(t) {
      const p = await introspectionPair()
      const session = await opaqueSession(t, p)
      const logs = [p.idp, p.rs]
      await p.idp.stop()
      try {
        const reply = await t.send({ url: p.mcpUrl, headers: mcpHeaders(session.tokens.access_token), body: readNotes })
        expectStatus(reply, 503)
        assert(reply.headers['retry-after'] !== undefined, 'no Retry-After header')
        // no token: still a plain challenge
        expectChallenge(await t.send({ url: p.mcpUrl, headers: mcpHeaders(), body: readNotes }), 401, undefined)
        // The same provider again, on the same port and data: clients, grants and refresh tokens were in SQLite.
        p.idp = await p.startIdp(p.idp.port)
        logs.push(p.idp)
        const renewed = await refresh(session.server, session.clientId, session.tokens.refresh_token!, (req) => t.send(req))
        expectStatus(renewed, 200)
        p.tokens.push(renewed.json.access_token, renewed.json.refresh_token)
        rpcResult(await t.send({ url: p.mcpUrl, headers: mcpHeaders(renewed.json.access_token), body: readNotes })) // recovered, no restart
        const output = logs.map((running) => running.output()).join('')
        for (const token of p.tokens.filter(Boolean)) assert(!output.includes(token), 'a token appeared in a log line')
      } finally {
        await p.idp.stop()
        await p.rs.stop()
        rmSync(p.dataDir, { recursive: true, force: true })
        pair = undefined
      }
    },
  },
  {
    id: 'key-rotation',
    title: 'key rotation, live: the new kid verifies after exactly one JWKS refetch, the old token still verifies',
    spec: 'RFC 7517 §4.5, RFC 8414 §2 (jwks_uri), OpenID Connect Core §10.1.1 (rotation)',
    async run(t) {
      const { issuer } = await discover(t)
      const keys = async () => (await t.send({ url: `${issuer}/dev/keys` })).json as { signing_kid: string; jwks_requests: number }
      const before = await alice(t)
      const oldToken = before.tokens.access_token
      rpcResult(await t.mcp(readNotes, { token: oldToken })) // this server has the current keys cached
      const fetched = (await keys()).jwks_requests
      const rotated = await t.send({ url: `${issuer}/dev/rotate-keys`, method: 'POST' })
      expectStatus(rotated, 200)
      expectEqual(rotated.json.previous_kid, header(oldToken).kid, 'the key that signed until now')
      const renewed = await refresh(before.server, before.clientId, before.tokens.refresh_token!, (req) => t.send(req))
      expectStatus(renewed, 200)
      const newToken = renewed.json.access_token
      expectEqual(header(newToken).kid, rotated.json.signing_kid, "the new token's kid")
      // jose refetches on an unknown kid, but at most once per cooldown (5 s here): poll, never sleep blindly.
      const deadline = Date.now() + 15_000
      let reply = await t.mcp(readNotes, { token: newToken })
      while (reply.status !== 200 && Date.now() < deadline) {
        expectChallenge(reply, 401, 'invalid_token') // while cooling down: refused, never passed, never a 5xx
        await pause(250)
        reply = await t.mcp(readNotes, { token: newToken })
      }
      rpcResult(reply)
      expectEqual((await keys()).jwks_requests - fetched, 1, 'JWKS fetches by this server since the rotation')
      rpcResult(await t.mcp(readNotes, { token: oldToken })) // the old key is still published
    },
  },
  {
    id: 'lab6-client',
    title: "lab 6's client, unchanged, walks the whole flow against the provider: step-up, refresh, revocation",
    spec: 'MCP authorization §Authorization Flow Steps, RFC 8414 §3',
    async run(t) {
      const run = await walk(t.mcpUrl, freshClientData())
      assert(run.code === 0, `the walk exited ${run.code}:\n${run.output.split('\n').slice(-6).join('\n')}`)
      for (const leg of ['Registration', 'Token exchange', 'Step-up', 'Refresh', 'Revocation'])
        assert(run.legs.includes(leg), `no "${leg}" leg`)
      assert(run.output.includes('stepped up: the new token carries notes:admin'), 'carol did not step up at the provider')
      // Local JWT validation cannot see a revocation before the token expires: the client says so.
      assert(run.output.includes('the revoked refresh token is refused'), 'the provider did not revoke the refresh token')
      assert(/Tool result\n/.test(run.output), 'the walk did not end with a tool result')
    },
  },
  {
    id: 'lab6-client-metadata-document',
    title: "lab 6's client registers by metadata document and walks the flow (an https URL here, with ALLOW_LOOPBACK_CLIENT_METADATA=1)",
    spec: 'MCP authorization §Client ID Metadata Documents, draft-ietf-oauth-client-id-metadata-document §3, §4',
    async run(t) {
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
        const { server } = await discover(t, `${rs.base}/mcp`)
        const reply = await t.send({ url: authorizationUrl(server, 'https://10.0.0.1/client.json', `${rs.base}/mcp`) })
        expectStatus(reply, 400)
        assert(/private, loopback or reserved/.test(pageText(reply.text, 400)), `10.0.0.1: ${pageText(reply.text)}`)
      } finally {
        await Promise.all(running.map((p) => p.stop()))
        document.close()
        rmSync(dir, { recursive: true, force: true })
      }
    },
  },
]

await runIfMain(import.meta.url)
