// The demo users: the same three people as lab 5, so the same flows show the same refusals.
// A real provider keeps users in its own directory (LDAP, a database, a social login): that is
// one of the things you stop writing when you adopt one.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'

/** Demo passwords, printed in the README: never real ones. `scopes` is the most each may grant. */
export const DEMO_USERS = [
  { username: 'alice', password: 'wonderland', scopes: ['notes:read', 'notes:write'] },
  { username: 'bob', password: 'builder', scopes: ['notes:read'] },
  { username: 'carol', password: 'sesame', scopes: ['notes:read', 'notes:write', 'notes:admin'] },
]

export interface User {
  sub: string
  /** every scope this user may grant a client */
  scopes: string[]
}

export interface UserDirectory {
  /** the user if the password is right; takes the same time for unknown usernames */
  verify(username: string, password: string): User | undefined
  find(sub: string): User | undefined
}

/** scrypt (RFC 7914): slow and memory-hard, so a stolen hash resists guessing. Plain passwords are not kept. */
export function demoUsers(): UserDirectory {
  const hash = (password: string, salt: Buffer) => scryptSync(password.normalize('NFC'), salt, 32)
  const users = new Map(
    DEMO_USERS.map(({ username, password, scopes }) => {
      const salt = randomBytes(16)
      return [username, { sub: username, scopes, salt, hash: hash(password, salt) }]
    }),
  )
  const decoy = { salt: randomBytes(16), hash: randomBytes(32) }
  return {
    verify(username, password) {
      const user = users.get(username)
      const matches = timingSafeEqual(hash(password.slice(0, 200), (user ?? decoy).salt), (user ?? decoy).hash)
      return matches && user ? { sub: user.sub, scopes: user.scopes } : undefined
    },
    find(sub) {
      const user = users.get(sub)
      return user && { sub: user.sub, scopes: user.scopes }
    },
  }
}
