import { readFileSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import mutants from '../test/mutants/lab-06.ts'
import { regionsOf } from '@workshop/kit/practice'
const file = 'labs/06-client/client/provider.ts'
const original = readFileSync(file, 'utf8')
const direct = ['callback-state', 'callback-iss-foreign', 'callback-iss-missing', 'step-up-union', 'step-up-limit']
try {
  for (const m of mutants) {
    const count = original.split(m.find).length - 1
    const region = regionsOf(original).find((r) => r.name === m.exercise)!
    const inRegion = region.body.join('\n').includes(m.find.replace(/\n$/, ''))
    writeFileSync(file, original.replace(m.find, m.replace))
    const tsc = spawnSync('npx', ['tsc', '-p', '.'], { encoding: 'utf8' })
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', `
      const { checks } = await import('./labs/06-client/check.ts')
      for (const c of checks.filter((c) => ${JSON.stringify(direct)}.includes(c.id))) {
        try { await c.run({}); console.log('pass', c.id) } catch (e) { console.log('FAIL', c.id, e.message) }
      }`], { encoding: 'utf8' })
    console.log(`${m.exercise} / ${m.name}: found ${count}x, in region ${inRegion}, tsc ${tsc.status === 0 ? 'ok' : 'ERR ' + tsc.stdout.slice(0, 300)}`)
    console.log(run.stdout.split('\n').filter((l) => l.startsWith('FAIL')).map((l) => '   ' + l).join('\n') || '   NO CHECK FAILED ' + run.stderr.slice(0, 300))
  }
} finally {
  writeFileSync(file, original)
}
