// The real local stack for the browser tests: `casebridge local up` on free loopback ports with its
// own data dir, Debian's Chromium driven by playwright-core, and the few things a test does from
// outside the app (a customer's mail through the SMTP inbox, what the API and the outbox say).
import assert from 'node:assert/strict'
import { spawn, execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
export const ROOT = path.resolve(here, '../../..')
export const SCREENSHOTS = path.join(ROOT, 'docs', 'screenshots')
const CASEBRIDGE = path.join(ROOT, '.venv', 'bin', 'casebridge')

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

/** Start the stack; resolves when it printed READY. ``env``: settings for this stack (e.g.
 * CASEBRIDGE_EMBEDDER and CASEBRIDGE_TRIAGE_THRESHOLDS for the triage tests). */
export async function startStack({ env: extra = {} } = {}) {
  if (!existsSync(path.join(ROOT, 'web', 'agents', 'dist', 'index.html'))) {
    throw new Error('web/agents/dist is missing: build the app first (make web)')
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'casebridge-web-e2e-'))
  const [api, aws, smtp, web, live] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ])
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('CASEBRIDGE_') && !k.startsWith('AWS_')),
  )
  env.CASEBRIDGE_EMBEDDER = 'none' // these tests are not about vectors: the stack neither loads nor runs the model
  Object.assign(env, extra)
  const child = spawn(
    CASEBRIDGE,
    [
      'local',
      'up',
      '--api-port',
      api,
      '--aws-port',
      aws,
      '--smtp-port',
      smtp,
      '--web-port',
      web,
      '--live-port',
      live,
      '--customers-port', // the customers' site is not what these tests drive (web/customers/e2e)
      0,
      '--data-dir',
      dataDir,
    ].map(String),
    { cwd: ROOT, env: { ...env, PYTHONUNBUFFERED: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  const output = []
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`stack not ready in 120 s:\n${output.slice(-30).join('\n')}`)),
      120_000,
    )
    const onLine = (chunk) => {
      for (const line of String(chunk).split('\n')) {
        output.push(line)
        if (output.length > 400) output.shift()
        if (line.startsWith('READY ')) {
          clearTimeout(timer)
          resolve(JSON.parse(line.slice(6)))
        }
      }
    }
    child.stdout.on('data', onLine)
    child.stderr.on('data', onLine)
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`stack exited (${code}):\n${output.slice(-30).join('\n')}`))
    })
  })
  const agents = JSON.parse(readFileSync(path.join(dataDir, 'agents.json'), 'utf8'))
  return {
    ...ready,
    dataDir,
    smtpPort: smtp,
    agents,
    output,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await new Promise((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL')
            resolve()
          }, 20_000)
          child.on('exit', () => {
            clearTimeout(timer)
            resolve()
          })
        })
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
    /** The API as one of the seeded agents (for what a test checks, not for what the agent does). */
    async api(method, apiPath, body, agent = agents[0]) {
      const response = await fetch(ready.api_url + apiPath, {
        method,
        headers: { Authorization: `Bearer ${agent.token}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${text}`)
      return text ? JSON.parse(text) : null
    },
    /** A `casebridge` command against this stack (its environment); resolves to its stdout. */
    async cli(...args) {
      const { stdout } = await promisify(execFile)(CASEBRIDGE, args.map(String), {
        cwd: ROOT,
        env,
        maxBuffer: 32 * 1024 * 1024,
      })
      return stdout
    },
    /** What the system sent (SES in the embedded AWS). */
    async outbox() {
      const { stdout } = await promisify(execFile)(
        CASEBRIDGE,
        ['local', 'outbox', '--json', '--data-dir', dataDir],
        {
          cwd: ROOT,
          env,
          maxBuffer: 32 * 1024 * 1024,
        },
      )
      return JSON.parse(stdout)
    },
    /** A call to the embedded AWS's query API (moto does not check signatures). */
    async aws(service, params) {
      const response = await fetch(ready.aws_endpoint + '/', {
        method: 'POST',
        headers: {
          Authorization: `AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams(params).toString(),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${service} ${params.Action}: ${response.status} ${text}`)
      return text
    },
  }
}

/** A customer's mail through the stack's SMTP inbox (what SES receipt does in AWS). */
export function sendMail(port, { from, to = 'support@casebridge.local', subject, body, headers = {} }) {
  const messageId = `<${Date.now()}.${Math.random().toString(36).slice(2)}@${from.split('@')[1]}>`
  const lines = [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: ${messageId}`,
    `Date: ${new Date().toUTCString()}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    ...body.split('\n').map((l) => (l.startsWith('.') ? '.' + l : l)),
  ]
  const script = [
    `EHLO e2e.test`,
    `MAIL FROM:<${from}>`,
    `RCPT TO:<${to}>`,
    'DATA',
    lines.join('\r\n') + '\r\n.',
    'QUIT',
  ]
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1')
    let step = -1
    let buffer = ''
    socket.setTimeout(30_000, () => socket.destroy(new Error('SMTP timeout')))
    socket.on('data', (data) => {
      buffer += String(data)
      // act on each complete reply (its last line has a space after the code)
      while (/^\d{3} .*\r?\n/m.test(buffer)) {
        const match = buffer.match(/^(\d{3}) .*\r?\n/m)
        const code = Number(match[1])
        buffer = buffer.slice(buffer.indexOf(match[0]) + match[0].length)
        if (code >= 400) return socket.destroy(new Error(`SMTP ${code} after ${script[step] ?? 'greeting'}`))
        step += 1
        if (step < script.length) socket.write(script[step] + '\r\n')
        else socket.end()
      }
    })
    socket.on('error', reject)
    socket.on('close', () => resolve(messageId))
  })
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  })
}

/** The sign-in of the local stack's dev mode: `name`, one of the seeded agents, lands on the queue. */
export async function signIn(page, webUrl, name) {
  await page.goto(webUrl + '/sign-in')
  await page.getByRole('button', { name: new RegExp(`Sign in as ${name}`) }).click()
  await page.getByRole('heading', { name: /^Queue:/ }).waitFor()
}

/** A test file's browser on the stack: one page (1440×900, en-GB) with its errors logged and what
 * the Content-Security-Policy refused collected (the local stack sends the policy CloudFront sends,
 * functions/core/webpolicy.py); `shot` screenshots into docs/screenshots/, `accessible` fails on a
 * serious or critical axe violation or any refusal so far, `signIn` signs in as a seeded agent. */
export async function openBrowser(stack) {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const browser = await launchBrowser()
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, locale: 'en-GB' })
  const refused = []
  page.on('pageerror', (error) => console.error('page error:', error.message))
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) refused.push(message.text())
  })
  return {
    browser,
    page,
    refused,
    async shot(name) {
      await page.waitForTimeout(300) // let transitions and late fetches settle
      await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true })
    },
    async accessible(what) {
      assert.deepEqual(await axeViolations(page), [], `axe on ${what}`)
      assert.deepEqual(refused, [], `Content-Security-Policy violations up to ${what}`)
    },
    signIn: (name) => signIn(page, stack.web_url, name),
    /** Closes the browser (after a screenshot to $E2E_DEBUG_SHOT when set, to see where a run stopped). */
    async close() {
      if (process.env.E2E_DEBUG_SHOT)
        await page.screenshot({ path: process.env.E2E_DEBUG_SHOT, fullPage: true })
      await browser.close()
    },
  }
}

/** axe-core in the page: the serious and critical violations, as readable lines. */
export async function axeViolations(page) {
  // evaluated through the DevTools protocol, not added as an inline <script>: the pages' CSP
  // (script-src 'self') refuses inline scripts, as it does in AWS
  await page.evaluate(
    readFileSync(path.join(ROOT, 'web', 'agents', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8'),
  )
  const violations = await page.evaluate(async () => (await window.axe.run(document)).violations)
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')})`,
    )
}

export async function poll(fn, { timeout = 60_000, interval = 1000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, interval))
  }
}
