import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
export const LABS_DIR = join(ROOT, 'labs')
export const KEYS_DIR = join(ROOT, 'keys')
export const PRIVATE_KEY_FILE = join(KEYS_DIR, 'private.pem')
