// The code is formatted (prettier, pinned; `npm run format` fixes it) and no line runs past 140
// characters, in every file prettier formats (not the Markdown: a README's wide tables are the lesson's).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as prettier from 'prettier'
import { describe, expect, it } from 'vitest'
import { ROOT } from '@workshop/kit/paths'

const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.json', '*.mjs'], {
  cwd: ROOT,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => file && !file.endsWith('package-lock.json'))

describe('formatting', () => {
  it('every file is as prettier writes it (npm run format)', async () => {
    const unformatted: string[] = []
    for (const file of tracked) {
      const path = join(ROOT, file)
      const info = await prettier.getFileInfo(path, { ignorePath: join(ROOT, '.prettierignore') })
      if (info.ignored) continue
      const options = await prettier.resolveConfig(path)
      if (!(await prettier.check(readFileSync(path, 'utf8'), { ...options, filepath: path }))) unformatted.push(file)
    }
    expect(unformatted).toEqual([])
  })

  it('no line is longer than 140 characters', () => {
    const long = tracked.flatMap((file) =>
      readFileSync(join(ROOT, file), 'utf8')
        .split('\n')
        .flatMap((line, i) => (line.length > 140 ? [`${file}:${i + 1} (${line.length})`] : [])),
    )
    expect(long).toEqual([])
  })
})
