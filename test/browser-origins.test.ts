// The MCP Inspector in Direct mode calls a lab from its page at http://localhost:6274: every lab must
// answer its preflights and let it read the answers (CORS), including the challenge, the metadata,
// registration and the token endpoint, and lab 7's provider must do the same. Any other origin
// still gets 403, preflight included (MCP transports, "Security Warning"; lab 1's origin.ts).
// `npm run interop` drives the Inspector itself; this is the cheap part of it, for every lab.
import { beforeAll, describe, expect, it } from 'vitest'
import { send } from '@workshop/kit/http'
import { findLab } from '@workshop/kit/labs'
import { type LabServer, sharedOrStarted } from './shared-labs.ts'

const INSPECTOR = 'http://localhost:6274'
const INSPECTOR_BY_IP = 'http://127.0.0.1:6274'
const FOREIGN = 'http://evil.example'
const MCP_HEADERS = 'authorization, content-type, mcp-protocol-version'

/** What a browser sends before a cross-origin request that is not "simple" (Fetch standard, CORS-preflight request). */
const preflight = (url: string, origin: string, method = 'POST', headers = MCP_HEADERS) =>
  send({
    method: 'OPTIONS',
    url,
    headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': headers },
  })

const ping = (url: string, origin: string) =>
  send({
    url,
    headers: { Origin: origin, Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': '2025-11-25' },
    body: { jsonrpc: '2.0', id: 7, method: 'ping' },
  })

const listed = (header: string | string[] | undefined) =>
  String(header ?? '')
    .toLowerCase()
    .split(',')
    .map((h) => h.trim())

describe.each([1, 2, 3, 4, 5, 7])("lab %i's MCP server and the Inspector's origins", (n) => {
  let lab: LabServer
  beforeAll(async () => {
    lab = await sharedOrStarted(findLab(n))
  })

  it.each([INSPECTOR, INSPECTOR_BY_IP])('answers the preflight of %s for POST /mcp with its headers', async (origin) => {
    const reply = await preflight(lab.mcpUrl, origin)
    expect(reply.status).toBe(204)
    expect(reply.headers['access-control-allow-origin']).toBe(origin)
    expect(listed(reply.headers['access-control-allow-headers'])).toEqual(expect.arrayContaining(listed(MCP_HEADERS)))
    expect(listed(reply.headers['access-control-allow-methods'])).toContain('post')
  })

  it('lets the Inspector read the answer to POST /mcp, a 401 challenge included', async () => {
    const reply = await ping(lab.mcpUrl, INSPECTOR)
    expect(reply.status).toBe(n === 1 ? 200 : 401) // lab 1 has no authorization yet
    expect(reply.headers['access-control-allow-origin']).toBe(INSPECTOR)
    expect(listed(reply.headers['access-control-expose-headers'])).toContain('www-authenticate')
  })

  it('refuses a foreign origin with 403 and no CORS grant, preflight included', async () => {
    for (const reply of [await ping(lab.mcpUrl, FOREIGN), await preflight(lab.mcpUrl, FOREIGN)]) {
      expect(reply.status).toBe(403)
      expect(reply.headers['access-control-allow-origin']).toBeUndefined()
    }
  })

  if (n >= 3)
    it('lets the Inspector fetch the protected-resource metadata, sent with MCP-Protocol-Version', async () => {
      const url = `${lab.base}/.well-known/oauth-protected-resource/mcp`
      const check = await preflight(url, INSPECTOR, 'GET', 'mcp-protocol-version')
      expect(check.status).toBe(204)
      expect(check.headers['access-control-allow-origin']).toBe(INSPECTOR)
      const reply = await send({ url, headers: { Origin: INSPECTOR, 'MCP-Protocol-Version': '2025-11-25' } })
      expect(reply.status).toBe(200)
      expect(reply.headers['access-control-allow-origin']).toBe(INSPECTOR)
    })

  if (n === 5)
    it('lets the Inspector register and reach the token endpoint (lab 5)', async () => {
      const check = await preflight(`${lab.base}/register`, INSPECTOR, 'POST', 'content-type')
      expect(check.status).toBe(204)
      expect(check.headers['access-control-allow-origin']).toBe(INSPECTOR)
      const registration = await send({
        url: `${lab.base}/register`,
        headers: { Origin: INSPECTOR },
        body: { client_name: 'MCP Inspector', redirect_uris: [`${INSPECTOR}/oauth/callback`], token_endpoint_auth_method: 'none' },
      })
      expect(registration.status).toBe(201)
      expect(registration.headers['access-control-allow-origin']).toBe(INSPECTOR)
      const token = await preflight(`${lab.base}/token`, INSPECTOR, 'POST', 'content-type, mcp-protocol-version')
      expect(token.status).toBe(204)
      expect(token.headers['access-control-allow-origin']).toBe(INSPECTOR)
    })
})

describe("lab 7's provider and the Inspector's origins", () => {
  let issuer: string
  beforeAll(async () => {
    issuer = (await sharedOrStarted(findLab(7))).idp!
  })

  it('lets the Inspector read its discovery document and keys', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/jwks']) {
      const check = await preflight(`${issuer}${path}`, INSPECTOR, 'GET', 'mcp-protocol-version')
      expect(check.status).toBe(204)
      expect(check.headers['access-control-allow-origin']).toBe(INSPECTOR)
      const reply = await send({ url: `${issuer}${path}`, headers: { Origin: INSPECTOR, 'MCP-Protocol-Version': '2025-11-25' } })
      expect(reply.status).toBe(200)
      expect(reply.headers['access-control-allow-origin']).toBe(INSPECTOR)
    }
  })

  it('lets the Inspector register a client (RFC 7591), preflight first', async () => {
    const check = await preflight(`${issuer}/reg`, INSPECTOR, 'POST', 'content-type')
    expect(check.status).toBe(204)
    expect(check.headers['access-control-allow-origin']).toBe(INSPECTOR)
    expect(listed(check.headers['access-control-allow-headers'])).toContain('content-type')
    const registration = await send({
      url: `${issuer}/reg`,
      headers: { Origin: INSPECTOR },
      body: {
        client_name: 'MCP Inspector',
        redirect_uris: [`${INSPECTOR}/oauth/callback`],
        grant_types: ['authorization_code', 'refresh_token'],
        token_endpoint_auth_method: 'none',
      },
    })
    expect(registration.status).toBe(201)
    expect(registration.headers['access-control-allow-origin']).toBe(INSPECTOR)
    const token = await preflight(`${issuer}/token`, INSPECTOR, 'POST', 'content-type')
    expect(token.status).toBe(204)
    expect(token.headers['access-control-allow-origin']).toBe(INSPECTOR)
  })

  it('refuses a foreign origin with 403 and no CORS grant, on discovery, registration and tokens', async () => {
    const replies = [
      await send({ url: `${issuer}/.well-known/oauth-authorization-server`, headers: { Origin: FOREIGN } }),
      await preflight(`${issuer}/reg`, FOREIGN, 'POST', 'content-type'),
      await send({ url: `${issuer}/reg`, headers: { Origin: FOREIGN }, body: { redirect_uris: ['http://127.0.0.1:9/cb'] } }),
      await preflight(`${issuer}/token`, FOREIGN, 'POST', 'content-type'),
    ]
    for (const reply of replies) {
      expect(reply.status).toBe(403)
      expect(reply.headers['access-control-allow-origin']).toBeUndefined()
    }
  })
})
