// One HTTP exchange, done with node:http (no redirects followed, headers as sent) and described as
// the curl command that reproduces it. The checks send theirs as real curl commands instead (checks.ts).
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { bearerChallenge, type Challenge } from './www-authenticate.ts'

export interface Req {
  method?: string
  url: string
  headers?: Record<string, string | string[]>
  /** a string is sent as is; any other value as JSON (Content-Type added) */
  body?: unknown
  /** application/x-www-form-urlencoded body */
  form?: Record<string, string>
}

export interface Reply {
  status: number
  headers: IncomingHttpHeaders
  text: string
  /** the parsed body when it is JSON, else undefined */
  json: any
  /** the parsed Bearer challenge of WWW-Authenticate, if any */
  challenge: Challenge | undefined
  curl: string
}

export const MCP_ACCEPT = 'application/json, text/event-stream'

/** How a request goes out: node:http here (send), or as a real curl command in the checks (@workshop/kit/checks). */
export type Send = (req: Req) => Promise<Reply>

/** A request as it goes on the wire: its method, its headers (Content-Type added for a body) and its body. */
export function encode(req: Req): { method: string; headers: Record<string, string | string[]>; body?: string } {
  const headers: Record<string, string | string[]> = { ...req.headers }
  let body: string | undefined
  if (req.form !== undefined) {
    body = new URLSearchParams(req.form).toString()
    headers['Content-Type'] ??= 'application/x-www-form-urlencoded'
  } else if (typeof req.body === 'string') {
    body = req.body
  } else if (req.body !== undefined) {
    body = JSON.stringify(req.body)
    headers['Content-Type'] ??= 'application/json'
  }
  return { method: req.method ?? (body === undefined ? 'GET' : 'POST'), headers, body }
}

/** One exchange with node:http (the tooling, the tests, lab 8): no redirects followed, headers as sent. */
export function send(req: Req): Promise<Reply> {
  const { method, headers, body } = encode(req)
  const curl = toCurl(method, req.url, headers, body)
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(req.url, { method, headers, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('error', reject)
      res.on('end', () => {
        try {
          resolve(toReply(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'), curl))
        } catch (error) {
          reject(error) // e.g. a WWW-Authenticate header a client could not parse
        }
      })
    })
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer from ${req.url} within 15 s`)))
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/**
 * The JSON-RPC answer of an SSE stream: a 2025-era request is answered as `text/event-stream` (one
 * `data:` line per message, MCP Streamable HTTP); the answer is the last message of the stream.
 */
export function lastSseMessage(text: string): unknown {
  const data = text
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice('data:'.length).trim())
  return data.length === 0 ? undefined : JSON.parse(data[data.length - 1]!)
}

export function toReply(status: number, headers: IncomingHttpHeaders, text: string, curl: string): Reply {
  let json: unknown
  const type = headers['content-type'] ?? ''
  try {
    json = /json/.test(type) ? JSON.parse(text) : /text\/event-stream/.test(type) ? lastSseMessage(text) : undefined
  } catch {
    json = undefined
  }
  return { status, headers, text, json, challenge: bearerChallenge(headers['www-authenticate']), curl }
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

function toCurl(method: string, url: string, headers: Record<string, string | string[]>, body?: string): string {
  const parts = ['curl -i']
  if (method !== 'GET' && !(method === 'POST' && body !== undefined)) parts.push(`-X ${method}`)
  parts.push(quote(url))
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value]) parts.push(`-H ${quote(`${name}: ${v}`)}`)
  }
  if (body !== undefined) parts.push(`--data-raw ${quote(body)}`)
  return parts.join(' ')
}

/** A JSON-RPC request to an MCP endpoint, with the headers Streamable HTTP requires. */
export function rpc(method: string, params: Record<string, unknown> = {}, id: number | string = 1) {
  return { jsonrpc: '2.0', id, method, params }
}

export function mcpHeaders(token?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'Content-Type': 'application/json',
    Accept: MCP_ACCEPT,
    ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
    ...extra,
  }
}

/** The protocol revision the labs speak natively; 2025-era requests (no `_meta` envelope) are served too. */
export const PROTOCOL_VERSION = '2026-07-28'

/**
 * The `_meta` envelope of a 2026-07-28 request (MCP 2026-07-28, Streamable HTTP): no `initialize`, so the
 * protocol version and the client's capabilities travel with every request.
 */
export const envelope2026 = (version = PROTOCOL_VERSION) => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientCapabilities': {},
})

/**
 * The headers a 2026-07-28 POST repeats from its body, for proxies and gateways that route without parsing
 * JSON: MCP-Protocol-Version, Mcp-Method, and Mcp-Name (the tool, resource or prompt).
 */
export const headers2026 = (method: string, name?: string, version = PROTOCOL_VERSION): Record<string, string> => ({
  'MCP-Protocol-Version': version,
  'Mcp-Method': method,
  ...(name === undefined ? {} : { 'Mcp-Name': name }),
})
