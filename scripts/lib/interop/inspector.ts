// The MCP Inspector (pinned in interop/package.json) in Direct mode: its web page, in headless
// Chromium, talks to the lab itself (browser → server, so CORS decides), as a learner clicks it:
// Streamable HTTP, the URL, Connection Type "Direct", Connect, sign in, Tools, List Tools, Run Tool.
import { spawn, type ChildProcess } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, type Page, chromium } from 'playwright-core'
import { CHROMIUM, CHROMIUM_ARGS, CHROMIUM_MISSING } from '@workshop/kit/chromium'
import { portIsFree } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'
import { CAPABILITIES, type Row, type SignIn, type Target, fail, makeUnusable, oneLine, pass } from './common.ts'
import { INTEROP_DIR } from './stdio.ts'

export const INSPECTOR_NAME = 'MCP Inspector 1.0.3 (Direct)'
// Its defaults, which every lab's Origin allowlist names (labs/01-transport/origin.ts).
const UI_PORT = 6274
const PROXY_PORT = 6277
const STEP_MS = 90_000 // a busy machine can take this long to render a page; a failure shows at once

export interface Inspector {
  /** its page, with the session token it printed */
  url: string
  browser: Browser
  stop(): Promise<void>
}

/** Starts the Inspector on its default ports, as `npx @modelcontextprotocol/inspector@1.0.3` does, and a headless Chromium. */
export async function startInspector(): Promise<Inspector> {
  if (CHROMIUM === undefined) throw new Error(CHROMIUM_MISSING)
  for (const port of [UI_PORT, PROXY_PORT]) {
    if (!(await portIsFree(port))) throw new Error(`port ${port} is in use (another MCP Inspector?): stop it and run again`)
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [join(INTEROP_DIR, 'node_modules/@modelcontextprotocol/inspector/cli/build/cli.js')],
    {
      cwd: ROOT,
      env: { ...process.env, MCP_AUTO_OPEN_ENABLED: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: it starts a proxy and a web server of its own
    },
  )
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM')
      } catch {
        // already gone
      }
    }
  }
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the Inspector printed no URL within 90 s:\n${output}`)), 90_000)
    const read = (chunk: Buffer) => {
      output += chunk.toString()
      const match = new RegExp(`(http://localhost:${UI_PORT}/\\?MCP_PROXY_AUTH_TOKEN=\\w+)`).exec(output)
      if (match) {
        clearTimeout(timer)
        resolve(match[1])
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('exit', (code) => reject(new Error(`the Inspector exited (${code}):\n${output}`)))
  }).catch(async (error) => {
    await stop()
    throw error
  })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  })
  return {
    url,
    browser,
    stop: async () => {
      await browser.close()
      await stop()
    },
  }
}

/** The person at the Inspector's browser tab: signs in and approves when the page goes to the authorization server. */
async function signInOnPage(page: Page, user: Target['user']): Promise<void> {
  await page.locator('input[name=password]').waitFor({ timeout: STEP_MS })
  await page.fill('input[name=username]', user.username)
  await page.fill('input[name=password]', user.password)
  await page.click('button[type=submit]')
  await page.locator('button[value=approve]').waitFor({ timeout: STEP_MS })
  await page.click('button[value=approve]')
}

/** Clicks a tool in the Tools tab and runs it; resolves when `expected` shows, the result is an error, or the page leaves for a sign-in. */
async function runTool(page: Page, title: string, expected: RegExp): Promise<{ outcome: 'shown' | 'error' | 'sign-in'; text?: string }> {
  await page.getByText(title, { exact: true }).first().click()
  await page.getByRole('button', { name: 'Run Tool' }).click()
  const error = page.getByText('Tool Result: Error', { exact: true })
  return Promise.race([
    page
      .getByText(expected)
      .first()
      .waitFor({ timeout: STEP_MS })
      .then(() => ({ outcome: 'shown' as const })),
    error.waitFor({ timeout: STEP_MS }).then(async () => ({
      outcome: 'error' as const,
      // the message the Inspector shows under the heading
      text: (await error.locator('xpath=following-sibling::*[1]').textContent())?.trim(),
    })),
    page
      .locator('input[name=password]')
      .waitFor({ timeout: STEP_MS })
      .then(() => ({ outcome: 'sign-in' as const })),
  ])
}

/** The grant_type of a token request, whether sent as a form (OAuth 2.1 §3.2.2) or, wrongly, as JSON. */
function grantType(body: string): string | null {
  try {
    return JSON.parse(body).grant_type ?? null
  } catch {
    return new URLSearchParams(body).get('grant_type')
  }
}

export async function driveInspector(inspector: Inspector, target: Target): Promise<Row> {
  const row: Row = {}
  const context = await inspector.browser.newContext() // fresh storage: no tokens, no registration
  const page = await context.newPage()
  if (process.env.INTEROP_DEBUG) {
    page.on('console', (m) => m.type() !== 'debug' && console.log(`  [page ${m.type()}] ${m.text().slice(0, 300)}`))
    page.on('requestfailed', (r) => console.log(`  [page ✘] ${r.method()} ${r.url()} ${r.failure()?.errorText}`))
    page.on(
      'response',
      (r) => !r.url().includes(':6274/') && console.log(`  [page ←] ${r.status()} ${r.request().method()} ${r.url().slice(0, 120)}`),
    )
  }
  const signIns: SignIn[] = []
  const tokenRequests: string[] = []
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
  page.on('response', async (response) => {
    const request = response.request()
    if (request.method() === 'POST' && grantType(request.postData() ?? '') === 'refresh_token') {
      tokenRequests.push(`HTTP ${response.status()} to its refresh (Content-Type: ${request.headers()['content-type']})`)
    }
  })
  try {
    const serverUrl = encodeURIComponent(target.lab.mcpUrl)
    await page.goto(`${inspector.url}&transport=streamable-http&serverUrl=${serverUrl}`)
    await page.click('#connection-type-select')
    await page.getByRole('option', { name: 'Direct' }).click()
    await page.getByRole('button', { name: 'Connect' }).click()
    await signInOnPage(page, target.user)
    await page.waitForURL(new RegExp(`^http://localhost:${UI_PORT}/`), { timeout: STEP_MS })
    const first = signIns.at(-1)
    row['sign-in'] = first?.pkce === 'S256' ? pass(`registered, PKCE S256, asked for "${first.scope}"`) : fail('no PKCE S256')
    const connected = page.getByText('Connected', { exact: true })
    try {
      await connected.waitFor({ timeout: 20_000 })
      row.initialize = pass()
    } catch {
      // Back from the sign-in, it sometimes shows "Disconnected" (its own two authorization requests raced);
      // a person clicks Connect once more, and signs in again if the race cost it the tokens.
      await page.getByRole('button', { name: 'Connect', exact: true }).click()
      const next = await Promise.race([
        connected.waitFor({ timeout: STEP_MS }).then(() => 'connected' as const),
        page
          .locator('input[name=password]')
          .waitFor({ timeout: STEP_MS })
          .then(() => 'sign-in' as const),
      ])
      if (next === 'sign-in') {
        await signInOnPage(page, target.user)
        await page.waitForURL(new RegExp(`^http://localhost:${UI_PORT}/`), { timeout: STEP_MS })
        await connected.waitFor({ timeout: STEP_MS })
      }
      row.initialize = pass(
        `back from the sign-in it showed Disconnected: Connect, clicked again${next === 'sign-in' ? ', signed in again' : ''}, worked`,
      )
    }

    await page.getByRole('tab', { name: 'Tools' }).click()
    await page.getByRole('button', { name: 'List Tools' }).click()
    await page.getByText('Read notes', { exact: true }).first().waitFor({ timeout: STEP_MS })
    row['tools/list'] = pass()

    const who = new RegExp(`Notes of ${target.user.username}`)
    const read = await runTool(page, 'Read notes', who)
    row.read_notes = read.outcome === 'shown' ? pass() : fail(read.text ?? 'asked for a new sign-in')

    const before = signIns.length
    const purge = await runTool(page, 'Purge notes', /Purged \d+ note/)
    if (purge.outcome === 'shown' && signIns.length === before && first?.scope.split(' ').includes('notes:admin')) {
      row['step-up'] = { result: 'n/a', note: 'asked for notes:admin at its first sign-in' }
    } else if (purge.outcome === 'sign-in') {
      await signInOnPage(page, target.user)
      row['step-up'] = fail('signed in again; the call that needed notes:admin was not retried')
    } else {
      row['step-up'] = purge.outcome === 'shown' ? pass() : fail(purge.text ?? 'purge_notes did not succeed')
    }

    const tokens = await page.evaluate(() => {
      const key = Object.keys(sessionStorage).find((k) => k.endsWith('mcp_tokens'))
      const client = Object.keys(sessionStorage).find((k) => k.endsWith('mcp_client_information'))
      return { tokens: key && JSON.parse(sessionStorage.getItem(key)!), client: client && JSON.parse(sessionStorage.getItem(client)!) }
    })
    if (!tokens.tokens?.access_token || !tokens.client?.client_id) throw new Error('found no tokens in its sessionStorage')
    await makeUnusable(target, tokens.tokens.access_token, tokens.client.client_id)
    const refreshesBefore = tokenRequests.length
    const after = await runTool(page, 'Read notes', who)
    const refreshes = tokenRequests.slice(refreshesBefore)
    row.refresh =
      after.outcome === 'shown' && refreshes.length > 0 && refreshes.every((r) => r.startsWith('HTTP 200'))
        ? pass()
        : fail(
            `${after.outcome === 'sign-in' ? 'asked for a new sign-in' : (after.text ?? 'the call failed')}` +
              `${refreshes.length ? `; ${refreshes.at(-1)}` : ', without trying its refresh token'}`,
          )
  } catch (error) {
    if (process.env.INTEROP_DEBUG) await page.screenshot({ path: join(tmpdir(), `inspector-lab${target.n}.png`), fullPage: true })
    const next = CAPABILITIES.find((c) => !(c in row))
    if (next) row[next] = fail(`${oneLine(error)} (the page was at ${page.url().split('?')[0]})`)
  } finally {
    await context.close()
  }
  return row
}
