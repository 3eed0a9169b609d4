// Lab 4's wrong answers: what each message needs, and the gate (scopes.ts).
import type { Mutant } from './types.ts'

const lookup = { lab: 4, exercise: 'scope-lookup', file: 'scopes.ts' } as const
const gate = { lab: 4, exercise: 'scope-gate', file: 'scopes.ts' } as const

export default [
  {
    ...lookup,
    name: 'resources/read of any URI needs only notes:read',
    caughtBy: 'unknown-resource',
    find: 'const scope = typeof target',
    replace: "const scope = method === 'resources/read' ? 'notes:read' : typeof target",
  },
  {
    ...lookup,
    name: 'the table matched by prefix (startsWith)',
    caughtBy: 'unknown-resource',
    find: 'SCOPE_TABLE.get(`${method} ${target}`)',
    replace: '[...SCOPE_TABLE].find(([key]) => `${method} ${target}`.startsWith(key))?.[1]',
  },
  {
    ...lookup,
    name: 'the table matched ignoring case',
    caughtBy: 'unknown-operation',
    find: 'SCOPE_TABLE.get(`${method} ${target}`)',
    replace: 'SCOPE_TABLE.get(`${method} ${target.toLowerCase()}`)',
  },
  {
    ...lookup,
    name: 'an unknown operation is open (fails open)',
    caughtBy: 'unknown-operation',
    find: "return scope ? { scope } : { unknown: `${method} ${typeof target === 'string' ? target : ''}`.trim() }",
    replace: 'return scope ? { scope } : { open: true }',
  },
  {
    ...lookup,
    name: 'a prompt looked up by uri, not name (fails closed)',
    caughtBy: 'read-token-reads',
    find: "method === 'prompts/get' ? params?.name",
    replace: "method === 'prompts/get' ? params?.uri",
  },
  {
    ...gate,
    name: 'only the first message of a batch is looked at',
    caughtBy: 'batch',
    find: 'Array.isArray(req.body) ? req.body : [req.body]',
    replace: 'Array.isArray(req.body) ? req.body.slice(0, 1) : [req.body]',
  },
  {
    ...gate,
    name: 'one granted scope is enough',
    caughtBy: 'batch',
    find: 'if (missing.length === 0) return next()',
    replace: 'if (missing.length < needed.size || needed.size === 0) return next()',
  },
  {
    ...gate,
    name: '401 instead of 403',
    caughtBy: 'read-token-cannot-add',
    find: 'sendChallenge(res, 403, {',
    replace: 'sendChallenge(res, 401, {',
  },
  {
    ...gate,
    name: 'the challenge names only the missing scopes',
    caughtBy: 'batch',
    find: "scope: [...needed].join(' '),",
    replace: "scope: missing.join(' '),",
  },
  {
    ...gate,
    name: 'an unknown operation in a batch slips through',
    caughtBy: 'unknown-operation',
    find: "if ('unknown' in requirement) {",
    replace: "if ('unknown' in requirement && !Array.isArray(req.body)) {",
  },
  {
    ...gate,
    name: 'the gate trusts the 2026-07-28 headers (Mcp-Method, Mcp-Name) instead of the body',
    caughtBy: 'headers-not-trusted',
    find: 'const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body]',
    replace:
      "const named = req.get('mcp-name')\n" +
      "    const messages: unknown[] = req.get('mcp-method')\n" +
      "      ? [{ method: req.get('mcp-method'), params: { name: named, uri: named } }]\n" +
      '      : Array.isArray(req.body) ? req.body : [req.body]',
  },
] satisfies Mutant[]
