// Lab 5's authorization server, piece by piece: the pure rules, the metadata-document fetcher
// against a local server, and the lifetimes with an injected clock (no sleeping).
import { createServer, type ServerResponse } from 'node:http'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { cacheLifetime, clientIdUrlProblem, fetchClientMetadataDocument } from '../labs/05-oauth/oauth/client-metadata-document.ts'
import { REUSE_INTERVAL } from '../labs/05-oauth/oauth/grant-refresh-token.ts'
import type { AuthorizationServer } from '../labs/05-oauth/oauth/index.ts'
import { isValidVerifier, s256, verifyPkce } from '../labs/05-oauth/oauth/pkce.ts'
import { rateLimit } from '../labs/05-oauth/oauth/rate-limit.ts'
import { redirectUriMatches, redirectUriProblem } from '../labs/05-oauth/oauth/redirect-uris.ts'
import { sameResource } from '../labs/05-oauth/oauth/resource.ts'
import { classifyAddress, isFetchableAddress } from '../labs/05-oauth/oauth/ssrf.ts'
import { send } from '@workshop/kit/http'
import { type AuthorizationServer as OAuthClient, type RegisteredClient } from '@workshop/kit/oauth-client'
import { inProcess, listen } from './oauth-in-process.ts'

describe('redirect URI matching (OAuth 2.1 §4.1.1, RFC 8252 §7.3)', () => {
  const registered = 'https://client.example/cb'
  it.each([
    ['the same string', registered, true],
    ['a trailing slash', 'https://client.example/cb/', false],
    ['another port', 'https://client.example:8443/cb', false],
    ['the default port spelled out', 'https://client.example:443/cb', false],
    ['upper-case host', 'https://CLIENT.example/cb', false],
    ['a query', 'https://client.example/cb?x=1', false],
    ['a fragment', 'https://client.example/cb#x', false],
    ['http', 'http://client.example/cb', false],
  ])('%s', (_what, requested, expected) => {
    expect(redirectUriMatches(requested, registered)).toBe(expected)
  })

  it.each([
    ['127.0.0.1 on another port', 'http://127.0.0.1:1234/cb', 'http://127.0.0.1:5678/cb', true],
    ['127.0.0.1 without a port', 'http://127.0.0.1/cb', 'http://127.0.0.1:5678/cb', true],
    ['[::1] on another port', 'http://[::1]:1234/cb', 'http://[::1]:80/cb', true],
    ['localhost is not an IP literal: exact only', 'http://localhost:1234/cb', 'http://localhost:5678/cb', false],
    ['another path', 'http://127.0.0.1:1234/other', 'http://127.0.0.1:5678/cb', false],
    ['another loopback IP', 'http://127.0.0.2:1234/cb', 'http://127.0.0.1:1234/cb', false],
    ['https loopback is not relaxed', 'https://127.0.0.1:1234/cb', 'https://127.0.0.1:5678/cb', false],
    ['a port that cannot exist', 'http://127.0.0.1:99999/cb', 'http://127.0.0.1:5678/cb', false],
    ['userinfo smuggled after the host', 'http://127.0.0.1:1234@evil.example/cb', 'http://127.0.0.1:5678/cb', false],
  ])('loopback: %s', (_what, requested, registeredUri, expected) => {
    expect(redirectUriMatches(requested, registeredUri)).toBe(expected)
  })

  it.each([
    ['https', 'https://client.example/cb', true],
    ['http on 127.0.0.1', 'http://127.0.0.1:8976/callback', true],
    ['http on [::1]', 'http://[::1]/callback', true],
    ['http on localhost', 'http://localhost:3000/callback', true],
    ['http elsewhere', 'http://client.example/cb', false],
    ['javascript:', 'javascript:alert(1)', false],
    ['data:', 'data:text/html,hi', false],
    ['a custom scheme', 'com.example.app:/cb', false],
    ['a fragment', 'https://client.example/cb#x', false],
    ['userinfo', 'https://user:pw@client.example/cb', false],
    ['relative', '/cb', false],
  ])('registering %s', (_what, uri, allowed) => {
    expect(redirectUriProblem(uri) === undefined).toBe(allowed)
  })
})

describe('resource indicators: scheme and host in any case, the rest exact (RFC 3986 §6.2.2.1, RFC 8707)', () => {
  const canonical = 'https://mcp.example.com/mcp'
  it.each([
    ['the canonical URI', canonical, true],
    ['an upper-case scheme', 'HTTPS://mcp.example.com/mcp', true],
    ['an upper-case host', 'https://MCP.Example.COM/mcp', true],
    ['an upper-case path', 'https://mcp.example.com/MCP', false],
    ['a trailing slash', 'https://mcp.example.com/mcp/', false],
    ['a query', 'https://mcp.example.com/mcp?x=1', false],
    ['a dot segment', 'https://mcp.example.com/./mcp', false],
    ['the default port spelled out', 'https://mcp.example.com:443/mcp', false],
    ['another host', 'https://mcp.example.org/mcp', false],
    ['not a URI', 'mcp', false],
  ])('%s', (_what, presented, same) => {
    expect(sameResource(presented, canonical)).toBe(same)
  })
})

describe('PKCE (RFC 7636)', () => {
  it('computes the S256 challenge of Appendix B', () => {
    expect(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')
    expect(verifyPkce('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM')).toBe(true)
  })

  it.each([
    ['42 characters', 'a'.repeat(42), false],
    ['43 characters', 'a'.repeat(43), true],
    ['128 characters', 'a'.repeat(128), true],
    ['129 characters', 'a'.repeat(129), false],
    ['all unreserved kinds', `${'A1'.repeat(20)}-._~`, true],
    ['a plus sign', `${'a'.repeat(43)}+`, false],
    ['a space', `${'a'.repeat(43)} `, false],
    ['non-ASCII', `${'a'.repeat(43)}é`, false],
  ])('a verifier of %s', (_what, verifier, valid) => {
    expect(isValidVerifier(verifier)).toBe(valid)
    expect(verifyPkce(verifier, s256(verifier))).toBe(valid)
  })

  it('refuses a verifier that does not hash to the challenge', () => {
    expect(verifyPkce('b'.repeat(43), s256('a'.repeat(43)))).toBe(false)
  })
})

describe('SSRF guard: address classification (RFC 6890)', () => {
  it.each([
    ['93.184.215.14', 'public'],
    ['2606:4700::1111', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'special-use'],
    ['10.1.2.3', 'special-use'],
    ['172.16.0.1', 'special-use'],
    ['192.168.1.1', 'special-use'],
    ['169.254.169.254', 'special-use'],
    ['100.64.0.1', 'special-use'],
    ['0.0.0.0', 'special-use'],
    ['224.0.0.1', 'special-use'],
    ['255.255.255.255', 'special-use'],
    ['fd00::1', 'special-use'],
    ['fe80::1', 'special-use'],
    ['ff02::1', 'special-use'],
    ['::ffff:10.0.0.1', 'special-use'],
    ['64:ff9b::a00:1', 'special-use'],
    ['::', 'special-use'],
    ['not-an-ip', 'special-use'],
  ])('%s is %s', (ip, kind) => {
    expect(classifyAddress(ip)).toBe(kind)
  })

  it('fetches loopback only with the lab opt-in', () => {
    expect(isFetchableAddress('127.0.0.1', false)).toBe(false)
    expect(isFetchableAddress('127.0.0.1', true)).toBe(true)
    expect(isFetchableAddress('10.0.0.1', true)).toBe(false)
  })
})

describe('client ID metadata documents', () => {
  it.each([
    ['https://client.example/oauth.json', false, undefined],
    ['http://client.example/oauth.json', false, 'https'],
    ['http://127.0.0.1:5000/oauth.json', false, 'https'],
    ['http://127.0.0.1:5000/oauth.json', true, undefined],
    ['https://client.example', false, 'path'],
    ['https://client.example/a#b', false, 'fragment'],
    ['https://u:p@client.example/a', false, 'user name'],
    ['https://client.example/a?b=c', false, 'query'],
    ['https://client.example:8443/a', false, 'port'],
    ['https://client.example/x/../a', false, 'normal form'],
    ['https://Client.example/a', false, 'normal form'],
    ['not a url', false, 'valid URL'],
  ])('client id %s (loopback allowed: %s)', (url, allowLoopback, problem) => {
    const found = clientIdUrlProblem(url, allowLoopback)
    if (problem === undefined) expect(found).toBeUndefined()
    else expect(found).toContain(problem)
  })

  describe('fetching, from a local server (the lab opt-in)', () => {
    let base: string
    const routes = new Map<string, (res: ServerResponse) => void>()
    const server = createServer((req, res) => (routes.get(req.url ?? '') ?? ((r: ServerResponse) => r.writeHead(404).end()))(res))
    const json = (body: unknown) => (res: ServerResponse) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
    const fetchDoc = (path: string, allowLoopback = true, timeoutMs?: number) =>
      fetchClientMetadataDocument(`${base}${path}`, 0, { allowLoopback, timeoutMs })

    beforeAll(async () => {
      base = await listen(server)
      const doc = (path: string, extra: object = {}) => ({
        client_id: `${base}${path}`,
        client_name: 'Doc client',
        redirect_uris: ['http://127.0.0.1:7777/cb'],
        ...extra,
      })
      routes.set('/good.json', json(doc('/good.json', { grant_types: ['authorization_code', 'refresh_token'] })))
      routes.set('/other-id.json', json(doc('/somewhere-else.json')))
      routes.set('/secret.json', json(doc('/secret.json', { client_secret: 's3cret' })))
      routes.set('/basic.json', json(doc('/basic.json', { token_endpoint_auth_method: 'client_secret_basic' })))
      routes.set('/bad-redirect.json', json(doc('/bad-redirect.json', { redirect_uris: ['javascript:alert(1)'] })))
      routes.set('/html.json', (res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>hi</p>'))
      routes.set('/redirect.json', (res) => res.writeHead(302, { Location: `${base}/good.json` }).end())
      routes.set('/big.json', (res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' }) // chunked: no Content-Length to trust
        res.write(`{"client_id":"${base}/big.json","padding":"`)
        res.end(`${'x'.repeat(10_000)}"}`)
      })
      routes.set('/slow.json', () => {}) // never answers
    })
    afterAll(() => {
      server.closeAllConnections()
      server.close()
    })

    it('accepts a good document as a public client', async () => {
      const client = await fetchDoc('/good.json')
      expect(client).toMatchObject({
        client_id: `${base}/good.json`,
        client_name: 'Doc client',
        token_endpoint_auth_method: 'none',
        source: 'metadata_document',
      })
      expect(client.grant_types).toEqual(['authorization_code', 'refresh_token'])
    })
    it.each([
      ['/good.json', false, 'https'], // without the opt-in an http loopback URL is refused outright
      ['/other-id.json', true, 'not the URL'],
      ['/secret.json', true, 'client_secret'],
      ['/basic.json', true, 'not acceptable'],
      ['/bad-redirect.json', true, 'redirect URI'],
      ['/html.json', true, 'application/json'],
      ['/redirect.json', true, 'not followed'],
      ['/big.json', true, 'larger than'],
      ['/missing.json', true, '404'],
    ])('refuses %s (opt-in %s): %s', async (path, allowLoopback, message) => {
      await expect(fetchDoc(path, allowLoopback)).rejects.toThrow(message)
    })
    it('gives up after the timeout', async () => {
      await expect(fetchDoc('/slow.json', true, 200)).rejects.toThrow('longer than')
    })
    it('refuses a name that resolves to loopback, without the opt-in (SSRF)', async () => {
      await expect(fetchClientMetadataDocument('https://localhost/oauth.json', 0, { allowLoopback: false })).rejects.toThrow(
        'private, loopback or reserved',
      )
    })
  })
})

describe('lifetimes, with an injected clock', () => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  let as: AuthorizationServer
  let oauth: OAuthClient
  let stop: () => void

  beforeAll(async () => {
    ;({ as, oauth, stop } = await inProcess(() => now))
  })
  afterAll(() => stop())

  it('a code works within its lifetime (OAuth 2.1 §4.1.2: at most 10 minutes)', async () => {
    const { code, pkce, client } = await oauth.authorize({ user: 'alice' })
    now += 100_000
    expect((await oauth.exchange({ client, code, verifier: pkce.verifier })).status).toBe(200)
  })
  it('an expired code → invalid_grant', async () => {
    const { code, pkce, client } = await oauth.authorize({ user: 'alice' })
    now += 121_000
    const reply = await oauth.exchange({ client, code, verifier: pkce.verifier })
    expect([reply.status, reply.json.error]).toEqual([400, 'invalid_grant'])
  })
  it('an access token stops being active when it expires', async () => {
    const { access_token } = await oauth.tokens({ user: 'alice' })
    const jti = JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString()).jti
    expect(as.isAccessTokenActive(jti)).toBe(true)
    now += 601_000
    expect(as.isAccessTokenActive(jti)).toBe(false)
    expect(as.isAccessTokenActive('never-issued')).toBe(false)
  })
  it('a refresh token expires after 14 days unused, and each rotation restarts the clock', async () => {
    const tokens = await oauth.tokens({ user: 'alice' })
    now += 13 * 86_400_000
    const rotated = await oauth.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
    expect(rotated.status).toBe(200)
    now += 13 * 86_400_000
    expect((await oauth.refresh({ client: tokens.client, refreshToken: rotated.json.refresh_token })).status).toBe(200)
    const stale = await oauth.tokens({ user: 'alice' })
    now += 14 * 86_400_000 + 1000
    const reply = await oauth.refresh({ client: stale.client, refreshToken: stale.refresh_token! })
    expect([reply.status, reply.json.error]).toEqual([400, 'invalid_grant'])
  })
  it(`a rotated refresh token presented again within ${REUSE_INTERVAL} s is a retry; after that, reuse that ends the grant`, async () => {
    const tokens = await oauth.tokens({ user: 'alice' })
    const lost = await oauth.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
    now += (REUSE_INTERVAL - 1) * 1000
    const retry = await oauth.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
    expect([lost.status, retry.status]).toEqual([200, 200])
    // The interval counts from the first rotation: retrying does not extend it.
    now += 2000
    const late = await oauth.refresh({ client: tokens.client, refreshToken: tokens.refresh_token! })
    expect([late.status, late.json.error]).toEqual([400, 'invalid_grant'])
    const family = await oauth.refresh({ client: tokens.client, refreshToken: retry.json.refresh_token })
    expect([family.status, family.json.error], 'the whole family is dead').toEqual([400, 'invalid_grant'])
  })
  it('a pending sign-in expires after 10 minutes: an error page, no redirect', async () => {
    const attempt = await oauth.start()
    now += 601_000
    const reply = (await oauth.signIn(attempt, 'alice')).reply
    expect(reply.status).toBe(400)
    expect(reply.headers.location).toBeUndefined()
  })
})

describe('client ID metadata documents at /authorize, with an injected clock', () => {
  let now = Date.parse('2030-01-01T00:00:00Z')
  let oauth: OAuthClient
  let stop: () => void
  // Each document: its name, redirect URI and headers, which a test may change; and how often it was fetched.
  const documents = new Map<string, { name: string; redirectUri: string; headers: Record<string, string>; fetches: number }>()
  const documentServer = createServer((req, res) => {
    const doc = documents.get(req.url ?? '')
    if (doc === undefined) return void res.writeHead(404).end()
    doc.fetches++
    res.writeHead(200, { 'Content-Type': 'application/json', ...doc.headers })
    res.end(JSON.stringify({ client_id: `${documentBase}${req.url}`, client_name: doc.name, redirect_uris: [doc.redirectUri] }))
  })
  let documentBase: string
  const serve = (path: string, headers: Record<string, string>, redirectUri = 'http://127.0.0.1:9692/callback') => {
    documents.set(path, { name: 'First name', redirectUri, headers, fetches: 0 })
    return { client_id: `${documentBase}${path}`, token_endpoint_auth_method: 'none', redirect_uris: [redirectUri] } as RegisteredClient
  }
  /** The name the sign-in page shows for the client, after GET /authorize. */
  const shownName = async (client: RegisteredClient) => {
    const { reply } = await oauth.start({ client })
    expect(reply.status, reply.text).toBe(200)
    return /<strong>([^<]*)<\/strong>/.exec(reply.text)?.[1]
  }

  beforeAll(async () => {
    documentBase = await listen(documentServer)
    vi.stubEnv('ALLOW_LOOPBACK_CLIENT_METADATA', '1') // the lab's opt-in: documents on 127.0.0.1
    ;({ oauth, stop } = await inProcess(() => now))
    vi.unstubAllEnvs()
  })
  afterAll(() => {
    stop()
    documentServer.closeAllConnections()
    documentServer.close()
  })

  it.each([
    ['no-store', { 'Cache-Control': 'no-store' }, 0],
    ['no-cache', { 'Cache-Control': 'no-cache' }, 0],
    ['max-age=0', { 'Cache-Control': 'max-age=0' }, 0],
    ['max-age=600', { 'Cache-Control': 'public, max-age=600' }, 600],
    ['max-age quoted', { 'Cache-Control': 'max-age="600"' }, 600],
    ['max-age=5, raised to the floor', { 'Cache-Control': 'max-age=5' }, 60],
    ['max-age of a year, cut to the ceiling', { 'Cache-Control': 'max-age=31536000' }, 86_400],
    ['an invalid max-age', { 'Cache-Control': 'max-age=soon' }, 0],
    ['Expires an hour after Date', { Date: 'Tue, 01 Jan 2030 00:00:00 GMT', Expires: 'Tue, 01 Jan 2030 01:00:00 GMT' }, 3600],
    ['Expires in the past', { Date: 'Tue, 01 Jan 2030 00:00:00 GMT', Expires: 'Mon, 31 Dec 2029 00:00:00 GMT' }, 0],
    ['Expires: 0', { Expires: '0' }, 0],
    ['max-age wins over Expires', { 'Cache-Control': 'max-age=600', Expires: '0' }, 600],
    ['no header: the heuristic', {}, 300],
  ])('cache lifetime with %s (RFC 9111 §4.2.1)', (_what, headers, seconds) => {
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
    expect(cacheLifetime(lower, Date.parse('2030-01-01T00:00:00Z') / 1000)).toBe(seconds)
  })

  it('a document served with no-store is fetched again for every authorization request: a change shows at once', async () => {
    const client = serve('/no-store.json', { 'Cache-Control': 'no-store' })
    expect(await shownName(client)).toBe('First name')
    documents.get('/no-store.json')!.name = 'Second name'
    expect(await shownName(client)).toBe('Second name')
    expect(documents.get('/no-store.json')!.fetches).toBe(2)
  })
  it('a document served with max-age=600 is used for 10 minutes, then fetched again', async () => {
    const client = serve('/max-age.json', { 'Cache-Control': 'max-age=600' })
    expect(await shownName(client)).toBe('First name')
    documents.get('/max-age.json')!.name = 'Second name'
    now += 599_000
    expect(await shownName(client)).toBe('First name')
    now += 2000
    expect(await shownName(client)).toBe('Second name')
    expect(documents.get('/max-age.json')!.fetches).toBe(2)
  })
  it('a document that asks to be kept a year is fetched again after a day', async () => {
    const client = serve('/a-year.json', { 'Cache-Control': 'max-age=31536000' })
    expect(await shownName(client)).toBe('First name')
    documents.get('/a-year.json')!.name = 'Second name'
    now += 86_401_000
    expect(await shownName(client)).toBe('Second name')
  })

  it('the consent page warns when every redirect URI of a URL client is on this machine, and says why', async () => {
    const attempt = await oauth.start({ client: serve('/loopback.json', {}) })
    const page = (await oauth.signIn(attempt, 'alice')).reply.text
    expect(page).toContain('Allow only if you started this application yourself, just now.')
    expect(page).toMatch(/Your answer goes to 127\.0\.0\.1:9692, a program on this computer, not to 127\.0\.0\.1:\d+:/)
  })
  it('no such warning for a URL client that receives codes at an https address', async () => {
    const attempt = await oauth.start({ client: serve('/https.json', {}, 'https://client.example/cb') })
    const page = (await oauth.signIn(attempt, 'alice')).reply.text
    expect(page).toContain('wants access to your notes')
    expect(page).not.toContain('Allow only if you started this application yourself')
  })
})

describe('GET /authorize is rate-limited: each request stores a pending sign-in', () => {
  it('answers 429 past 300 a minute from one address, and opens again in the next minute', async () => {
    let now = Date.parse('2030-01-01T00:00:00Z')
    const { base, stop } = await inProcess(() => now)
    try {
      const authorize = () => send({ url: `${base}/authorize?client_id=nobody` })
      for (let i = 0; i < 300; i++) expect((await authorize()).status).toBe(400) // the error page: unknown client
      const limited = await authorize()
      expect([limited.status, limited.json?.error]).toEqual([429, 'too_many_requests'])
      now += 60_000
      expect((await authorize()).status).toBe(400)
    } finally {
      stop()
    }
  })
})

describe('rate limit (fixed window per IP)', () => {
  it('answers 429 with Retry-After past the limit, and opens again in the next window', async () => {
    let now = 0
    const app = express()
    app.post(
      '/token',
      rateLimit(3, () => now),
      (_req, res) => void res.json({ ok: true }),
    )
    const server = createServer(app)
    const base = await listen(server)
    try {
      const post = () => fetch(`${base}/token`, { method: 'POST' })
      for (let i = 0; i < 3; i++) expect((await post()).status).toBe(200)
      now = 20_000
      const limited = await post()
      expect(limited.status).toBe(429)
      expect(limited.headers.get('retry-after')).toBe('40')
      expect((await limited.json()).error).toBe('too_many_requests')
      now = 60_000
      expect((await post()).status).toBe(200)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
})
