// Attacks on the transport: a web page in the user's browser, or a DNS name that suddenly points
// at 127.0.0.1, trying to drive a local MCP server. The server cannot see who typed a URL; it can
// see Origin and Host, and it can refuse what it did not parse itself.
import { envelope2026, headers2026, openConnections, rawRequest, trickleHeaders } from '@workshop/kit/attack-kit'
import { mcpHeaders, rpc } from '@workshop/kit/http'
import type { AttackContext } from '../context.ts'
import { type Attack, type Outcome, blocked, gotThrough } from './types.ts'

const readNotes = rpc('tools/call', { name: 'read_notes', arguments: {} })
const group = 'transport'

/** A call a browser would send from a page at `origin`, with the user's genuine token (the worst case). */
async function fromOrigin(ctx: AttackContext, origin: string): Promise<Outcome> {
  return ctx.present(await ctx.token(), readNotes, { Origin: origin })
}

/** A call whose Host header names another site: what a browser sends after DNS rebinding. */
async function withHost(ctx: AttackContext, host: string): Promise<Outcome> {
  return ctx.present(await ctx.token(), readNotes, { Host: host })
}

/**
 * A read_notes call with a notes:read token (so the scope gate lets it pass) whose 2026-07-28 headers and
 * envelope disagree: the SDK's era check must refuse it with 400 before anything runs.
 */
async function eraMixUp(ctx: AttackContext, body: unknown, headers: Record<string, string>): Promise<Outcome> {
  const reply = await ctx.mcp(body, { token: await ctx.token('notes:read'), headers })
  if (reply.status === 200) return gotThrough(`the call ran: HTTP 200`)
  return reply.status === 400
    ? blocked(`400 ${reply.json?.error?.code ?? ''}: the SDK's era check refused it`)
    : blocked(`${reply.status}, before the SDK's era check`)
}

export const transportAttacks: Attack[] = [
  {
    id: 'foreign-origin',
    title: 'a web page at another origin calls a tool',
    group,
    defence: 'origin-check',
    rule: 'MCP transports §Security',
    // The attack: evil.example's page POSTs to http://127.0.0.1:PORT/mcp from the user's browser.
    // The defence: a present Origin that is not ours gets 403 before anything runs.
    run: (ctx) => fromOrigin(ctx, 'http://evil.example'),
  },
  {
    id: 'null-origin',
    title: 'Origin "null" (a sandboxed iframe, a file:// page)',
    group,
    defence: 'origin-check',
    rule: 'MCP transports §Security',
    // "null" is what browsers send from opaque origins; an allow-list never contains it.
    run: (ctx) => fromOrigin(ctx, 'null'),
  },
  {
    id: 'lookalike-origin',
    title: 'an Origin that starts like ours (127.0.0.1.evil.example)',
    group,
    defence: 'origin-check',
    rule: 'MCP transports §Security',
    // A prefix or substring test would let this through; the defence compares whole origins.
    run: (ctx) => fromOrigin(ctx, `http://127.0.0.1.evil.example:${ctx.port}`),
  },
  {
    id: 'legacy-body-modern-headers',
    title: 'a 2025 body (no _meta) under 2026-07-28 headers',
    group,
    defence: 'era-check',
    rule: 'MCP 2026-07-28 transports',
    // Headers that claim 2026-07-28 over a body without its envelope: a server routing by header would run
    // it by one era's rules while the body was written for the other. Expected: 400 from the SDK.
    run: (ctx) => eraMixUp(ctx, readNotes, headers2026('tools/call', 'read_notes')),
  },
  {
    id: 'era-mix-up-meta',
    title: '_meta says 2025-11-25, the MCP-Protocol-Version header 2026-07-28',
    group,
    defence: 'era-check',
    rule: 'MCP 2026-07-28 transports',
    // The envelope and the header must name the same version; either may be what a proxy or the server reads.
    // Expected: 400 from the SDK.
    run: (ctx) =>
      eraMixUp(
        ctx,
        rpc('tools/call', { name: 'read_notes', arguments: {}, _meta: envelope2026('2025-11-25') }),
        headers2026('tools/call', 'read_notes'),
      ),
  },
  {
    id: 'cors-preflight',
    title: 'a CORS preflight from another origin, for Authorization',
    group,
    defence: 'origin-check',
    rule: 'MCP transports, Fetch §CORS',
    // Got through means the browser would be allowed to make the call and read the answer:
    // the preflight's answer names the attacker's origin in Access-Control-Allow-Origin.
    async run(ctx) {
      const reply = await rawRequest(`${ctx.target.base}/mcp`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'http://evil.example',
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      })
      const allowed = reply.headers['access-control-allow-origin']
      return allowed === 'http://evil.example' || allowed === '*'
        ? gotThrough(`the preflight answered Access-Control-Allow-Origin: ${allowed}`)
        : blocked(`${reply.status}, no Access-Control-Allow-Origin for evil.example`)
    },
  },
  {
    id: 'rebinding-host',
    title: 'DNS rebinding: Host evil.example, no Origin',
    group,
    defence: 'host-check',
    rule: 'MCP transports §Security',
    // evil.example's DNS now answers 127.0.0.1: the browser thinks it talks to evil.example, and
    // says so in Host. Only the server can notice that Host is not its own name.
    run: (ctx) => withHost(ctx, `evil.example:${ctx.port}`),
  },
  {
    id: 'lookalike-host',
    title: 'a Host that starts like ours (127.0.0.1.nip.io)',
    group,
    defence: 'host-check',
    rule: 'MCP transports §Security',
    // nip.io-style names resolve to the IP they contain: a rebinding attacker's favourite.
    run: (ctx) => withHost(ctx, `127.0.0.1.nip.io:${ctx.port}`),
  },
  {
    id: 'not-json-body',
    title: 'a purge as text/plain or with no Content-Type (no parser)',
    group,
    defence: 'json-only',
    rule: 'MCP transports §Sending',
    // The gate decides on the body the server parsed. A body it did not parse (text/plain is a
    // "simple" request a web page may send without a preflight) must never reach the executor.
    async run(ctx) {
      const canary = await ctx.plantCanary()
      const token = await ctx.token('notes:read')
      const body = JSON.stringify(rpc('tools/call', { name: 'purge_notes', arguments: {} }))
      for (const contentType of ['text/plain; charset=application/json', undefined]) {
        const headers = mcpHeaders(token)
        if (contentType === undefined) delete headers['Content-Type']
        else headers['Content-Type'] = contentType
        const reply = await ctx.send({ url: '/mcp', headers, body })
        const outcome = ctx.outcomeOf(reply)
        if (outcome.outcome === 'got through' || (canary !== undefined && !(await ctx.canaryAlive(canary)))) {
          return gotThrough(`Content-Type ${contentType ?? '(none)'}: the purge ran`)
        }
      }
      return blocked('415 for text/plain and for no Content-Type; the canary note survived')
    },
  },
  {
    id: 'slowloris',
    title: 'Slowloris: request headers sent one byte every half second',
    group,
    defence: 'connection-limits',
    rule: 'RFC 9110 §15.5.9 (408)',
    // Each such connection costs the attacker nothing and holds one of the server's open for as long as
    // it is willing to wait: Node's default is a minute for headers, five for a whole request.
    async run(ctx) {
      const { closedAfterMs } = await trickleHeaders(ctx.port, 500, 20_000)
      return closedAfterMs !== undefined && closedAfterMs < 15_000
        ? blocked(`the server hung up after ${(closedAfterMs / 1000).toFixed(1)} s`)
        : gotThrough('after 20 s the server was still waiting for the headers')
    },
  },
  {
    id: 'connection-flood',
    title: '500 connections opened at once and held',
    group,
    defence: 'connection-limits',
    rule: 'MCP security best practices (resource exhaustion)',
    // Every open connection is memory and a file descriptor. A cap closes what is over it at once;
    // then the server must still answer once the flood is gone.
    async run(ctx) {
      const flood = await openConnections(ctx.port, 500)
      flood.close()
      // the server counts its closed connections down as it notices them: give it a few seconds
      let alive = false
      for (let tries = 0; tries < 10 && !alive; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 500))
        alive = await ctx.alive()
      }
      if (!alive) return gotThrough('the server stopped answering after the flood')
      return flood.closedAtOnce > 0
        ? blocked(`${flood.closedAtOnce} of 500 connections were closed at once; it answers afterwards`)
        : gotThrough('all 500 connections were kept open')
    },
  },
]
