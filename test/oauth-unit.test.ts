// Lab 5's authorization server, piece by piece: the pure rules, the metadata-document fetcher
// against a local server, and the lifetimes with an injected clock (no sleeping).
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clientIdUrlProblem, fetchClientMetadataDocument } from '../labs/05-oauth/oauth/client-metadata-document.ts'
import { authorizationServer, type AuthorizationServer } from '../labs/05-oauth/oauth/index.ts'
import { isValidVerifier, s256, verifyPkce } from '../labs/05-oauth/oauth/pkce.ts'
import { rateLimit } from '../labs/05-oauth/oauth/rate-limit.ts'
import { redirectUriMatches, redirectUriProblem } from '../labs/05-oauth/oauth/redirect-uris.ts'
import { classifyAddress, isFetchableAddress } from '../labs/05-oauth/oauth/ssrf.ts'
import { CheckContext } from '@workshop/kit/checks'
import { authorizeAs, exchangeCode, obtainTokens, refreshTokens, startAuthorization, signIn } from '@workshop/kit/oauth-flow'

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  )
}

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
  let listener: Server
  let t: CheckContext

  beforeAll(async () => {
    const app = express()
    listener = createServer(app)
    const base = await listen(listener)
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
    as = authorizationServer({
      issuer: base,
      resource: `${base}/mcp`,
      scopes: ['notes:read', 'notes:write', 'notes:admin'],
      jwksUri: `${base}/.well-known/jwks.json`,
      signingKey: { privateKey, kid: 'test' },
      databaseFile: ':memory:',
      clock: () => now,
    })
    app.use(as.router)
    t = new CheckContext(base)
  })
  afterAll(() => {
    listener.closeAllConnections()
    listener.close()
    as.close()
  })

  it('a code works within its lifetime (OAuth 2.1 §4.1.2: at most 10 minutes)', async () => {
    const { code, pkce, client } = await authorizeAs(t, { user: 'alice' })
    now += 100_000
    expect((await exchangeCode(t, { client, code, verifier: pkce.verifier })).status).toBe(200)
  })
  it('an expired code → invalid_grant', async () => {
    const { code, pkce, client } = await authorizeAs(t, { user: 'alice' })
    now += 121_000
    const reply = await exchangeCode(t, { client, code, verifier: pkce.verifier })
    expect([reply.status, reply.json.error]).toEqual([400, 'invalid_grant'])
  })
  it('an access token stops being active when it expires', async () => {
    const { access_token } = await obtainTokens(t, { user: 'alice' })
    const jti = JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString()).jti
    expect(as.isAccessTokenActive(jti)).toBe(true)
    now += 601_000
    expect(as.isAccessTokenActive(jti)).toBe(false)
    expect(as.isAccessTokenActive('never-issued')).toBe(false)
  })
  it('a refresh token expires after 14 days unused, and each rotation restarts the clock', async () => {
    const tokens = await obtainTokens(t, { user: 'alice' })
    now += 13 * 86_400_000
    const rotated = await refreshTokens(t, { client: tokens.client, refreshToken: tokens.refresh_token! })
    expect(rotated.status).toBe(200)
    now += 13 * 86_400_000
    expect((await refreshTokens(t, { client: tokens.client, refreshToken: rotated.json.refresh_token })).status).toBe(200)
    const stale = await obtainTokens(t, { user: 'alice' })
    now += 14 * 86_400_000 + 1000
    const reply = await refreshTokens(t, { client: stale.client, refreshToken: stale.refresh_token! })
    expect([reply.status, reply.json.error]).toEqual([400, 'invalid_grant'])
  })
  it('a pending sign-in expires after 10 minutes: an error page, no redirect', async () => {
    const attempt = await startAuthorization(t)
    now += 601_000
    const reply = await signIn(t, attempt, 'alice')
    expect(reply.status).toBe(400)
    expect(reply.headers.location).toBeUndefined()
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
