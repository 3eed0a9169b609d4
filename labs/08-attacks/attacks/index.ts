// Every attack, grouped by what it targets, in the order the battery runs and prints them.
import { audienceAttacks } from './audience.ts'
import { clientMetadataAttacks } from './client-metadata.ts'
import { consentAttacks } from './consent.ts'
import { discoveryAttacks } from './discovery.ts'
import { gateAttacks } from './gate.ts'
import { inputAttacks } from './inputs.ts'
import { pkceAndCodeAttacks } from './pkce-and-codes.ts'
import { redirectAttacks } from './redirects.ts'
import { refreshAttacks } from './refresh.ts'
import { tokenAttacks } from './tokens.ts'
import { transportAttacks } from './transport.ts'
import { type Attack, GROUPS } from './types.ts'

const all = [
  ...transportAttacks,
  ...tokenAttacks,
  ...audienceAttacks,
  ...discoveryAttacks,
  ...gateAttacks,
  ...pkceAndCodeAttacks,
  ...redirectAttacks,
  ...refreshAttacks,
  ...consentAttacks,
  ...clientMetadataAttacks,
  ...inputAttacks,
]

const order = Object.keys(GROUPS)
export const ATTACKS: Attack[] = all.sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group))
