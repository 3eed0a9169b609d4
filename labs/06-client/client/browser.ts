// --browser: the real thing. Open the authorization URL in the system's browser and wait for
// the authorization server to send it back to our loopback redirect URI (RFC 8252 §7.3).
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import { say } from './narrate.ts'

export function openInBrowser(authorizationUrl: URL, redirectUri: string): Promise<URL> {
  const { port, pathname } = new URL(redirectUri)
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', redirectUri)
      if (url.pathname !== pathname) {
        res.writeHead(404).end()
        return
      }
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end('<!doctype html><title>Done</title><p>Authorization complete: you can close this tab and return to the terminal.</p>')
      server.close()
      resolve(url)
    })
    server.on('error', reject)
    server.listen(Number(port), '127.0.0.1', () => {
      const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
      say(`opening your browser (${opener}); if nothing opens, visit:`)
      say(authorizationUrl.href)
      spawn(opener, [authorizationUrl.href], { stdio: 'ignore', detached: true })
        .on('error', () => {})
        .unref()
    })
  })
}
