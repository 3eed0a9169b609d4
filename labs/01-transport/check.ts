// Lab 1's checks: `npm run check 1`. Each is one exchange a learner can repeat with curl.
import { randomUUID } from 'node:crypto'
import { type Check, assert, expectEqual, expectStatus, rpcResult } from '@workshop/kit/checks'
import { rpc } from '@workshop/kit/http'
import { runIfMain } from '@workshop/kit/run-checks'

export const checks: Check[] = [
  {
    id: 'initialize',
    title: 'initialize answers with the server info and a protocol version',
    spec: 'MCP lifecycle §Initialization',
    async run(t) {
      const result = rpcResult(
        await t.mcp(rpc('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'check', version: '1' } })),
      )
      expectEqual(result.serverInfo?.name, 'notes', 'serverInfo.name')
      assert(typeof result.protocolVersion === 'string', 'protocolVersion is missing')
    },
  },
  {
    id: 'tools-list',
    title: 'tools/list shows read_notes, add_note and purge_notes',
    spec: 'MCP server/tools §Listing Tools',
    async run(t) {
      const names = rpcResult(await t.mcp(rpc('tools/list'))).tools.map((tool: { name: string }) => tool.name)
      expectEqual([...names].sort(), ['add_note', 'purge_notes', 'read_notes'], 'tool names')
    },
  },
  {
    id: 'tools-call',
    title: 'add_note then read_notes returns the new note',
    spec: 'MCP server/tools §Calling Tools',
    async run(t) {
      const note = `check ${randomUUID()}`
      rpcResult(await t.mcp(rpc('tools/call', { name: 'add_note', arguments: { text: note } })))
      const read = rpcResult(await t.mcp(rpc('tools/call', { name: 'read_notes', arguments: {} })))
      assert(read.content?.[0]?.text?.includes(note), `read_notes did not list "${note}"`)
    },
  },
  {
    id: 'resource-read',
    title: 'the notes://mine resource can be read',
    spec: 'MCP server/resources §Reading Resources',
    async run(t) {
      const result = rpcResult(await t.mcp(rpc('resources/read', { uri: 'notes://mine' })))
      expectEqual(result.contents?.[0]?.uri, 'notes://mine', 'contents[0].uri')
    },
  },
  {
    id: 'prompt-get',
    title: 'the summarise_notes prompt can be fetched',
    spec: 'MCP server/prompts §Getting a Prompt',
    async run(t) {
      const result = rpcResult(await t.mcp(rpc('prompts/get', { name: 'summarise_notes' })))
      assert(result.messages?.[0]?.content?.text?.startsWith('Summarise'), 'the prompt has no summary request')
    },
  },
  {
    id: 'origin-foreign',
    title: 'a foreign Origin is refused with 403',
    spec: 'MCP transports §Security Warning',
    async run(t) {
      expectStatus(await t.mcp(rpc('tools/list'), { headers: { Origin: 'https://evil.example' } }), 403)
    },
  },
  {
    id: 'origin-null',
    title: 'Origin: null (a sandboxed page) is refused with 403',
    spec: 'MCP transports §Security Warning',
    async run(t) {
      expectStatus(await t.mcp(rpc('tools/list'), { headers: { Origin: 'null' } }), 403)
    },
  },
  {
    id: 'host-foreign',
    title: 'a Host that is not this machine is refused (DNS rebinding)',
    spec: 'MCP transports §Security Warning',
    async run(t) {
      expectStatus(await t.mcp(rpc('tools/list'), { headers: { Host: `attacker.example:${t.port}` } }), 403)
    },
  },
  {
    id: 'cors-preflight',
    title: "a browser at the server's own origin may call it and read WWW-Authenticate",
    spec: 'Fetch standard §CORS protocol',
    async run(t) {
      const reply = await t.send({
        method: 'OPTIONS',
        url: '/mcp',
        headers: {
          Origin: t.base,
          'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization, content-type',
        },
      })
      expectStatus(reply, 204)
      expectEqual(reply.headers['access-control-allow-origin'], t.base, 'Access-Control-Allow-Origin')
      const exposed = String(reply.headers['access-control-expose-headers'])
        .toLowerCase()
        .split(/\s*,\s*/)
      assert(exposed.includes('www-authenticate'), 'Access-Control-Expose-Headers does not list WWW-Authenticate')
      const allowed = String(reply.headers['access-control-allow-headers']).toLowerCase()
      assert(allowed.includes('authorization'), 'Access-Control-Allow-Headers does not list Authorization')
    },
  },
  {
    id: 'parse-error',
    title: 'malformed JSON gets a JSON-RPC parse error (400, -32700), not a 500',
    spec: 'JSON-RPC 2.0 §5.1',
    async run(t) {
      const reply = await t.mcp('{"jsonrpc": "2.0", "id": 1, "method": ')
      expectStatus(reply, 400)
      expectEqual(reply.json?.error?.code, -32700, 'error.code')
    },
  },
  {
    id: 'not-json',
    title: 'a body that is not application/json is refused with 415',
    spec: 'MCP transports §Sending Messages to the Server',
    async run(t) {
      const reply = await t.send({
        url: '/mcp',
        headers: { 'Content-Type': 'text/plain', Accept: 'application/json, text/event-stream' },
        body: '{}',
      })
      expectStatus(reply, 415)
    },
  },
  {
    id: 'get-405',
    title: 'GET /mcp answers 405: this stateless server offers no SSE stream',
    spec: 'MCP transports §Listening for Messages from the Server',
    async run(t) {
      expectStatus(await t.send({ url: '/mcp', headers: { Accept: 'text/event-stream' } }), 405)
    },
  },
]

await runIfMain(import.meta.url)
