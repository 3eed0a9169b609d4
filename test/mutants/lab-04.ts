// Lab 4's wrong answers: what each message needs, and the gate (scopes.ts).
import type { Mutant } from './types.ts'

const lookup = { lab: 4, exercise: 'scope-lookup', file: 'scopes.ts' } as const
const gate = { lab: 4, exercise: 'scope-gate', file: 'scopes.ts' } as const

export default [
  {
    ...lookup,
    name: 'resources/read of any URI needs only notes:read',
    find: 'const scope = typeof target',
    replace: "const scope = method === 'resources/read' ? 'notes:read' : typeof target",
  },
  {
    ...lookup,
    name: 'the table matched by prefix (startsWith)',
    find: 'SCOPE_TABLE.get(`${method} ${target}`)',
    replace: '[...SCOPE_TABLE].find(([key]) => `${method} ${target}`.startsWith(key))?.[1]',
  },
  {
    ...lookup,
    name: 'the table matched ignoring case',
    find: 'SCOPE_TABLE.get(`${method} ${target}`)',
    replace: 'SCOPE_TABLE.get(`${method} ${target.toLowerCase()}`)',
  },
  {
    ...lookup,
    name: 'an unknown operation is open (fails open)',
    find: "return scope ? { scope } : { unknown: `${method} ${typeof target === 'string' ? target : ''}`.trim() }",
    replace: 'return scope ? { scope } : { open: true }',
  },
  {
    ...lookup,
    name: 'a prompt looked up by uri, not name (fails closed)',
    find: "method === 'prompts/get' ? params?.name",
    replace: "method === 'prompts/get' ? params?.uri",
  },
  {
    ...gate,
    name: 'only the first message of a batch is looked at',
    find: 'Array.isArray(req.body) ? req.body : [req.body]',
    replace: 'Array.isArray(req.body) ? req.body.slice(0, 1) : [req.body]',
  },
  {
    ...gate,
    name: 'one granted scope is enough',
    find: 'if (missing.length === 0) return next()',
    replace: 'if (missing.length < needed.size || needed.size === 0) return next()',
  },
  { ...gate, name: '401 instead of 403', find: 'sendChallenge(res, 403, {', replace: 'sendChallenge(res, 401, {' },
  {
    ...gate,
    name: 'the challenge names only the missing scopes',
    find: "scope: [...needed].join(' '),",
    replace: "scope: missing.join(' '),",
  },
  {
    ...gate,
    name: 'an unknown operation in a batch slips through',
    find: "if ('unknown' in requirement) {",
    replace: "if ('unknown' in requirement && !Array.isArray(req.body)) {",
  },
] satisfies Mutant[]
