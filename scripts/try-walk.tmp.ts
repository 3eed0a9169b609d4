import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { findLab } from '@workshop/kit/labs'
import { startLab } from '@workshop/kit/lab-process'
const n = process.argv[2] ?? '5'
const args = process.argv.slice(3)
const data = mkdtempSync(join(tmpdir(), 'try-'))
const lab = await startLab(findLab(n), { env: { DATA_DIR: data } })
try {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'labs/06-client/client/walk.ts', ...args, lab.mcpUrl], { env: { ...process.env, DATA_DIR: data, FORCE_COLOR: '0' }, encoding: 'utf8' })
  console.log(r.stdout, r.stderr, 'exit', r.status)
} finally { await lab.stop() }
