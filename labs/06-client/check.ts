// Lab 6's checks: `npm run check 6` starts lab 5's server and walks the narrated client against it,
// as a learner does with `npm run step 6`, then reads what it printed. Each run gets its own data folder.
import { fileURLToPath } from 'node:url'
import { $ } from 'zx'
import { type CheckContext, type Walk, assert, check, freshClientData as freshData, runIfMain, walkEnv, walked } from '@workshop/kit/checks'

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

export const checks = [
  check(
    'walk',
    'the client walks from a bare 401 to a tool result: discovery, registration, PKCE, iss, step-up, refresh, revocation',
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
