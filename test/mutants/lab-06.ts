// Lab 6's mutants: plausible wrong answers to its exercises, each a text replacement inside the
// exercise's region of client/provider.ts. Each typechecks, and at least one of its exercise's checks
// fails against it. SDK 2 would still stop the attack in the walk (it checks iss, asks for the union
// and caps step-up itself): the callback-* and step-up-* checks, which call the functions directly, are
// what catch these.
export default [
  {
    lab: 6,
    exercise: 'state-and-iss',
    name: 'no state check',
    file: 'client/provider.ts',
    find: "  if (params.get('state') !== expected.state) throw new LegFailed('state does not match: refusing the response (CSRF)')\n",
    replace: '',
  },
  {
    lab: 6,
    exercise: 'state-and-iss',
    name: 'iss optional even when the metadata advertises it',
    file: 'client/provider.ts',
    find:
      "  if (iss === null && expected.issAdvertised) throw new LegFailed('no iss although the server advertises it " +
      "(RFC 9207 §2.4)')\n",
    replace: '',
  },
  {
    lab: 6,
    exercise: 'state-and-iss',
    name: 'iss compared only when the metadata advertises it',
    file: 'client/provider.ts',
    find: 'if (iss !== null && iss !== expected.issuer) {',
    replace: 'if (iss !== null && expected.issAdvertised && iss !== expected.issuer) {',
  },
  {
    lab: 6,
    exercise: 'state-and-iss',
    name: 'iss required even when the metadata does not advertise it',
    file: 'client/provider.ts',
    find: 'if (iss === null && expected.issAdvertised) throw',
    replace: 'if (iss === null) throw',
  },
  {
    lab: 6,
    exercise: 'state-and-iss',
    name: 'iss compared leniently (trailing slash ignored)',
    file: 'client/provider.ts',
    find: 'if (iss !== null && iss !== expected.issuer) {',
    replace: "if (iss !== null && iss.replace(/\\/$/, '') !== expected.issuer?.replace(/\\/$/, '')) {",
  },
  {
    lab: 6,
    exercise: 'state-and-iss',
    name: 'the whole state and iss check deleted',
    file: 'client/provider.ts',
    find: [
      "  if (params.get('state') !== expected.state) throw new LegFailed('state does not match: refusing the response (CSRF)')",
      "  const iss = params.get('iss')",
      "  if (iss === null && expected.issAdvertised) throw new LegFailed('no iss although the server advertises it (RFC 9207 §2.4)')",
      '  if (iss !== null && iss !== expected.issuer) {',
      '    throw new LegFailed(`iss ${iss} is not ${expected.issuer}: a mix-up, refusing the code (RFC 9207 §2.4)`)',
      '  }',
      '',
    ].join('\n'),
    replace: '',
  },
  {
    lab: 6,
    exercise: 'step-up',
    name: "the challenge's scope only",
    file: 'client/provider.ts',
    find: "  return [...new Set([...(held ?? '').split(' '), ...challenge.split(' ')])].filter(Boolean).join(' ')",
    replace: '  return challenge',
  },
  {
    lab: 6,
    exercise: 'step-up',
    name: 'held and challenged scopes joined, duplicates kept',
    file: 'client/provider.ts',
    find: "  return [...new Set([...(held ?? '').split(' '), ...challenge.split(' ')])].filter(Boolean).join(' ')",
    replace: "  return [held, challenge].filter(Boolean).join(' ')",
  },
  {
    lab: 6,
    exercise: 'step-up',
    name: 'no retry limit',
    file: 'client/provider.ts',
    find: '  if (attempts >= STEP_UP_LIMIT) return undefined\n',
    replace: '',
  },
  {
    lab: 6,
    exercise: 'step-up',
    name: 'retry limit off by one',
    file: 'client/provider.ts',
    find: 'if (attempts >= STEP_UP_LIMIT) return undefined',
    replace: 'if (attempts > STEP_UP_LIMIT) return undefined',
  },
  {
    lab: 6,
    exercise: 'step-up',
    name: 'the whole union and limit deleted (the SDK does it anyway)',
    file: 'client/provider.ts',
    find: [
      '  if (attempts >= STEP_UP_LIMIT) return undefined',
      "  return [...new Set([...(held ?? '').split(' '), ...challenge.split(' ')])].filter(Boolean).join(' ')",
    ].join('\n'),
    replace: '  return challenge',
  },
]
