// npm run keys: (re)generate the dev RS256 key pair in keys/.
import { relative } from 'node:path'
import { generateDevKey, readDevKey } from '@workshop/kit/keys'
import { PRIVATE_KEY_FILE, ROOT } from '@workshop/kit/paths'

generateDevKey()
const { kid } = await readDevKey()
console.log(`new dev key pair in ${relative(ROOT, PRIVATE_KEY_FILE)} (kid ${kid})`)
console.log('Running labs still serve the old public key: restart them. Tokens signed by the old key no longer verify.')
