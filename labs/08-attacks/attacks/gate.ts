// Attacks on the scope gate: a genuine notes:read token trying to purge. The gate decides on what
// it sees; every trick below makes it see something other than what the executor will run, or
// hopes it does not look at all. The defence (lab 4's scopes.ts): judge the parsed body, every
// message of it, exactly as the SDK will read it, and refuse what the table does not know.
import { rpc } from '@workshop/kit/http'
import { envelope2026, headers2026 } from '@workshop/kit/attack-kit'
import type { AttackContext } from '../context.ts'
import { type Attack, type Outcome, blocked, gotThrough, notApplicable } from './types.ts'

const group = 'gate'
const call = (name: string, args: Record<string, unknown> = {}, id: number | string = 1) => rpc('tools/call', { name, arguments: args }, id)

/** Did purge_notes run? Its answer says "Purged N note(s)." (one message or a batch). */
function purged(json: unknown): boolean {
  return (Array.isArray(json) ? json : [json]).some((m) => /^Purged/.test(m?.result?.content?.[0]?.text ?? ''))
}

/** Sends `body` (an object, a batch, or a raw JSON string) with a notes:read token: got through if the purge ran. */
async function purgeWithReadToken(ctx: AttackContext, body: unknown, headers?: Record<string, string>): Promise<Outcome> {
  const token = await ctx.token('notes:read')
  if (token === undefined) return notApplicable('no genuine token to start from')
  const reply = await ctx.mcp(body, { token, headers })
  return purged(reply.json)
    ? gotThrough('purge_notes ran with a notes:read token')
    : blocked(`${reply.status} ${reply.challenge?.params.error ?? reply.json?.error?.message ?? ''}`.trim())
}

function attack(id: string, title: string, rule: string, run: Attack['run']): Attack {
  return { id, title, group, defence: 'scope-gate', rule, run }
}

export const gateAttacks: Attack[] = [
  // The baseline: no trick at all. The gate's table says purge_notes needs notes:admin.
  attack('read-token-purges', 'a notes:read token calls purge_notes', 'RFC 6750 §3.1, MCP step-up', (ctx) =>
    purgeWithReadToken(ctx, call('purge_notes')),
  ),
  attack('read-token-adds', 'a notes:read token calls add_note', 'RFC 6750 §3.1, MCP step-up', async (ctx) =>
    ctx.present(await ctx.token('notes:read'), call('add_note', { text: 'written with a read-only token' })),
  ),
  // JSON-RPC §6: one POST may carry many messages. A gate that reads only the first lets the rest through.
  attack('batch-hides-purge', 'a batch: read_notes first, purge_notes second', 'JSON-RPC 2.0 §6', (ctx) =>
    purgeWithReadToken(ctx, [call('read_notes', {}, 1), call('purge_notes', {}, 2)]),
  ),
  // JSON-RPC §4.1: a notification (no id) gets no answer, but it still runs. The canary tells.
  attack('notification-purge', 'purge_notes as a notification (no id, no answer)', 'JSON-RPC 2.0 §4.1', async (ctx) => {
    const canary = await ctx.plantCanary()
    if (canary === undefined) return notApplicable('could not plant a canary note to watch')
    const { id: _id, ...notification } = call('purge_notes')
    const outcome = await purgeWithReadToken(ctx, notification)
    if (!(await ctx.canaryAlive(canary))) return gotThrough('the canary note is gone: the purge ran')
    // Accepted (202) yet the canary lives: this SDK ignores a tools/call without an id. Nothing ran,
    // but nothing stopped it either; a gate must not count on the executor's habits.
    return /^202/.test(outcome.evidence)
      ? notApplicable('accepted (202), but this SDK does not run a tools/call sent as a notification')
      : outcome
  }),
  // RFC 8259 §4: duplicate names are undefined behaviour. JSON.parse keeps the last; a gate that
  // kept the first (or scanned the text) would judge read_notes while the SDK runs purge_notes.
  attack('duplicate-keys', 'a duplicated "name" or "method" key, purge_notes last', 'RFC 8259 §4, MCP transports', async (ctx) => {
    for (const body of [
      '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_notes","arguments":{},"name":"purge_notes"}}',
      '{"jsonrpc":"2.0","id":1,"method":"ping","params":{"name":"purge_notes","arguments":{}},"method":"tools/call"}',
    ]) {
      const outcome = await purgeWithReadToken(ctx, body)
      if (outcome.outcome !== 'blocked') return outcome
    }
    return blocked('both refused: the gate judges what JSON.parse (and so the SDK) reads')
  }),
  // A gate that matched the raw text ("purge_notes") would miss the escaped spelling; the parsed value is the same.
  attack('escaped-name', 'the tool name spelt with a JSON escape: "purge\\u005fnotes"', 'RFC 8259 §7', (ctx) =>
    purgeWithReadToken(ctx, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"purge\\u005fnotes","arguments":{}}}'),
  ),
  // MCP 2026-07-28: Mcp-Method and Mcp-Name repeat the body for proxies. A gate that read them instead
  // of the body would let a header name read_notes while the body purges. Expected: 403 from the gate;
  // a 400 -32020 means the gate let it pass and only the SDK's header check (behind it) stopped it.
  attack(
    'header-names-read',
    'a 2026-07-28 call: Mcp-Name says read_notes, the body calls purge_notes',
    'MCP 2026-07-28 transports',
    async (ctx) => {
      const token = await ctx.token('notes:read')
      if (token === undefined) return notApplicable('no genuine token to start from')
      const body = rpc('tools/call', { name: 'purge_notes', arguments: {}, _meta: envelope2026() })
      const reply = await ctx.mcp(body, { token, headers: headers2026('tools/call', 'read_notes') })
      if (purged(reply.json)) return gotThrough('purge_notes ran with a notes:read token')
      return reply.status === 403
        ? blocked('403 insufficient_scope: the gate judged the body, not the headers')
        : gotThrough(`${reply.status} ${reply.json?.error?.code ?? ''}: no gate refused it; only the SDK behind it did`.trim())
    },
  ),
  // The gate trusts only the token: a header can claim anything.
  attack('scope-headers', 'headers that claim more: X-Scope, X-Forwarded-User: admin', 'RFC 6750 §2.1, MCP security', (ctx) =>
    purgeWithReadToken(ctx, call('purge_notes'), {
      'X-Scope': 'notes:admin',
      Scope: 'notes:admin',
      'X-Forwarded-User': 'admin',
      'X-User-Role': 'admin',
    }),
  ),
]
