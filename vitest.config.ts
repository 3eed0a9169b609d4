import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Lab servers are real processes: give them time to start on a busy two-core machine.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // The authorization servers' SQLite files go to a throwaway folder, not the learner's data/.
    env: { DATA_DIR: mkdtempSync(join(tmpdir(), 'mcp-workshop-test-')), FORCE_COLOR: '0' },
  },
})
