// Lab 5 keeps its state in SQLite: stop the server, start it again on the same port with the
// same data folder, and clients, grants and refresh tokens are all still there.
import { mkdtempSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mcpHeaders, rpc, send } from '@workshop/kit/http'
import { type RunningLab, startLab } from '@workshop/kit/lab-process'
import { findLab } from '@workshop/kit/labs'
import { CALLBACK, type RegisteredClient, authorizationServerAt } from '@workshop/kit/oauth-client'

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })

describe('lab 5 after a restart', () => {
  // A client ID metadata document served on loopback, as the README shows learners (with the lab's opt-in).
  const documents = createServer((req, res) => {
    if (req.url !== '/oauth-client.json') return void res.writeHead(404).end()
    const clientId = `http://127.0.0.1:${(documents.address() as AddressInfo).port}/oauth-client.json`
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(
      JSON.stringify({
        client_id: clientId,
        client_name: 'Document client',
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
      }),
    )
  })
  const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'lab5-restart-')), ALLOW_LOOPBACK_CLIENT_METADATA: '1' }
  let lab: RunningLab | undefined

  beforeAll(async () => {
    await new Promise<void>((resolve) => documents.listen(0, '127.0.0.1', resolve))
  })
  afterAll(async () => {
    await lab?.stop()
    documents.closeAllConnections()
    documents.close()
  })

  it('keeps registered clients, their secrets, document clients, grants and refresh tokens', async () => {
    lab = await startLab(findLab('5'), { env })
    const { port } = lab
    const oauth = await authorizationServerAt(lab.base, lab.mcpUrl)
    const mcp = lab.mcpUrl
    const confidential = await oauth.registerClient({ token_endpoint_auth_method: 'client_secret_basic' })
    const documentClient: RegisteredClient = {
      client_id: `http://127.0.0.1:${(documents.address() as AddressInfo).port}/oauth-client.json`,
      token_endpoint_auth_method: 'none',
      redirect_uris: [CALLBACK],
    }
    const alice = await oauth.tokens({ user: 'alice', client: confidential })
    const bob = await oauth.tokens({ user: 'bob', client: documentClient, scope: 'notes:read' })
    const rotated = await oauth.refresh({ client: confidential, refreshToken: alice.refresh_token! })
    expect(rotated.status).toBe(200)

    await lab.stop()
    lab = await startLab(findLab('5'), { env, port })

    // An access token issued before the restart is still known (its jti is stored)…
    expect((await send({ url: mcp, headers: mcpHeaders(rotated.json.access_token), body: readNotes })).status).toBe(200)
    // …the confidential client's secret still verifies…
    const introspection = await oauth.introspect({ client: confidential, token: rotated.json.refresh_token })
    expect(introspection.json).toMatchObject({ active: true, sub: 'alice' })
    // …its refresh token still works, and reuse of the one rotated before the restart is still caught.
    expect((await oauth.refresh({ client: confidential, refreshToken: rotated.json.refresh_token })).status).toBe(200)
    expect((await oauth.refresh({ client: confidential, refreshToken: alice.refresh_token! })).json?.error).toBe('invalid_grant')
    // The metadata-document client's grant survived too.
    const bobRefreshed = await oauth.refresh({ client: documentClient, refreshToken: bob.refresh_token! })
    expect([bobRefreshed.status, bobRefreshed.json.scope]).toEqual([200, 'notes:read'])
    // And the registered client can start a new authorization.
    expect((await oauth.start({ client: confidential })).reply.status).toBe(200)

    // Nothing secret went to the log (MCP security: no tokens in logs).
    const log = lab.output()
    expect(log).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+/)
    for (const secret of [alice.refresh_token!, bob.refresh_token!, confidential.client_secret!]) expect(log).not.toContain(secret)
  })
})
