import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig } from 'vitest/config'

// The authorization servers' SQLite files go to a throwaway folder, not the learner's data/: for the
// shared servers (test/global-setup.ts, in this process) and for every test file.
process.env.DATA_DIR ??= mkdtempSync(join(tmpdir(), 'mcp-workshop-test-'))

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // Lab servers are real processes: give them time to start on a busy two-core machine.
    testTimeout: 60_000,
    hookTimeout: 90_000,
    pool: 'forks',
    // Most of a test's time is spent waiting for lab processes and curl: three files at a time keep two
    // cores busy without one test starving another.
    maxWorkers: 3,
    // and inside a file, at most three concurrent tests at a time (each may start a lab)
    maxConcurrency: 3,
    env: { DATA_DIR: process.env.DATA_DIR, FORCE_COLOR: '0' },
  },
})
