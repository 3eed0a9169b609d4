// Lab 6 end to end: `npm run step 6` without a terminal walks once and exits 0; and the client's
// stored registration and refresh token survive a restart of the authorization server; when the
// server has forgotten them (a new database), the client registers and logs in again.
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findLab, labPath } from '@workshop/kit/labs'
import { freePort, startLab } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'

function run(args: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, FORCE_COLOR: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  child.stderr.on('data', (chunk) => (output += chunk))
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code: code ?? 1, output })))
}

const legs = (output: string) => [...output.matchAll(/^\s*\d+\. (.+?)  /gm)].map((m) => m[1])

describe('lab 6, end to end', () => {
  it('npm run step 6 without a terminal walks the flow and exits 0', async () => {
    const port = await freePort()
    const { code, output } = await run(['scripts/step.ts', '6'], { PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), 'step6-')) })
    expect(code, output).toBe(0)
    expect(output).toContain(`ready: http://127.0.0.1:${port}/mcp`)
    expect(legs(output)).toEqual(expect.arrayContaining(['Registration', 'Token exchange', 'Step-up', 'Refresh', 'Revocation']))
    expect(output).toMatch(/Tool result\nNotes of carol/)
  })

  it('npm run step 6 names the leg that failed, and exits non-zero, against a server without OAuth', async () => {
    const lab4 = await startLab(findLab('4'))
    try {
      const { code, output } = await run(['scripts/step.ts', '6', '--server', lab4.mcpUrl], {
        DATA_DIR: mkdtempSync(join(tmpdir(), 'step6-')),
      })
      expect(code).not.toBe(0)
      expect(output).toMatch(/the walk failed/)
    } finally {
      await lab4.stop()
    }
  })

  it('after a restart of the authorization server, the client reuses its registration and refreshes', async () => {
    const lab = findLab('6')
    const port = await freePort()
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), 'walk-restart-')) }
    const walk = () => run([labPath(lab, 'client/walk.ts'), `http://127.0.0.1:${port}/mcp`], env)

    let server = await startLab(lab, { port, env })
    const first = await walk()
    await server.stop()
    expect(first.code, first.output).toBe(0)

    server = await startLab(lab, { port, env })
    try {
      const second = await walk()
      expect(second.code, second.output).toBe(0)
      expect(legs(second.output)).not.toContain('Registration')
      expect(legs(second.output).indexOf('Refresh')).toBeLessThan(legs(second.output).indexOf('Step-up'))
      expect(second.output).toContain('refresh token rotated')
    } finally {
      await server.stop()
    }
  })

  it('when the authorization server has forgotten it (a new database), the client registers and logs in again', async () => {
    const lab = findLab('6')
    const port = await freePort()
    const dataDir = mkdtempSync(join(tmpdir(), 'walk-forgotten-'))
    const walk = () => run([labPath(lab, 'client/walk.ts'), `http://127.0.0.1:${port}/mcp`], { DATA_DIR: dataDir })

    let server = await startLab(lab, { port, env: { DATA_DIR: dataDir } })
    const first = await walk()
    await server.stop()
    expect(first.code, first.output).toBe(0)
    // The server's SQLite files go; the client's memory (data/clients/) stays.
    for (const file of readdirSync(dataDir).filter((f) => f.includes('.sqlite'))) rmSync(join(dataDir, file))

    server = await startLab(lab, { port, env: { DATA_DIR: dataDir } })
    try {
      const second = await walk()
      expect(second.code, second.output).toBe(0)
      expect(second.output).toMatch(/invalid_client/)
      expect(second.output).toMatch(/refused our registration: forgetting them and starting over/)
      expect(legs(second.output)).toEqual(expect.arrayContaining(['Refresh', 'Registration', 'Token exchange']))
      expect(legs(second.output).indexOf('Refresh')).toBeLessThan(legs(second.output).indexOf('Registration'))
    } finally {
      await server.stop()
    }
  })
})
