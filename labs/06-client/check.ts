// Lab 6's checks: `npm run check 6` starts lab 5's server and walks the narrated client against it,
// as a learner does with `npm run step 6`, then reads what it printed. Each run gets its own data folder.
// SDK 2 checks iss and asks for the union on step-up by itself, so a walk would pass even with
// the client's own rules deleted: the callback-* and step-up-* checks call those rules directly
// (checkCallback, stepUpScope in client/provider.ts) with hostile input, no HTTP involved.
import { fileURLToPath } from 'node:url'
import { $ } from 'zx'
import { type CheckContext, type Walk, assert, check, freshClientData as freshData, runIfMain, walkEnv, walked } from '@workshop/kit/checks'
import { type ExpectedCallback, checkCallback, stepUpScope } from './client/provider.ts'

const CLIENT = fileURLToPath(new URL('./client/walk.ts', import.meta.url))

/** Runs the client against the check's server, as `npm run step 6` does; `data` keeps what it stores. */
async function walk(t: CheckContext, data: string, args: string[] = []): Promise<Walk> {
  return walked(await $({ env: walkEnv(data), nothrow: true })`${process.execPath} --import tsx ${CLIENT} ${args} ${t.mcp}`)
}

function expectWalked(run: Walk): void {
  assert(run.code === 0, `the walk exited ${run.code}:\n${run.output.split('\n').slice(-6).join('\n')}`)
  assert(/Tool result\n/.test(run.output), 'the walk did not end with a tool result')
  assert(!/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/.test(run.output), 'the walk printed a whole token')
}

// The authorization server we started with, which advertises iss in its responses (RFC 9207 §3).
const EXPECTED: ExpectedCallback = { state: 'Yk3v9s1Qx7', issuer: 'http://127.0.0.1:9000', issAdvertised: true }
const callback = (params: Record<string, string>) => new URLSearchParams({ code: 'a-code', ...params })

/** checkCallback must throw for this callback. */
function refuses(params: Record<string, string>, expected: ExpectedCallback, what: string): void {
  try {
    checkCallback(callback(params), expected)
  } catch {
    return
  }
  assert(false, `checkCallback accepted ${what}`)
}

/** checkCallback must let this callback through. */
function accepts(params: Record<string, string>, expected: ExpectedCallback, what: string): void {
  try {
    checkCallback(callback(params), expected)
  } catch (error) {
    assert(false, `checkCallback refused ${what}: ${(error as Error).message}`)
  }
}

const scopeSet = (scope: string | undefined) => (scope ?? '').split(' ').filter(Boolean).sort().join(' ')

export const checks = [
  check(
    'callback-state',
    'checkCallback refuses a callback whose state is not the one sent, or has none (calls the function directly, no HTTP)',
    'OAuth 2.1 §7.12, RFC 6749 §10.12',
    async () => {
      accepts({ state: EXPECTED.state, iss: EXPECTED.issuer! }, EXPECTED, 'the callback it expects')
      refuses({ state: 'Xk3v9s1Qx7', iss: EXPECTED.issuer! }, EXPECTED, 'another state (a CSRF)')
      refuses({ state: EXPECTED.state.toLowerCase(), iss: EXPECTED.issuer! }, EXPECTED, 'a state that differs in case')
      refuses({ iss: EXPECTED.issuer! }, EXPECTED, 'a callback without state')
    },
  ),
  check(
    'callback-iss-foreign',
    "checkCallback refuses an iss that is not the issuer's, byte for byte, advertised or not (calls the function directly, no HTTP)",
    'RFC 9207 §2.4 (mix-up)',
    async () => {
      refuses({ state: EXPECTED.state, iss: 'http://127.0.0.1:9100' }, EXPECTED, 'the iss of another authorization server')
      refuses({ state: EXPECTED.state, iss: `${EXPECTED.issuer}/` }, EXPECTED, 'an iss with a trailing slash added')
      const quiet = { ...EXPECTED, issAdvertised: false }
      refuses({ state: EXPECTED.state, iss: 'http://127.0.0.1:9100' }, quiet, 'a foreign iss from a server that does not advertise iss')
    },
  ),
  check(
    'callback-iss-missing',
    'checkCallback refuses a callback without iss when the metadata advertises authorization_response_iss_parameter_supported, ' +
      'and accepts one when it does not (calls the function directly, no HTTP)',
    'RFC 9207 §2.4',
    async () => {
      refuses({ state: EXPECTED.state }, EXPECTED, 'no iss although the server advertises it')
      accepts({ state: EXPECTED.state }, { ...EXPECTED, issAdvertised: false }, 'no iss from a server that does not advertise it')
    },
  ),
  check(
    'step-up-union',
    'stepUpScope asks for the union of the scopes held and those the challenge names, each once (calls the function directly, no HTTP)',
    'MCP authorization §Step-Up Authorization Flow, RFC 6749 §3.3',
    async () => {
      const union = stepUpScope('notes:read notes:write', 'notes:admin', 0)
      assert(scopeSet(union) === 'notes:admin notes:read notes:write', `held read+write, challenged admin: asked for "${union}"`)
      const overlap = stepUpScope('notes:read', 'notes:read notes:admin', 0)
      assert(overlap?.split(' ').length === 2 && scopeSet(overlap) === 'notes:admin notes:read', `asked for "${overlap}"`)
      const fresh = stepUpScope(undefined, 'notes:admin', 0)
      assert(fresh === 'notes:admin', `no token yet, challenged admin: asked for "${fresh}"`)
    },
  ),
  check(
    'step-up-limit',
    'stepUpScope steps up once per operation, then refuses: a server that keeps answering 403 cannot loop the user ' +
      '(calls the function directly, no HTTP)',
    'MCP authorization §Step-Up Authorization Flow (retry limits)',
    async () => {
      assert(stepUpScope('notes:read', 'notes:admin', 0) !== undefined, 'the first step-up was refused')
      for (const attempts of [1, 2, 10]) {
        const scope = stepUpScope('notes:read', 'notes:admin', attempts)
        assert(scope === undefined, `after ${attempts} step-up(s) it still asks for "${scope}"`)
      }
    },
  ),
  check(
    'walk',
    'the client walks from a bare 401 to a tool result in 2026-07-28 (server/discover, _meta, headers): ' +
      'discovery, registration, PKCE, iss, step-up, refresh, revocation',
    'MCP authorization §Authorization Flow Steps',
    async (t) => {
      const run = await walk(t, freshData())
      expectWalked(run)
      const seen = run.legs
      for (const leg of [
        'The bare request',
        'Protected-resource metadata',
        'Authorization-server metadata',
        'Registration',
        'The authorization request',
        'Login and consent',
        'The code and its iss',
        'Token exchange',
        'Step-up',
        'Refresh',
        'Revocation',
      ]) {
        assert(seen.includes(leg), `no "${leg}" leg in the walk (legs: ${seen.join(', ')})`)
      }
      assert(run.output.includes('stepped up: the new token carries notes:admin'), 'carol did not step up to notes:admin')
      assert(/scope="notes:read notes:write notes:admin"/.test(run.output), 'the step-up did not ask for the union of scopes')
      assert(run.output.includes('its access token is refused too'), "the revoked grant's access token still works at this server")
      assert(run.output.includes('the SDK checks iss too'), 'the walk does not show the SDK refusing a forged iss')
      // 2026-07-28 (MCP Streamable HTTP, server/discover): no initialize; _meta and the MCP headers on every request.
      assert(/speaking 2026-07-28 \(--era auto\)/.test(run.output), 'the walk did not negotiate 2026-07-28 with server/discover')
      assert(!/^\s+initialize$/m.test(run.output), 'the 2026-07-28 walk sent initialize')
      assert(/_meta: \{"io\.modelcontextprotocol\/protocolVersion":"2026-07-28"/.test(run.output), 'no _meta envelope shown')
      assert(/Mcp-Method: tools\/call {2}Mcp-Name: read_notes/.test(run.output), 'no Mcp-Method and Mcp-Name headers on tools/call')
      assert(run.output.includes('the SDK asks for the union'), "the walk does not show the SDK's step-up asking for the union")
    },
  ),
  check(
    'walk-legacy',
    '--era legacy walks the same flow the 2025 way: initialize first, no server/discover, no _meta envelope',
    'MCP 2025-11-25 §Lifecycle, MCP 2026-07-28 §Versioning (clients that speak both)',
    async (t) => {
      const run = await walk(t, freshData(), ['--era', 'legacy'])
      expectWalked(run)
      assert(/speaking 2025-11-25 \(--era legacy\)/.test(run.output), 'the legacy walk did not speak 2025-11-25')
      assert(/^\s+initialize$/m.test(run.output), 'the legacy walk sent no initialize')
      assert(!/Mcp-Method: server\/discover/.test(run.output), 'the legacy walk asked server/discover')
      assert(!/_meta: /.test(run.output), 'the legacy walk sent a _meta envelope')
      assert(run.output.includes('stepped up: the new token carries notes:admin'), 'carol did not step up to notes:admin')
    },
  ),
  check(
    'walk-again',
    'a second walk reuses the stored registration and refreshes instead of logging in',
    'MCP authorization §Token Handling, OAuth 2.1 §4.3',
    async (t) => {
      const data = freshData()
      expectWalked(await walk(t, data))
      const again = await walk(t, data)
      expectWalked(again)
      const seen = again.legs
      assert(!seen.includes('Registration'), 'the second walk registered again')
      assert(
        seen.indexOf('Refresh') !== -1 && seen.indexOf('Refresh') < seen.indexOf('Step-up'),
        'the second walk did not start with a refresh',
      )
      assert(seen.indexOf('Login and consent') > seen.indexOf('Step-up'), 'the second walk logged in before it needed to step up')
      assert(again.output.includes('registered earlier'), 'the second walk did not say it reused the registration')
    },
  ),
  check(
    'walk-no-admin',
    'as alice, who may not purge, step-up stops at the retry limit and the walk still finishes',
    'MCP authorization §Step-Up Authorization Flow',
    async (t) => {
      const run = await walk(t, freshData(), ['--user', 'alice'])
      expectWalked(run)
      assert(run.output.includes('Retry limit reached'), 'no retry limit was reached')
      assert(!run.output.includes('Purged'), 'alice purged notes')
    },
  ),
]

await runIfMain(import.meta.url)
