// Lab 1's checks: `npm run check 1`, or `npx tsx labs/01-transport/check.ts --base http://127.0.0.1:9000`.
// Each check sends a curl command and says what the answer must be; `-- --curl` prints every command.
import { randomUUID } from 'node:crypto'
import { $ } from 'zx'
import {
  JSON_RPC,
  assert,
  check,
  exchange,
  expectEqual,
  expectStatus,
  headers2026,
  openConnections,
  rpc,
  rpc2026,
  rpcResult,
  runIfMain,
  trickleHeaders,
} from '@workshop/kit/checks'

const initialize = rpc('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'check', version: '1' } })
const toolsList = rpc('tools/list')
const call = (name: string, args: Record<string, unknown> = {}) => rpc('tools/call', { name, arguments: args })

export const checks = [
  check(
    'discover',
    'server/discover names the versions it speaks and the server: a 2026-07-28 client needs no initialize',
    'MCP 2026-07-28 server/discover',
    async (t) => {
      const reply = await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${headers2026('server/discover')} --data ${rpc2026('server/discover')}`)
      const result = rpcResult(reply)
      assert(String(reply.headers['content-type']).startsWith('application/json'), 'a 2026-07-28 answer is plain JSON')
      assert(result.supportedVersions?.includes('2026-07-28'), `supportedVersions: ${JSON.stringify(result.supportedVersions)}`)
      expectEqual(result._meta?.['io.modelcontextprotocol/serverInfo']?.name, 'notes', '_meta serverInfo.name')
    },
  ),

  check(
    'call-2026',
    'a 2026-07-28 tools/call (its _meta and the MCP headers) adds a note, and read_notes shows it',
    'MCP 2026-07-28 transports §Streamable HTTP',
    async (t) => {
      const note = `check ${randomUUID()}`
      const add = rpc2026('tools/call', { name: 'add_note', arguments: { text: note } })
      rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${headers2026('tools/call', 'add_note')} --data ${add}`))
      const read = rpc2026('tools/call', { name: 'read_notes', arguments: {} })
      const result = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${headers2026('tools/call', 'read_notes')} --data ${read}`))
      assert(result.content?.[0]?.text?.includes(note), `read_notes did not list "${note}"`)
    },
  ),

  check(
    'header-mismatch',
    'a header that disagrees with the body (Mcp-Name read_notes, body add_note) gets 400 -32020, and nothing runs',
    'MCP 2026-07-28 transports §Streamable HTTP (standard headers)',
    async (t) => {
      const note = `smuggled ${randomUUID()}`
      const add = rpc2026('tools/call', { name: 'add_note', arguments: { text: note } })
      const reply = await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${headers2026('tools/call', 'read_notes')} --data ${add}`)
      expectStatus(reply, 400)
      expectEqual(reply.json?.error?.code, -32020, 'error.code (HeaderMismatch)')
      const read = rpc2026('tools/call', { name: 'read_notes', arguments: {} })
      const result = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${headers2026('tools/call', 'read_notes')} --data ${read}`))
      assert(!result.content?.[0]?.text?.includes(note), 'the refused add_note ran anyway')
    },
  ),

  check(
    'header-missing',
    'a 2026-07-28 request without its Mcp-Method header gets 400',
    'MCP 2026-07-28 transports §Streamable HTTP (standard headers)',
    async (t) => {
      const reply = await exchange(
        $`curl -si ${t.mcp} ${JSON_RPC} -H ${'MCP-Protocol-Version: 2026-07-28'} --data ${rpc2026('tools/list')}`,
      )
      expectStatus(reply, 400)
      assert(reply.json?.error !== undefined, 'expected a JSON-RPC error')
    },
  ),

  check(
    'version-unsupported',
    'an unsupported protocol version gets 400, listing the versions the server supports',
    'MCP 2026-07-28 transports §Protocol Version Header',
    async (t) => {
      const list = rpc2026('tools/list', {}, 1, '2099-01-01')
      const reply = await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${headers2026('tools/list', undefined, '2099-01-01')} --data ${list}`)
      expectStatus(reply, 400)
      const supported = reply.json?.error?.data?.supported
      assert(Array.isArray(supported) && supported.includes('2026-07-28'), `error.data.supported: ${JSON.stringify(supported)}`)
    },
  ),

  check(
    'cache-scope',
    "caching: tools/list (the same for everyone) is public; notes://mine (the caller's own) is private",
    'MCP 2026-07-28 server/utilities/caching',
    async (t) => {
      const list = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${headers2026('tools/list')} --data ${rpc2026('tools/list')}`))
      expectEqual(list.cacheScope, 'public', 'tools/list cacheScope')
      assert(typeof list.ttlMs === 'number' && list.ttlMs > 0, `tools/list ttlMs: ${list.ttlMs}`)
      const read = rpc2026('resources/read', { uri: 'notes://mine' })
      const mine = rpcResult(
        await exchange($`curl -si ${t.mcp} ${JSON_RPC} ${headers2026('resources/read', 'notes://mine')} --data ${read}`),
      )
      expectEqual(mine.cacheScope, 'private', 'notes://mine cacheScope')
    },
  ),

  check(
    'legacy-stateless',
    'a 2025-era request with no initialize before it is served too, as an SSE stream',
    'MCP 2026-07-28 transports §Backwards Compatibility',
    async (t) => {
      const reply = await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${toolsList}`)
      assert(String(reply.headers['content-type']).startsWith('text/event-stream'), `content-type: ${reply.headers['content-type']}`)
      assert(rpcResult(reply).tools?.length === 3, 'expected three tools')
    },
  ),

  check(
    'initialize',
    "a 2025-era client's initialize is answered with the server info and a protocol version",
    'MCP 2025-11-25 lifecycle §Initialization',
    async (t) => {
      const result = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${initialize}`))
      expectEqual(result.serverInfo?.name, 'notes', 'serverInfo.name')
      assert(typeof result.protocolVersion === 'string', 'protocolVersion is missing')
    },
  ),

  check('tools-list', 'tools/list shows read_notes, add_note and purge_notes', 'MCP server/tools §Listing Tools', async (t) => {
    const { tools } = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${toolsList}`))
    expectEqual(tools.map((tool: { name: string }) => tool.name).sort(), ['add_note', 'purge_notes', 'read_notes'], 'tool names')
  }),

  check('tools-call', 'add_note then read_notes returns the new note', 'MCP server/tools §Calling Tools', async (t) => {
    const note = `check ${randomUUID()}`
    rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${call('add_note', { text: note })}`))
    const read = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${call('read_notes')}`))
    assert(read.content?.[0]?.text?.includes(note), `read_notes did not list "${note}"`)
  }),

  check('resource-read', 'the notes://mine resource can be read', 'MCP server/resources §Reading Resources', async (t) => {
    const read = rpc('resources/read', { uri: 'notes://mine' })
    const result = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${read}`))
    expectEqual(result.contents?.[0]?.uri, 'notes://mine', 'contents[0].uri')
  }),

  check('prompt-get', 'the summarise_notes prompt can be fetched', 'MCP server/prompts §Getting a Prompt', async (t) => {
    const get = rpc('prompts/get', { name: 'summarise_notes' })
    const result = rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${get}`))
    assert(result.messages?.[0]?.content?.text?.startsWith('Summarise'), 'the prompt has no summary request')
  }),

  check('origin-foreign', 'a foreign Origin is refused with 403', 'MCP transports §Security Warning', async (t) => {
    expectStatus(await exchange($`curl -si ${t.mcp} ${JSON_RPC} -H ${'Origin: https://evil.example'} --data ${toolsList}`), 403)
  }),

  check('origin-null', 'Origin: null (a sandboxed page) is refused with 403', 'MCP transports §Security Warning', async (t) => {
    expectStatus(await exchange($`curl -si ${t.mcp} ${JSON_RPC} -H ${'Origin: null'} --data ${toolsList}`), 403)
  }),

  check('host-foreign', 'a Host that is not this machine is refused (DNS rebinding)', 'MCP transports §Security Warning', async (t) => {
    expectStatus(await exchange($`curl -si ${t.mcp} ${JSON_RPC} -H ${`Host: attacker.example:${t.port}`} --data ${toolsList}`), 403)
  }),

  check(
    'cors-preflight',
    "a browser at the server's own origin may call it and read WWW-Authenticate",
    'Fetch standard §CORS protocol',
    async (t) => {
      const preflight = ['-H', `Origin: ${t.base}`, '-H', 'Access-Control-Request-Method: POST']
      const reply = await exchange($`curl -si -X OPTIONS ${t.mcp} ${preflight} -H ${'Access-Control-Request-Headers: authorization'}`)
      expectStatus(reply, 204)
      expectEqual(reply.headers['access-control-allow-origin'], t.base, 'Access-Control-Allow-Origin')
      const exposed = String(reply.headers['access-control-expose-headers'])
        .toLowerCase()
        .split(/\s*,\s*/)
      assert(exposed.includes('www-authenticate'), 'Access-Control-Expose-Headers does not list WWW-Authenticate')
      const allowed = String(reply.headers['access-control-allow-headers']).toLowerCase()
      assert(allowed.includes('authorization'), 'Access-Control-Allow-Headers does not list Authorization')
    },
  ),

  check(
    'cors-inspector',
    "the MCP Inspector's page (http://localhost:6274) may call it; its preflight is answered",
    'MCP transports §Security Warning, Fetch standard §CORS protocol',
    async (t) => {
      for (const origin of ['http://localhost:6274', 'http://127.0.0.1:6274']) {
        const preflight = ['-H', `Origin: ${origin}`, '-H', 'Access-Control-Request-Method: POST']
        const reply = await exchange($`curl -si -X OPTIONS ${t.mcp} ${preflight}`)
        expectStatus(reply, 204)
        expectEqual(reply.headers['access-control-allow-origin'], origin, 'Access-Control-Allow-Origin')
        rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} -H ${`Origin: ${origin}`} --data ${toolsList}`))
      }
    },
  ),

  check('parse-error', 'malformed JSON gets a JSON-RPC parse error (400, -32700), not a 500', 'JSON-RPC 2.0 §5.1', async (t) => {
    const reply = await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${'{"jsonrpc": "2.0", "id": 1, "method": '}`)
    expectStatus(reply, 400)
    expectEqual(reply.json?.error?.code, -32700, 'error.code')
  }),

  check(
    'not-json',
    'a body that is not application/json is refused with 415',
    'MCP transports §Sending Messages to the Server',
    async (t) => {
      expectStatus(await exchange($`curl -si ${t.mcp} -H ${'Content-Type: text/plain'} --data ${'{}'}`), 415)
    },
  ),

  check(
    'get-405',
    'GET and DELETE /mcp answer 405: no sessions, no stream to open',
    'MCP 2026-07-28 transports §Streamable HTTP',
    async (t) => {
      expectStatus(await exchange($`curl -si ${t.mcp} -H ${'Accept: text/event-stream'}`), 405)
      expectStatus(await exchange($`curl -si -X DELETE ${t.mcp}`), 405)
    },
  ),

  check(
    'slow-headers',
    '(raw socket: curl cannot send half a request) headers sent a byte at a time are cut off within seconds',
    'RFC 9110 §15.5.9 (408), Slowloris',
    async (t) => {
      const { closedAfterMs, answer } = await trickleHeaders(t.port)
      assert(closedAfterMs !== undefined, 'the server still waited for the headers after 20 s (serve.ts: headersTimeout)')
      assert(closedAfterMs < 12_000, `the server waited ${Math.round(closedAfterMs / 1000)} s for the headers`)
      assert(answer === '' || answer.startsWith('HTTP/1.1 408'), `unexpected answer: ${answer.split('\r\n')[0]}`)
    },
  ),

  check(
    'connection-cap',
    '(raw sockets: curl opens one at a time) past 100 open connections, new ones are closed; then it answers again',
    'MCP security best practices (resource exhaustion)',
    async (t) => {
      const crowd = await openConnections(t.port, 120)
      try {
        assert(crowd.closedAtOnce >= 15, `only ${crowd.closedAtOnce} of 120 connections were refused (serve.ts: maxConnections)`)
      } finally {
        crowd.close()
      }
      await new Promise((resolve) => setTimeout(resolve, 200)) // the server counts the closed ones down
      rpcResult(await exchange($`curl -si ${t.mcp} ${JSON_RPC} --data ${toolsList}`))
    },
  ),
]

await runIfMain(import.meta.url)
