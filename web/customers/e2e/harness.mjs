// The real local stack for the customers' browser tests: `casebridge local up` on free loopback
// ports with its own data dir (the customers' site, and the agents' app for the chat paths),
// Debian's Chromium driven by playwright-core, axe-core, and what a test checks from outside.
import { spawn, execFile } from 'node:child_process'
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs'
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

/** Start the stack (``env``: settings for this stack, e.g. { CASEBRIDGE_WEB_FORM_CLIENT_LIMIT: '0' }). */
export async function startStack(extraEnv = {}) {
  if (!existsSync(path.join(ROOT, 'web', 'customers', 'dist', 'assets', 'help.js'))) {
    throw new Error('web/customers/dist is missing: build the site first (make web-customers)')
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), 'casebridge-customers-e2e-'))
  const [api, aws, smtp, web, customers] = await Promise.all([
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
  const args = ['local', 'up', '--api-port', api, '--aws-port', aws, '--smtp-port', smtp]
  args.push('--web-port', web, '--customers-port', customers, '--data-dir', dataDir)
  args.push('--live-port', 0) // never the default port: other stacks may run beside this one (the app polls)
  const child = spawn(CASEBRIDGE, args.map(String), {
    cwd: ROOT,
    env: { ...env, ...extraEnv, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
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
  // The seeded articles reach the search index through the table's stream, just after READY.
  await poll(
    async () => {
      const response = await fetch(ready.api_url + '/selfservice/search?q=printer')
      return response.ok && (await response.json()).results.length > 0
    },
    { what: 'the seeded articles in the search index' },
  )
  return {
    ...ready,
    dataDir,
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
    /** The API as one of the seeded agents (what a test sets up or checks, not what a customer does). */
    async api(method, apiPath, body, agent = agents[0]) {
      const headers = { Authorization: `Bearer ${agent.token}`, 'Content-Type': 'application/json' }
      const response = await fetch(ready.api_url + apiPath, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${text}`)
      return text ? JSON.parse(text) : null
    },
    /** The API with the shared development token as an administrator (configuration, e.g. calendars). */
    async admin(method, apiPath, body) {
      const token = readFileSync(path.join(dataDir, 'dev-agent-token'), 'utf8').trim()
      const response = await fetch(ready.api_url + apiPath, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          'X-Agent-Roles': 'admin',
          'Content-Type': 'application/json',
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`${method} ${apiPath}: ${response.status} ${text}`)
      return text ? JSON.parse(text) : null
    },
    /** A mail to the support address through the stack's SMTP inbox (the email channel's way in). */
    async sendMail({ from, subject, body }) {
      await promisify(execFile)(
        CASEBRIDGE,
        ['local', 'send-mail', '--from', from, '--subject', subject, '--body', body, '--data-dir', dataDir],
        { cwd: ROOT, env },
      )
    },
    /** What the system sent (SES in the embedded AWS). */
    async outbox() {
      const { stdout } = await promisify(execFile)(
        CASEBRIDGE,
        ['local', 'outbox', '--json', '--data-dir', dataDir],
        { cwd: ROOT, env, maxBuffer: 32 * 1024 * 1024 },
      )
      return JSON.parse(stdout)
    },
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  })
}

/** axe-core in the page: the serious and critical violations, as readable lines. */
export async function axeViolations(page) {
  await page.addScriptTag({
    path: path.join(ROOT, 'web', 'customers', 'node_modules', 'axe-core', 'axe.min.js'),
  })
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

export async function poll(fn, { timeout = 60_000, interval = 500, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout
  for (;;) {
    const value = await fn()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, interval))
  }
}
