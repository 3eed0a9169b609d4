// The demo users as the tooling sees them: what a person types on the sign-in page of lab 5 or lab 7,
// and the most each may grant. The labs keep their own copies (labs/05-oauth/oauth/users.ts,
// labs/07-idp/idp/users.ts), hashed at start; test/demo-users.test.ts keeps the three in step.

export interface DemoUser {
  username: string
  password: string
  /** every scope this user may grant a client */
  scopes: readonly string[]
}

export const DEMO_USERS: readonly DemoUser[] = [
  { username: 'alice', password: 'wonderland', scopes: ['notes:read', 'notes:write'] },
  { username: 'bob', password: 'builder', scopes: ['notes:read'] },
  { username: 'carol', password: 'sesame', scopes: ['notes:read', 'notes:write', 'notes:admin'] },
]

export class UnknownDemoUserError extends Error {
  name = 'UnknownDemoUserError'
  constructor(username: string) {
    super(`there is no demo user "${username}" (the demo users are ${DEMO_USERS.map((u) => u.username).join(', ')})`)
  }
}

export function demoUser(username: string): DemoUser {
  const user = DEMO_USERS.find((u) => u.username === username)
  if (user === undefined) throw new UnknownDemoUserError(username)
  return user
}

/** The password a demo user types on the sign-in page. */
export const passwordOf = (username: string): string => demoUser(username).password
