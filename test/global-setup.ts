import { ensureDevKey } from '@workshop/kit/keys'

// The dev key pair, as `npm run step` would create it on a fresh clone.
export default function setup(): void {
  ensureDevKey()
}
