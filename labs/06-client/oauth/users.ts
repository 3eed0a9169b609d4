// The demo users, and checking their passwords the way a real login must.
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto'

/**
 * The people who can sign in, and the most each may grant a client. They differ on
 * purpose: bob can only read, alice can also write, carol can purge, so step-up
 * (lab 4's 403) and a refused scope on the consent page can both be shown.
 * Printed by `npm run step 5` and listed in the README: demo passwords, never real ones.
 */
export const DEMO_USERS = [
  { username: 'alice', password: 'wonderland', scopes: ['notes:read', 'notes:write'] },
  { username: 'bob', password: 'builder', scopes: ['notes:read'] },
  { username: 'carol', password: 'sesame', scopes: ['notes:read', 'notes:write', 'notes:admin'] },
] as const

export interface User {
  sub: string
  /** every scope this user may grant */
  scopes: string[]
}

export interface UserDirectory {
  /** the user if the password is right, else undefined; takes the same time either way */
  verify(username: string, password: string): User | undefined
  find(sub: string): User | undefined
}

interface StoredUser extends User {
  salt: Buffer
  hash: Buffer
}

const KEY_LENGTH = 32

/** scrypt: slow on purpose and memory-hard, so a stolen hash resists guessing (RFC 7914). */
function hashPassword(password: string, salt: Buffer): Buffer {
  return scryptSync(password.normalize('NFC'), salt, KEY_LENGTH)
}

/** Hashes the demo passwords at startup; the plain passwords are not kept in the directory. */
export function demoUserDirectory(): UserDirectory {
  const users = new Map<string, StoredUser>()
  for (const { username, password, scopes } of DEMO_USERS) {
    const salt = randomBytes(16)
    users.set(username, { sub: username, scopes: [...scopes], salt, hash: hashPassword(password, salt) })
  }
  // An unknown username is still hashed against this, so timing does not reveal which usernames exist.
  const decoy = { salt: randomBytes(16), hash: randomBytes(KEY_LENGTH) }

  return {
    verify(username, password) {
      const user = users.get(username)
      const candidate = hashPassword(password, (user ?? decoy).salt)
      const matches = timingSafeEqual(candidate, (user ?? decoy).hash)
      return matches && user ? { sub: user.sub, scopes: user.scopes } : undefined
    },
    find(sub) {
      const user = users.get(sub)
      return user && { sub: user.sub, scopes: user.scopes }
    },
  }
}
