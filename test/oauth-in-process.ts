// Lab 5's authorization server inside the test's own process, so a test can set its clock:
// lifetimes, intervals and retention are then tested without sleeping.
import { generateKeyPairSync } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
import { type AuthorizationServer, authorizationServer } from '../labs/05-oauth/oauth/index.ts'
import { AuthorizationServer as OAuthClient } from '@workshop/kit/oauth-client'

export function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  )
}

/** The authorization server on a free port, with `clock` (milliseconds since the epoch) and its own key. */
export async function inProcess(
  clock: () => number,
  databaseFile = ':memory:',
): Promise<{ as: AuthorizationServer; oauth: OAuthClient; base: string; stop: () => void }> {
  const app = express()
  const listener = createServer(app)
  const base = await listen(listener)
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const as = authorizationServer({
    issuer: base,
    resource: `${base}/mcp`,
    scopes: ['notes:read', 'notes:write', 'notes:admin'],
    jwksUri: `${base}/.well-known/jwks.json`,
    signingKey: { privateKey, kid: 'test' },
    databaseFile,
    clock,
  })
  app.use(as.router)
  const stop = () => {
    listener.closeAllConnections()
    listener.close()
    as.close()
  }
  // A client's handle on it, from its metadata, as lab 8 and the tooling drive any authorization server.
  const oauth = new OAuthClient(as.metadata as never, `${base}/mcp`)
  return { as, oauth, base, stop }
}
