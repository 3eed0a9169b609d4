// The sign-in and consent pages in a real browser: headless Chromium (the system's, driven by
// playwright-core) signs in as alice through the form, approves, and lands on the client's
// loopback callback with code, state and iss. Then the client redeems the code.
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BrowserContext, chromium } from 'playwright-core'
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING } from '@workshop/kit/chromium'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningLab, startLab } from '@workshop/kit/lab-process'
import { findLab } from '@workshop/kit/labs'
import { pkcePair } from '@workshop/kit/authorization-request'
import { authorizationServerAt } from '@workshop/kit/oauth-client'

// On a learner's machine a missing browser skips this one test, saying why; in CI it must run.
const skip = CHROMIUM === undefined && !process.env.CI
if (skip) console.warn(`browser-consent.test.ts skipped: ${CHROMIUM_MISSING}`)

describe.skipIf(skip)('consent in a real browser (lab 5)', () => {
  let lab: RunningLab
  let browser: BrowserContext
  const userDataDir = mkdtempSync(join(tmpdir(), 'lab5-chromium-'))
  const callbacks: URL[] = []
  // The client's loopback redirect URI (RFC 8252 §7.3): a listener like a CLI client would open.
  const callback = createServer((req, res) => {
    callbacks.push(new URL(req.url ?? '/', 'http://127.0.0.1'))
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<p>You can close this window.</p>')
  })

  beforeAll(async () => {
    if (CHROMIUM === undefined) throw new Error(`CI must run the browser test, but there is ${CHROMIUM_MISSING}`)
    await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve))
    lab = await startLab(findLab('5'), { env: { DATA_DIR: mkdtempSync(join(tmpdir(), 'lab5-browser-')) } })
    browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    })
  })
  afterAll(async () => {
    await browser?.close()
    await lab?.stop()
    callback.closeAllConnections()
    callback.close()
    rmSync(userDataDir, { recursive: true, force: true })
  })

  it('signs in as alice, approves, and arrives at the loopback callback with code, state and iss', async () => {
    const oauth = await authorizationServerAt(lab.base, lab.mcpUrl)
    const redirectUri = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`
    const client = await oauth.registerClient({ client_name: 'Browser test client', redirect_uris: [redirectUri] })
    const pkce = pkcePair()
    const state = 'browser-state-1'
    const page = await browser.newPage()

    await page.goto(oauth.authorizationUrl({ client, pkce, state, redirectUri, scope: 'notes:read notes:write' }))
    await page.fill('input[name=username]', 'alice')
    await page.fill('input[name=password]', 'wonderland')
    await page.click('button[type=submit]')

    // The consent page names the client, where the code will go, and the scopes.
    await page.waitForSelector('button[value=approve]')
    const consent = await page.textContent('body')
    for (const text of ['Browser test client', client.client_id, new URL(redirectUri).host, 'notes:read', 'notes:write'])
      expect(consent).toContain(text)
    await Promise.all([page.waitForURL((url) => url.href.startsWith(redirectUri)), page.click('button[value=approve]')])

    const arrived = new URL(page.url())
    expect(arrived.searchParams.get('state')).toBe(state)
    expect(arrived.searchParams.get('iss')).toBe(lab.base) // RFC 9207
    const code = arrived.searchParams.get('code')
    expect(code).toBeTruthy()
    expect(callbacks.find((url) => url.pathname === '/callback')?.searchParams.get('code')).toBe(code) // the listener got it too

    const tokens = await oauth.exchange({ client, code: code!, verifier: pkce.verifier, redirectUri, resource: lab.mcpUrl })
    expect(tokens.status).toBe(200)
    expect(tokens.json.scope).toBe('notes:read notes:write')
  })
})
