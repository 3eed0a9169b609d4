// The flow page of `npm run step N` / `npm run practice N`: a small node:http server on 127.0.0.1 that
// draws the running lab's exchanges live (server-sent events), runs its checks, and shows its lesson.
// It applies the rules lab 1 teaches (MCP transports, "Security Warning"; DNS rebinding): every route
// refuses a Host that is not this server, and every route that acts refuses a foreign Origin.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http'
import { type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type FlowExchange } from '@workshop/kit/flow-mask'
import { type Lab } from '@workshop/kit/labs'
import { ROOT } from '@workshop/kit/paths'
import { type CheckRun, runChecks } from './checks.ts'
import { type LessonSource, lesson, practiceState } from './lesson.ts'
import { FlowStore, LANES } from './store.ts'

const PAGE_DIR = fileURLToPath(new URL('./page/', import.meta.url))
const VENDOR: Record<string, string> = {
  'marked.js': join(ROOT, 'node_modules/marked/lib/marked.umd.js'),
  'mermaid.js': join(ROOT, 'node_modules/mermaid/dist/mermaid.min.js'),
}

export interface FlowServerOptions extends LessonSource {
  lab: Lab
  /** the running lab's base URL (it may restart in practice mode, on the same port) */
  base: () => string
  /** the folder the checks come from: a practice copy, or the lab's own */
  dir?: string
}

export interface FlowServer {
  url: string
  port: number
  /** where recorders post (FLOW_INGEST): a secret path, so no other process on this machine can inject exchanges */
  ingestUrl: string
  store: FlowStore
  /** the env that turns recording on in a process the runner starts */
  env(role?: string): Record<string, string>
  close(): Promise<void>
}

/** The page's own files, read once per request (they are small): edits show on reload. */
function pageFile(name: string): string {
  return readFileSync(join(PAGE_DIR, name), 'utf8')
}

/** Data for a <script> element: JSON that cannot close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** The page; `saved` inlines everything and the flow itself, for a standalone file that needs no server. */
export function renderPage(options: { lab: Lab; practice?: boolean; saved?: { exchanges: unknown[] } }): string {
  const config = {
    lab: { n: options.lab.n, title: options.lab.title, dir: options.lab.dir },
    lanes: LANES,
    practice: options.practice === true,
    saved: options.saved,
  }
  const html = pageFile('index.html')
  return html
    .replace('<!--STYLE-->', `<style>\n${pageFile('flow.css')}</style>`)
    .replace('<!--CONFIG-->', `<script>window.FLOW = ${scriptJson(config)}</script>`)
    .replace('<!--SCRIPT-->', `<script>\n${pageFile('flow.js').replace(/<\/script/gi, '<\\/script')}</script>`)
    .replace('<!--TITLE-->', `Lab ${options.lab.n}: ${options.lab.title.replace(/[<&]/g, '')}`)
}

export async function startFlowServer(options: FlowServerOptions): Promise<FlowServer> {
  const store = new FlowStore()
  const key = randomBytes(16).toString('hex')
  const clients = new Set<ServerResponse>()
  let checkRun: CheckRun | undefined
  let port = 0

  const broadcast = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    for (const res of clients) res.write(frame)
  }
  store.on('exchange', (exchange) => broadcast('exchange', exchange))
  store.on('clear', () => broadcast('clear', {}))
  store.on('reset', (exchanges) => broadcast('hello', { exchanges, checks: checkRun?.results ?? [] }))

  const ownHosts = () => [`127.0.0.1:${port}`, `localhost:${port}`]
  const ownOrigins = () => ownHosts().map((host) => `http://${host}`)

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      // the page's own scripts and styles only (mermaid draws inline styles into its SVGs)
      'content-security-policy': [
        "default-src 'none'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self' data:",
      ].join('; '),
      ...extra,
    })
    res.end(body)
  }
  const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json', JSON.stringify(value))

  const readBody = (req: IncomingMessage, limit = 8 * 1024 * 1024) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = []
      let size = 0
      req.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > limit) return reject(new Error('too large'))
        chunks.push(chunk)
      })
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
      req.on('error', reject)
    })

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // DNS rebinding: a page elsewhere that resolves its own name to 127.0.0.1 still sends its own Host
    if (!ownHosts().includes(req.headers.host ?? '')) return send(res, 403, 'text/plain', 'Forbidden: this Host is not the flow page\n')
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    const origin = req.headers.origin
    const acts = req.method !== 'GET' && req.method !== 'HEAD'
    // a web page elsewhere may send requests here (a form, fetch): it may not act, even without reading the answer
    if (acts && origin !== undefined && !ownOrigins().includes(origin))
      return send(res, 403, 'text/plain', 'Forbidden: this Origin may not act on the flow page\n')

    if (req.method === 'POST' && url.pathname === `/ingest/${key}`) {
      if (origin !== undefined) return send(res, 403, 'text/plain', 'Forbidden: recorders send no Origin\n')
      let batch: FlowExchange[]
      try {
        batch = JSON.parse(await readBody(req))
        if (!Array.isArray(batch)) throw new Error('not a list')
      } catch {
        return json(res, 400, { error: 'expected a JSON list of exchanges' })
      }
      for (const exchange of batch) {
        try {
          store.add(exchange)
        } catch {
          // a record the store cannot place: the others still count
        }
      }
      return send(res, 204, 'text/plain', '')
    }
    if (req.method === 'POST' && url.pathname === '/api/clear') {
      store.clear()
      return send(res, 204, 'text/plain', '')
    }
    if (req.method === 'POST' && url.pathname === '/api/checks') {
      if (checkRun && !checkRun.done) return json(res, 409, { error: 'the checks are running' })
      checkRun = runChecks(options.lab, options.base(), options.dir, (event, data) => broadcast(event, data))
      return json(res, 202, { run: checkRun.id })
    }
    if (acts) return json(res, url.pathname.startsWith('/api/') || url.pathname.startsWith('/ingest/') ? 404 : 405, { error: 'not here' })

    switch (url.pathname) {
      case '/':
        return send(res, 200, 'text/html; charset=utf-8', renderPage({ lab: options.lab, practice: options.practice !== undefined }))
      case '/save':
        return send(res, 200, 'text/html; charset=utf-8', renderPage({ lab: options.lab, saved: { exchanges: store.exchanges } }), {
          'content-disposition': `attachment; filename="lab-${options.lab.n}-flow.html"`,
        })
      case '/events': {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' })
        res.write(`event: hello\ndata: ${JSON.stringify({ exchanges: store.exchanges, checks: checkRun?.results ?? [] })}\n\n`)
        clients.add(res)
        req.on('close', () => clients.delete(res))
        return
      }
      case '/api/exchanges':
        return json(res, 200, store.exchanges)
      case '/api/lesson':
        return json(res, 200, await lesson(options))
      case '/api/practice':
        return json(res, 200, await practiceState(options))
    }
    const vendor = /^\/vendor\/([\w.]+)$/.exec(url.pathname)?.[1]
    if (vendor && VENDOR[vendor]) return send(res, 200, 'text/javascript; charset=utf-8', readFileSync(VENDOR[vendor]))
    return json(res, 404, { error: 'not here' })
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) json(res, 500, { error: String((error as Error).message) })
      else res.end()
    })
  })
  // the page keeps an event stream open: a closing server must not wait for it
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  port = (server.address() as AddressInfo).port
  const ingestUrl = `http://127.0.0.1:${port}/ingest/${key}`
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    ingestUrl,
    store,
    env: (role?: string) => ({ FLOW_INGEST: ingestUrl, ...(role ? { FLOW_ROLE: role } : {}) }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of clients) res.end()
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
