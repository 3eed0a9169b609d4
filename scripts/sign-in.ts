// npm run -s sign-in -- [--user alice] [--scope "notes:read notes:write"] [--server http://127.0.0.1:9000/mcp]
// Prints one access token, and nothing else, so TOKEN=$(…) works: what an MCP client holds after the
// real flow against lab 5 or lab 7 (discovery from a bare 401, registration, PKCE, a scripted person
// signing in and approving on the pages, the code redeemed). No back doors.
import { parseArgs } from 'node:util'
import { signIn } from '@workshop/kit/oauth-client'

try {
  const { values } = parseArgs({
    options: {
      user: { type: 'string', default: 'alice' },
      scope: { type: 'string', default: 'notes:read notes:write' },
      server: { type: 'string', default: `http://127.0.0.1:${process.env.PORT || 9000}/mcp` },
    },
  })
  const { access_token } = await signIn(values.server, { user: values.user, scope: values.scope })
  console.log(access_token)
} catch (error) {
  console.error(`sign-in: ${(error as Error).message}`)
  process.exitCode = 1
}
