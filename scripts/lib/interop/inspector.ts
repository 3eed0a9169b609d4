// The MCP Inspector 2.x (pinned in interop/package.json), its web UI in headless Chromium, clicked as a
// learner does: the lab in its server list, Settings → Protocol Era (Legacy, Auto or Modern), the switch
// to connect, sign in, Tools, Execute Tool. Its page asks its own backend to speak MCP and OAuth
// (/api/mcp, /api/fetch); the person's browser goes to the authorization server for the sign-in.
// A fresh Inspector for every lab and era: its tokens live in its memory, so each run signs in anew.
import { spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type Page, type Response, chromium } from 'playwright-core'
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING } from '@workshop/kit/chromium'
import { type Row, type SignIn, type Target, fail, makeUnusable, nextCapability, oneLine, pass } from '@workshop/kit/client-interop'
import { PARENT_WATCH, freePort, stopChild } from '@workshop/kit/lab-process'
import { nodeFor } from '@workshop/kit/node-bundled'
import { ROOT } from '@workshop/kit/paths'
import { INTEROP_DIR } from './stdio.ts'

export const ERAS = ['Legacy', 'Auto', 'Modern'] as const
export type Era = (typeof ERAS)[number]
export const inspectorName = (era: Era) => `MCP Inspector 2.12.0 (${era})`
const LAUNCHER = join(INTEROP_DIR, 'node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js')
const STEP_MS = 90_000 // a busy machine can take this long to render a page; a failure shows at once

export const startBrowser = async (): Promise<Browser> => {
  if (CHROMIUM === undefined) throw new Error(CHROMIUM_MISSING)
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

/** Starts an Inspector whose server list (its catalog) holds the lab, as a learner's "Add Servers" would; resolves to its page's URL. */
async function startInspector(target: Target): Promise<{ url: string; stop(): Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), 'interop-inspector-'))
  const catalog = join(home, 'mcp.json')
  writeFileSync(catalog, JSON.stringify({ mcpServers: { [`lab-${target.n}`]: { type: 'streamable-http', url: target.lab.mcpUrl } } }))
  const port = await freePort()
  const child = spawn(
    nodeFor(INTEROP_DIR, '22.19.0', 'The MCP Inspector 2.x'),
    ['--import', PARENT_WATCH, LAUNCHER, '--catalog', catalog],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        HOME: home, // its settings and catalog, not the learner's ~/.mcp-inspector
        CLIENT_PORT: String(port),
        MCP_SANDBOX_PORT: '0', // MCP Apps: any free port
        MCP_APP_ORIGIN_PORT: '0',
        MCP_INSPECTOR_SECRET_STORE: 'memory', // tokens kept in memory, gone with the process
        MCP_AUTO_OPEN_ENABLED: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Inspector printed no URL within 90 s:\n${output}`)), 90_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = new RegExp(`(http://127\\.0\\.0\\.1:${port}/?\\?MCP_INSPECTOR_API_TOKEN=\\w+)`).exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('exit', (code) => reject(new Error(`the Inspector exited (${code}):\n${oneLine(output, 600)}`)))
  }).catch(async (error) => {
    await stopChild(child)
    throw error
  })
  return { url, stop: () => stopChild(child) }
}

/**
 * The person at the Inspector's browser tab: signs in and approves when the page goes to the authorization
 * server. A provider that remembers the person (lab 7's, for a step-up) shows only the consent page.
 */
async function signInOnPage(page: Page, user: Target['user'], inspectorUrl: string): Promise<void> {
  const home = new URL(inspectorUrl).origin
  const password = page.locator('input[name=password]')
  const approve = page.locator('button[value=approve]')
  const back = () => page.waitForURL((url) => url.origin === home && !url.pathname.startsWith('/oauth'), { timeout: STEP_MS })
  await password.or(approve).first().waitFor({ timeout: STEP_MS })
  if (await password.isVisible()) {
    await page.fill('input[name=username]', user.username)
    await password.fill(user.password)
    await page.click('button[type=submit]')
    await approve.waitFor({ timeout: STEP_MS })
  }
  await approve.click()
  await back()
}

type Outcome = { outcome: 'shown' | 'step-up' | 'sign-in' }
const SAW = { shown: 'the result', 'step-up': '"Additional permissions required"', 'sign-in': 'a sign-in page' }

/**
 * Selects a tool and executes it; resolves when `expected` shows in its result, the Inspector asks for more
 * scope, or the page leaves for a sign-in. Anything else ends in a timeout: a result panel that still shows
 * the previous call's failure cannot be told from a new one.
 */
async function runTool(page: Page, name: string, expected: RegExp): Promise<Outcome> {
  await page.getByText(name, { exact: true }).first().click()
  await page.getByRole('button', { name: 'Execute Tool' }).click()
  const at = { timeout: STEP_MS }
  return Promise.race<Outcome>([
    page
      .getByText(expected)
      .first()
      .waitFor(at)
      .then(() => ({ outcome: 'shown' })),
    page
      .getByText('Additional permissions required')
      .waitFor(at)
      .then(() => ({ outcome: 'step-up' })),
    page
      .locator('input[name=password]')
      .waitFor(at)
      .then(() => ({ outcome: 'sign-in' })),
  ])
}

/** What the page's backend fetched for it at the authorization server: token responses and refresh attempts. */
function watchTokens(page: Page) {
  const seen = { accessToken: '', clientId: '', refreshes: [] as string[] }
  page.on('response', async (response: Response) => {
    if (!response.url().endsWith('/api/fetch')) return
    const request = JSON.parse(response.request().postData() ?? '{}') as { body?: string }
    const form = new URLSearchParams(request.body ?? '')
    const grant = form.get('grant_type')
    if (grant !== 'authorization_code' && grant !== 'refresh_token') return
    const answer = (await response.json().catch(() => ({}))) as { status?: number; body?: string }
    if (grant === 'refresh_token') seen.refreshes.push(`HTTP ${answer.status} to its refresh`)
    try {
      const tokens = JSON.parse(answer.body ?? '') as { access_token?: string }
      if (tokens.access_token) seen.accessToken = tokens.access_token
      if (form.get('client_id')) seen.clientId = form.get('client_id')!
    } catch {
      // not a token response
    }
  })
  return seen
}

/** Drives a fresh Inspector in `era` through sign-in, tools/list, read_notes, step-up and refresh against the target lab. */
export async function driveInspector(browser: Browser, target: Target, era: Era): Promise<Row> {
  const row: Row = {}
  const inspector = await startInspector(target).catch((error: Error) => error)
  if (inspector instanceof Error) return { 'sign-in': fail(oneLine(inspector)) }
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  if (process.env.INTEROP_DEBUG) {
    page.on('console', (m) => m.type() === 'error' && console.log(`  [page ${m.type()}] ${m.text().slice(0, 300)}`))
  }
  const signIns: SignIn[] = []
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (request.isNavigationRequest() && url.searchParams.get('response_type') === 'code') {
      signIns.push({
        scope: url.searchParams.get('scope') ?? '',
        pkce: url.searchParams.get('code_challenge_method'),
        resource: url.searchParams.get('resource'),
      })
    }
  })
  const tokens = watchTokens(page)
  try {
    await page.goto(inspector.url)
    // Settings → Protocol Era, on the lab's card
    await page.getByRole('button', { name: 'Settings', exact: true }).click()
    await page.getByRole('textbox', { name: 'Protocol Era' }).click()
    await page.getByRole('option', { name: new RegExp(`^${era}`) }).click()
    await page.keyboard.press('Escape')
    await page.getByRole('switch').first().click({ force: true })
    await signInOnPage(page, target.user, inspector.url)
    const first = signIns.at(-1)
    row['sign-in'] = first?.pkce === 'S256' ? pass(`registered, PKCE S256, asked for "${first.scope}"`) : fail('no PKCE S256')

    const connected = await Promise.race([
      page
        .getByText('Connected', { exact: true })
        .waitFor({ timeout: STEP_MS })
        .then(() => undefined),
      page
        .getByText(/did not offer|failed|error/i)
        .first()
        .waitFor({ timeout: STEP_MS })
        .then(async () =>
          oneLine(
            await page
              .getByText(/did not offer|failed|error/i)
              .first()
              .innerText(),
            300,
          ),
        ),
    ])
    if (connected !== undefined) throw new Error(`not connected: ${connected}`)
    row.protocol = /MCP (\d{4}-\d\d-\d\d)/.exec(await page.locator('body').innerText())?.[1]

    await page
      .locator('label')
      .filter({ hasText: /^Tools$/ })
      .click()
    await page.getByText('read_notes', { exact: true }).first().waitFor({ timeout: STEP_MS })
    row['tools/list'] = pass()

    const who = new RegExp(`Notes of ${target.user.username}`)
    const read = await runTool(page, 'read_notes', who)
    row.read_notes = read.outcome === 'shown' ? pass() : fail(`it showed ${SAW[read.outcome]}`)

    // Step-up: the Inspector shows the scopes it will ask for, the person authorizes, signs in and executes again.
    const before = signIns.length
    const purge = await runTool(page, 'purge_notes', /Purged \d+ note/)
    if (purge.outcome === 'shown' && signIns.length === before && first?.scope.split(' ').includes('notes:admin')) {
      row['step-up'] = { result: 'n/a', note: 'asked for notes:admin at its first sign-in' }
    } else if (purge.outcome === 'step-up') {
      await page.getByRole('button', { name: 'Authorize' }).click()
      await signInOnPage(page, target.user, inspector.url)
      await page.getByText('Step-up authorization succeeded').waitFor({ timeout: STEP_MS })
      const again = await runTool(page, 'purge_notes', /Purged \d+ note/)
      const second = signIns[before]
      row['step-up'] =
        again.outcome === 'shown' && second?.scope.split(' ').includes('notes:admin')
          ? pass(`second sign-in for "${second.scope}"`)
          : fail(`it showed ${SAW[again.outcome]}`)
    } else {
      row['step-up'] = fail(`it showed ${SAW[purge.outcome]}`)
    }

    // Refresh: the server now refuses the access token; the Inspector should use its refresh token, not a new sign-in.
    if (!tokens.accessToken || !tokens.clientId) throw new Error('saw no token response for it')
    await makeUnusable(target, tokens.accessToken, tokens.clientId)
    const refreshesBefore = tokens.refreshes.length
    const signInsBefore = signIns.length
    const after = await runTool(page, 'read_notes', new RegExp(`${who.source} \\(scopes: [^)]*notes:admin`))
    const refreshes = tokens.refreshes.slice(refreshesBefore)
    row.refresh =
      after.outcome === 'shown' &&
      signIns.length === signInsBefore &&
      refreshes.length > 0 &&
      refreshes.every((r) => r.startsWith('HTTP 200'))
        ? pass()
        : fail(`it showed ${SAW[after.outcome]}${refreshes.length ? `; ${refreshes.at(-1)}` : ', without trying its refresh token'}`)
  } catch (error) {
    if (process.env.INTEROP_DEBUG) await page.screenshot({ path: join(tmpdir(), `inspector-lab${target.n}-${era}.png`) })
    const next = nextCapability(row)
    if (next) row[next] = fail(`${oneLine(error)} (the page was at ${page.url().split('?')[0]})`)
  } finally {
    await context.close()
    await inspector.stop()
  }
  return row
}
