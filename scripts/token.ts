// npm run -s token -- --scope "notes:read notes:write" [--sub alice] [--ttl 5m] [--aud URL] [--port 9000]
// Prints one RFC 9068 access token for labs 2–4, and nothing else, so TOKEN=$(…) works.
// A negative --ttl (`--ttl -1m`) mints a token that expired that long ago.
import { parseArgs } from 'node:util'
import { mintAccessToken, parseTtl } from '@workshop/kit/tokens'

const usage = 'usage: npm run -s token -- [--scope "notes:read notes:write"] [--sub alice] [--ttl 5m|-1m] [--aud URL] [--port 9000]'

/** parseArgs takes "-1m" after --ttl for an option of its own: join it to --ttl, as in --ttl=-1m. */
function joinNegativeTtl(args: string[]): string[] {
  const joined: string[] = []
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--ttl' && /^-\d/.test(args[i + 1] ?? '')) joined.push(`--ttl=${args[++i]}`)
    else joined.push(args[i])
  }
  return joined
}

try {
  const { values } = parseArgs({
    args: joinNegativeTtl(process.argv.slice(2)),
    options: {
      scope: { type: 'string', default: 'notes:read' },
      sub: { type: 'string', default: 'alice' },
      ttl: { type: 'string', default: '15m' },
      aud: { type: 'string' },
      port: { type: 'string', default: process.env.PORT ?? '9000' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log(usage)
  } else {
    const port = Number(values.port)
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad --port "${values.port}"`)
    const ttl = parseTtl(values.ttl)
    console.log(await mintAccessToken({ port, scope: values.scope, sub: values.sub, ttl, aud: values.aud }))
  }
} catch (error) {
  // One line, so a learner's TOKEN=$(…) shows what went wrong instead of three lines of parser advice.
  console.error(`token: ${(error as Error).message.split('\n')[0]}`)
  process.exitCode = 2
}
