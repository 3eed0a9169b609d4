// The "Try it by hand" commands of every lab's README, run as printed (port adapted, as the
// guide does) against the running lab: each curl connects and no answer is a 5xx.
import { spawnSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { readTryItCommands } from '../scripts/lib/guide.ts'
import { DEFAULT_TARGET, LABS, findLab, labExists } from '@workshop/kit/labs'
import { type RunningLab, startLab } from '@workshop/kit/lab-process'
import { ROOT } from '@workshop/kit/paths'

const running: RunningLab[] = []
afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()))
})

const labs = LABS.filter((lab) => labExists(lab) && readTryItCommands(lab, 9000).some((line) => line.startsWith('curl')))

describe.concurrent("README's curl commands", () => {
  it.each(labs.map((lab) => [lab.n, lab] as const))('lab %i', async (_n, lab) => {
    const server = await startLab(lab.attacks ? findLab(String(DEFAULT_TARGET)) : lab) // lab 8's commands attack lab 5
    running.push(server)
    const commands = readTryItCommands(lab, server.port)
    // One shell, so `export TOKEN=…` carries over to the next lines, as in a learner's terminal.
    const script = commands.map((line, i) => `echo "@@@ ${i}"\n${line}\necho "@@@ exit $?"`).join('\n')
    const run = spawnSync('bash', ['-c', script], {
      cwd: ROOT,
      env: { ...process.env, PORT: String(server.port) },
      encoding: 'utf8',
      timeout: 60_000,
    })
    const sections = run.stdout.split(/^@@@ (?=\d)/m).slice(1)
    expect(sections.length, run.stderr).toBe(commands.length)
    for (const section of sections) {
      const index = Number(section.slice(0, section.indexOf('\n')))
      const command = commands[index]
      if (!command.startsWith('curl')) continue
      expect(section, `${command}\nexited non-zero`).toMatch(/@@@ exit 0\s*$/)
      const statuses = [...section.matchAll(/^HTTP\/[\d.]+ (\d{3})/gm)].map((m) => Number(m[1]))
      if (/^curl -i /.test(command)) expect(statuses.length, `${command}\nprinted no status line`).toBeGreaterThan(0)
      for (const status of statuses) expect(status, `${command}\nanswered ${status}`).toBeLessThan(500)
      const printed = section
        .slice(section.indexOf('\n') + 1)
        .replace(/@@@ exit 0\s*$/, '')
        .trim()
      if (/^curl -s /.test(command) && printed.startsWith('{')) expect(() => JSON.parse(printed), command).not.toThrow()
    }
  })
})
