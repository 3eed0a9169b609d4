// The flow page: a sequence diagram of the running lab's HTTP exchanges, drawn live from the page's
// event stream (or from the exchanges saved into this file), the lab's checks, its lesson and practice.
// Plain DOM and SVG: everything an exchange carries is attacker-controlled (lab 8), so text goes in as text.
'use strict'
;(() => {
  const config = window.FLOW
  const saved = config.saved !== undefined && config.saved !== null
  const exchanges = new Map()
  const checks = new Map()
  let selected
  let lastRun

  const $ = (id) => document.getElementById(id)
  const SVG = 'http://www.w3.org/2000/svg'
  function el(tag, attrs, ...children) {
    const node = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag)
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue
      if (name === 'onclick') node.addEventListener('click', value)
      else node.setAttribute(name, String(value))
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue
      node.append(child instanceof Node ? child : document.createTextNode(String(child)))
    }
    return node
  }

  document.title = `Lab ${config.lab.n}: the flow`
  $('title').textContent = `Lab ${config.lab.n}: ${config.lab.title}${config.practice ? ' (practice)' : ''}`
  if (saved) document.body.classList.add('saved')
  if (config.practice) document.body.classList.add('practice')

  // ── views ──
  for (const button of document.querySelectorAll('nav button')) {
    button.addEventListener('click', () => show(button.dataset.view))
  }
  function show(view) {
    for (const b of document.querySelectorAll('nav button')) b.classList.toggle('active', b.dataset.view === view)
    for (const v of document.querySelectorAll('.view')) v.classList.toggle('active', v.id === `view-${view}`)
    if (view === 'lesson') loadLesson()
    if (view === 'practice') loadPractice()
  }

  // ── the exchange: a sequence diagram ──
  const ROW = 24
  const LANE_WIDTH = 190
  const TOP = 34

  function ordered() {
    return [...exchanges.values()].sort((a, b) => a.start - b.start || a.id - b.id)
  }

  function summary(x) {
    if (x.error && !x.response.status) return 'no answer'
    const challenge = (x.challenges || []).find((c) => c.scheme === 'bearer')
    if (challenge && challenge.params.error) return `${x.response.status} ${challenge.params.error}`
    try {
      const body = JSON.parse(x.response.body || '')
      if (body && typeof body.error === 'string') return `${x.response.status} ${body.error}`
      if (body && body.error && typeof body.error.message === 'string') return `${x.response.status} ${body.error.message.slice(0, 40)}`
    } catch {}
    return String(x.response.status)
  }

  function label(x) {
    const path = x.path.length > 38 ? `${x.path.slice(0, 37)}…` : x.path
    // what kind of call it is: the MCP method (2026-07-28's Mcp-Method, else the JSON-RPC body), the grant
    let kind = x.request.headers['mcp-method']
    if (!kind && x.request.body) {
      try {
        kind = JSON.parse(x.request.body).method
      } catch {
        kind = new URLSearchParams(x.request.body).get('grant_type') || undefined
      }
    }
    return `${x.method} ${path}${kind ? ` (${kind})` : ''}`
  }

  function draw() {
    const svg = $('diagram')
    const list = ordered()
    $('empty').style.display = list.length ? 'none' : ''
    const used = new Set(['client', 'mcp'])
    for (const x of list) used.add(x.from).add(x.to)
    const lanes = config.lanes.filter((l) => used.has(l.id))
    const xOf = Object.fromEntries(lanes.map((l, i) => [l.id, LANE_WIDTH / 2 + i * LANE_WIDTH]))
    const height = TOP + list.length * 2 * ROW + 20
    svg.setAttribute('width', String(lanes.length * LANE_WIDTH))
    svg.setAttribute('height', String(height))
    svg.replaceChildren()
    const defs = el('svg:defs', {})
    for (const outcome of ['ok', 'redirect', 'challenge', 'refused', 'error']) {
      defs.append(
        el(
          'svg:marker',
          { id: `head-${outcome}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
          el('svg:path', { d: 'M0,0 L10,5 L0,10 z', class: outcome }),
        ),
      )
    }
    svg.append(defs)
    for (const lane of lanes) {
      svg.append(el('svg:text', { x: xOf[lane.id], y: 18, class: 'lane-title', 'data-lane': lane.id }, lane.title))
      svg.append(el('svg:line', { x1: xOf[lane.id], x2: xOf[lane.id], y1: 26, y2: height, class: 'lane-line' }))
    }
    list.forEach((x, i) => {
      const y = TOP + i * 2 * ROW + 14
      const a = xOf[x.from]
      const b = xOf[x.to]
      const left = Math.min(a, b)
      const self = a === b
      const group = el('svg:g', {
        class: `arrow${selected === x.id ? ' selected' : ''}`,
        id: `x-${x.id}`,
        'data-id': x.id,
        'data-method': x.method,
        'data-path': x.path,
        'data-status': x.response.status,
        'data-from': x.from,
        'data-to': x.to,
        'data-outcome': x.outcome,
        onclick: () => select(x.id),
      })
      group.append(
        el('svg:rect', { class: 'hit', x: left - 6, y: y - 14, width: Math.abs(b - a) + 12 + (self ? 60 : 0), height: ROW * 2 - 2 }),
      )
      const end = self ? a + 40 : b
      group.append(el('svg:line', { x1: a, y1: y, x2: end, y2: y, class: `request ${x.outcome}`, 'marker-end': `url(#head-${x.outcome})` }))
      group.append(el('svg:text', { x: left + 6, y: y - 4, class: x.outcome }, label(x)))
      const ry = y + ROW
      group.append(el('svg:line', { x1: end, y1: ry, x2: a, y2: ry, class: `reply ${x.outcome}`, 'marker-end': `url(#head-${x.outcome})` }))
      group.append(el('svg:text', { x: left + 6, y: ry - 4, class: `status ${x.outcome}` }, summary(x)))
      svg.append(group)
    })
    $('status').textContent = `${list.length} exchange${list.length === 1 ? '' : 's'}${saved ? ' (saved)' : ''}`
  }

  const TIMES = new Set(['exp', 'iat', 'nbf', 'auth_time'])
  function claimsTable(object) {
    return el(
      'table',
      {},
      Object.entries(object).map(([k, v]) =>
        el(
          'tr',
          {},
          el('th', {}, k),
          el('td', {}, TIMES.has(k) && typeof v === 'number' ? `${v} (${new Date(v * 1000).toISOString()})` : JSON.stringify(v)),
        ),
      ),
    )
  }
  function headersTable(headers) {
    return el(
      'table',
      { class: 'headers' },
      Object.entries(headers).map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))),
    )
  }

  function select(id) {
    selected = id
    const x = exchanges.get(id)
    for (const g of document.querySelectorAll('#diagram .arrow')) g.classList.toggle('selected', Number(g.dataset.id) === id)
    const detail = $('detail')
    if (!x) return
    const parts = [
      el('h2', {}, `${x.method} ${x.url}`),
      el(
        'p',
        {},
        el('span', { class: `badge ${x.outcome}` }, x.response.status || 'no answer'),
        ` ${x.from} → ${x.to}`,
        x.side === 'sent' ? ` (sent by ${x.role})` : '',
        x.error ? ` — ${x.error}` : '',
      ),
    ]
    if (x.spec.length)
      parts.push(
        el(
          'p',
          { class: 'spec' },
          'Governed by: ',
          x.spec.map((s) => el('a', { href: s.url, target: '_blank', rel: 'noreferrer' }, s.label)),
        ),
      )
    if (x.challenges && x.challenges.length) {
      parts.push(el('h3', {}, 'WWW-Authenticate, parsed'))
      for (const c of x.challenges) {
        parts.push(el('div', { class: 'challenge' }, el('strong', {}, c.scheme), c.token68 ? ` ${c.token68}` : '', claimsTable(c.params)))
      }
    }
    for (const jwt of x.jwts) {
      parts.push(el('h3', {}, `${jwt.label} (${jwt.where}): header`), claimsTable(jwt.header))
      parts.push(
        el('h3', { class: 'claims' }, `${jwt.label}: claims`),
        el('div', { class: 'jwt-claims', 'data-jwt': jwt.label }, claimsTable(jwt.claims)),
      )
    }
    parts.push(el('h3', {}, 'Request headers'), headersTable(x.request.headers))
    if (x.request.body) parts.push(el('h3', {}, 'Request body'), el('pre', {}, x.request.body))
    parts.push(el('h3', {}, `Response headers (${x.response.status})`), headersTable(x.response.headers))
    if (x.response.body) parts.push(el('h3', {}, 'Response body'), el('pre', {}, x.response.body))
    detail.replaceChildren(...parts)
  }

  function add(x) {
    exchanges.set(x.id, x)
  }

  let pending = false
  function redraw() {
    if (pending) return
    pending = true
    requestAnimationFrame(() => {
      pending = false
      draw()
      drawChecks()
    })
  }

  // ── the checks ──
  function exchangeOf(check) {
    const during = ordered().filter((x) => x.side === 'served' && x.start >= check.start && x.start <= check.end)
    return during.filter((x) => x.response.status >= 400).pop() || during.pop()
  }
  function drawChecks() {
    const list = $('checks')
    if (!list) return
    list.replaceChildren(
      ...[...checks.values()].map((c) => {
        if (c.ok === undefined)
          return el(
            'li',
            { class: 'pending', 'data-check': c.id },
            el('span', { class: 'mark' }, '…'),
            c.title,
            ' ',
            el('span', { class: 'spec' }, `(${c.spec})`),
          )
        const x = c.ok ? undefined : exchangeOf(c)
        return el(
          'li',
          { class: c.ok ? 'pass' : 'fail', 'data-check': c.id },
          el('span', { class: 'mark' }, c.ok ? '✔' : '✘'),
          c.title,
          ' ',
          el('span', { class: 'spec' }, `(${c.spec})`),
          c.reason ? el('div', { class: 'reason' }, c.reason) : '',
          x
            ? el(
                'div',
                { class: 'reason' },
                el(
                  'a',
                  {
                    href: `#x-${x.id}`,
                    class: 'exchange-link',
                    'data-exchange': x.id,
                    onclick: (e) => {
                      e.preventDefault()
                      show('exchange')
                      select(x.id)
                      document.getElementById(`x-${x.id}`)?.scrollIntoView({ block: 'center' })
                    },
                  },
                  `its exchange: ${x.method} ${x.path} → ${summary(x)}`,
                ),
              )
            : '',
          c.curl.length ? el('details', {}, el('summary', {}, `curl (${c.curl.length})`), el('pre', {}, c.curl.join('\n\n'))) : '',
        )
      }),
    )
    const done = [...checks.values()].filter((c) => c.ok !== undefined)
    const failed = done.filter((c) => !c.ok).length
    if (checks.size)
      $('checks-summary').textContent =
        `${done.length - failed} passed, ${failed} failed${done.length < checks.size ? ` (${checks.size - done.length} to go)` : ''}`
  }

  // ── live ──
  if (saved) {
    for (const x of config.saved.exchanges) add(x)
    draw()
  } else {
    const stream = new EventSource('/events')
    stream.addEventListener('hello', (e) => {
      const data = JSON.parse(e.data)
      exchanges.clear()
      for (const x of data.exchanges) add(x)
      for (const c of data.checks) checks.set(c.id, c)
      redraw()
    })
    stream.addEventListener('exchange', (e) => {
      add(JSON.parse(e.data))
      redraw()
    })
    stream.addEventListener('clear', () => {
      exchanges.clear()
      selected = undefined
      $('detail').replaceChildren(el('p', { class: 'hint' }, 'Click an arrow to see its request and response.'))
      redraw()
    })
    stream.addEventListener('checks-start', (e) => {
      const data = JSON.parse(e.data)
      lastRun = data.run
      checks.clear()
      for (const c of data.ids) checks.set(c.id, { ...c, curl: [] })
      $('run-checks').disabled = true
      drawChecks()
    })
    stream.addEventListener('check', (e) => {
      const c = JSON.parse(e.data)
      checks.set(c.id, c)
      drawChecks()
      practiceStates()
    })
    stream.addEventListener('checks-done', (e) => {
      const data = JSON.parse(e.data)
      $('run-checks').disabled = false
      if (data.error) $('checks-summary').textContent = data.error
      else $('checks-summary').textContent = `${data.passed} passed, ${data.failed} failed`
      $('checks-summary').dataset.done = String(data.run)
    })
    $('clear').addEventListener('click', () => fetch('/api/clear', { method: 'POST' }))
    $('run-checks').addEventListener('click', () => fetch('/api/checks', { method: 'POST' }))
  }
  draw()

  // ── the lesson: the README (marked), its diagrams (mermaid), the diff against the base lab ──
  let lessonLoaded = false
  function script(src) {
    return new Promise((resolve, reject) => {
      const node = document.createElement('script')
      node.src = src
      node.onload = resolve
      node.onerror = reject
      document.head.append(node)
    })
  }
  async function loadLesson() {
    if (lessonLoaded || saved) return
    lessonLoaded = true
    const data = await (await fetch('/api/lesson')).json()
    await script('/vendor/marked.js')
    const article = $('lesson')
    article.innerHTML = window.marked.parse(data.readme.replace(/<(script|iframe|object)/gi, '&lt;$1'))
    const blocks = [...article.querySelectorAll('code.language-mermaid')]
    if (blocks.length) {
      const nodes = blocks.map((code) => {
        const div = el('div', { class: 'mermaid' }, code.textContent)
        code.parentElement.replaceWith(div)
        return div
      })
      await script('/vendor/mermaid.js')
      window.mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' })
      await window.mermaid.run({ nodes })
    }
    drawDiff(data)
  }
  function patchView(patch) {
    return el(
      'pre',
      {},
      patch
        .split('\n')
        .map((line) =>
          el(
            'span',
            { class: line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : line.startsWith('@@') ? 'hunk' : '' },
            `${line}\n`,
          ),
        ),
    )
  }
  function drawDiff(data) {
    const box = $('diff')
    if (data.base === undefined) return box.replaceChildren(el('p', {}, 'This lab has no base lab to diff against.'))
    let part
    const render = (file) => {
      const files = part ? data.files.filter((f) => part.files.includes(f.file)) : data.files
      const current = files.find((f) => f.file === file) || files[0]
      box.replaceChildren(
        el('h2', {}, `The diff: lab ${data.base} → lab ${config.lab.n}${part ? `, part ${part.part}` : ''}`),
        data.parts.length
          ? el(
              'div',
              { id: 'parts' },
              el(
                'button',
                {
                  onclick: () => {
                    part = undefined
                    render()
                  },
                },
                'all parts',
              ),
              data.parts.map((p) =>
                el(
                  'button',
                  {
                    onclick: () => {
                      part = p
                      render()
                    },
                  },
                  `part ${p.part}: ${p.title}`,
                ),
              ),
            )
          : '',
        el(
          'div',
          { id: 'diff-nav' },
          files.map((f) => el('button', { class: f === current ? 'active' : '', onclick: () => render(f.file) }, `${f.change} ${f.file}`)),
        ),
        current ? el('div', { class: 'diff' }, patchView(current.patch)) : el('p', {}, 'no files changed'),
      )
    }
    render()
  }

  // ── practice: each exercise's state, its hints one at a time, the solution's diff on request ──
  let practice
  async function loadPractice() {
    if (practice || saved) return practiceStates()
    practice = await (await fetch('/api/practice')).json()
    const box = $('practice')
    box.replaceChildren(
      ...practice.exercises.map((e) => {
        let given = 0
        const hints = el('ol', { class: 'hints' })
        const hintButton = el(
          'button',
          {
            onclick: () => {
              if (given < e.hints.length) hints.append(el('li', {}, e.hints[given++]))
              if (given === e.hints.length) hintButton.disabled = true
            },
          },
          'Next hint',
        )
        const solution = el('div', { class: 'diff', hidden: true }, patchView(e.solution))
        return el(
          'div',
          { class: 'exercise', 'data-exercise': e.name },
          el('h3', {}, e.name, ' ', el('code', {}, e.file), ' ', el('span', { class: 'state' })),
          el('p', {}, e.task),
          hints,
          hintButton,
          ' ',
          el('button', { onclick: () => (solution.hidden = !solution.hidden) }, 'Show the solution’s diff'),
          solution,
        )
      }),
    )
    practiceStates()
  }
  function practiceStates() {
    if (!practice) return
    for (const e of practice.exercises) {
      const node = document.querySelector(`[data-exercise="${CSS.escape(e.name)}"] .state`)
      if (!node) continue
      const results = e.checks.map((id) => checks.get(id)).filter((c) => c && c.ok !== undefined)
      let state = e.state === 'stub' ? 'to write' : e.state === 'solution' ? 'solved' : 'yours'
      if (results.length) state += results.every((c) => c.ok) ? ', passing' : ', failing'
      node.textContent = `(${state})`
      node.className = `state ${results.length ? (results.every((c) => c.ok) ? 'passing' : 'failing') : e.state}`
    }
  }
})()
