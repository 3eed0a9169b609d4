// The defences this lab is meant to have, in the words of lab 8's attacks (labs/08-attacks/attacks/types.ts).
// `npm run step 8 -- --target <this lab>` fails if an attack gets through one of them; the others are lessons to come.
import type { Defence } from '../08-attacks/attacks/types.ts'

export const defences: Defence[] = [
  'origin-check', // origin.ts: a foreign Origin gets 403 (DNS rebinding, web pages)
  'host-check', // server.ts: localhostHostValidation refuses a Host that is not this machine
  'json-only', // errors.ts: requireJsonBody, so only a body we parsed is executed
  'body-limit', // server.ts: express.json({ limit: '64kb' }), counted after inflating
  'parse-errors', // errors.ts: jsonErrors turns bad bodies into 4xx JSON-RPC errors
]
