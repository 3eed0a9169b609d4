// Lab 1's wrong answers: the Origin allowlist and CORS (origin.ts).
import type { Mutant } from './types.ts'

const origin = { lab: 1, exercise: 'origin-check', file: 'origin.ts' } as const

export default [
  {
    ...origin,
    name: 'allowlist matched by prefix (startsWith)',
    caughtBy: 'origin-lookalike',
    find: 'if (!allowed.includes(origin)) {',
    replace: 'if (!allowed.some((ok) => origin.startsWith(ok))) {',
  },
  {
    ...origin,
    name: 'allowlist matched by substring (includes)',
    caughtBy: 'origin-lookalike',
    find: 'if (!allowed.includes(origin)) {',
    replace: 'if (!allowed.some((ok) => origin.includes(ok))) {',
  },
  {
    ...origin,
    name: 'allowlist matched by host alone (any port of this machine)',
    caughtBy: 'origin-lookalike',
    find: 'if (!allowed.includes(origin)) {',
    replace: "if (origin === 'null' || !allowed.some((ok) => new URL(ok).hostname === new URL(origin).hostname)) {",
  },
  {
    ...origin,
    name: 'Access-Control-Allow-Origin: * instead of the origin',
    caughtBy: 'cors-preflight',
    find: "res.setHeader('Access-Control-Allow-Origin', origin)",
    replace: "res.setHeader('Access-Control-Allow-Origin', '*')",
  },
  {
    ...origin,
    name: 'no Vary: Origin (a cache serves one origin the answer of another)',
    caughtBy: 'cors-preflight',
    find: "res.setHeader('Vary', 'Origin')",
    replace: '',
  },
  {
    ...origin,
    name: 'WWW-Authenticate not exposed to the page',
    caughtBy: 'cors-preflight',
    find: "'WWW-Authenticate, Mcp-Session-Id, Mcp-Protocol-Version'",
    replace: "'Mcp-Session-Id, Mcp-Protocol-Version'",
  },
  {
    ...origin,
    name: 'the preflight is passed on instead of answered',
    caughtBy: 'cors-preflight',
    find: 'res.status(204).end()\n      return',
    replace: 'return next()',
  },
] satisfies Mutant[]
