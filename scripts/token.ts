// npm run -s token -- --scope "notes:read notes:write" [--sub alice] [--ttl 5m] [--aud URL] [--port 9000]
// Prints one RFC 9068 access token for labs 2–4, and nothing else, so TOKEN=$(…) works.
import { parseArgs } from 'node:util'
import { mintAccessToken, parseTtl } from '@workshop/kit/tokens'

try {
  const { values } = parseArgs({
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
    console.log('usage: npm run -s token -- [--scope "notes:read notes:write"] [--sub alice] [--ttl 5m] [--aud URL] [--port 9000]')
  } else {
    const port = Number(values.port)
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`bad --port "${values.port}"`)
    const ttl = parseTtl(values.ttl)
    console.log(await mintAccessToken({ port, scope: values.scope, sub: values.sub, ttl, aud: values.aud }))
  }
} catch (error) {
  console.error(`token: ${(error as Error).message}`)
  process.exitCode = 2
}
