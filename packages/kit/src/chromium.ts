// The system's Chromium, for the tests and the interop run (playwright-core drives it; nothing downloads a
// browser). CHROMIUM_PATH names any Chromium or Chrome; on Debian it is /usr/lib/chromium/chromium.
import { existsSync } from 'node:fs'

export const CHROMIUM: string | undefined = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].find(
  (path) => path !== undefined && existsSync(path),
)

export const CHROMIUM_MISSING =
  `no Chromium at ${process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium or /usr/bin/chromium'} ` +
  '(install it with: sudo apt-get install chromium, or set CHROMIUM_PATH)'

/** Headless, in a sandbox-less container, and quiet: no background traffic to hosts this machine cannot reach. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]
