// Prints one JSON line: the first screen's weight and the app's load and interaction timings in
// Debian's Chromium, on a local stack it starts itself (free loopback ports) and seeds with N
// cases through the API.
//
//   node bench/agents_app.mjs [--cases 2000] [--runs 5]
//
// first_screen: the JS and CSS the sign-in-to-queue path loads (gzip -9 of each file as served).
// load: navigation timing of the queue (a fresh page, signed in), median of --runs.
// queue_rendered_ms: navigation start to the first page of rows on screen.
// scroll_to_end_ms: scrolling the virtual list until all N cases were read and rendered.
// open_case_ms: Enter on a queue row to the case's heading and timeline on screen (median).
// api_first_page_ms: GET /cases?limit=100 straight from node (median): what the embedded AWS costs.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { launchBrowser, ROOT, startStack } from '../e2e/harness.mjs'

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? Number(args[index + 1]) : fallback
}
const CASES = option('cases', 2000)
const RUNS = option('runs', 5)
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return Math.round(sorted[Math.floor(sorted.length / 2)])
}

const DIST = path.join(ROOT, 'web', 'agents', 'dist')

async function seed(stack, n) {
  const customers = [
    'anna.schmidt@nordwerk.example',
    'kim.fischer@kiefer-druck.example',
    'luca.rossi@vienna-legal.example',
  ]
  const priorities = ['low', 'normal', 'normal', 'high', 'urgent']
  let next = 0
  const worker = async () => {
    while (next < n) {
      const i = next++
      const body = {
        subject: `Bench case ${i}: printer reports error ${1000 + (i % 97)}`,
        description: 'Opened by the bench.',
        contact_email: customers[i % customers.length],
        priority: priorities[i % priorities.length],
        channel: 'phone',
      }
      await stack.api('POST', '/cases', body)
    }
  }
  // one at a time: concurrent opens on the embedded AWS (moto) can draw the same case number
  await worker()
}

function firstScreenWeight(urls) {
  const files = urls.filter((u) => /\/assets\/.*\.(js|css)$/.test(u)).map((u) => new URL(u).pathname)
  const weigh = (ext) =>
    files
      .filter((f) => f.endsWith(ext))
      .reduce((sum, f) => sum + gzipSync(readFileSync(path.join(DIST, f)), { level: 9 }).length, 0)
  return { js_gzip_bytes: weigh('.js'), css_gzip_bytes: weigh('.css'), files: files.length }
}

const started = Date.now()
const stack = await startStack()
const browser = await launchBrowser()
try {
  await seed(stack, CASES)
  const agent = stack.agents[1]
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  // signed in as the sign-in screen would do it (the session lives in sessionStorage)
  await context.addInitScript(
    ([session]) => sessionStorage.setItem('casebridge.session', session),
    [JSON.stringify({ agent: { id: agent.id, name: agent.name, roles: agent.roles }, token: agent.token })],
  )

  const loads = []
  let weight = null
  for (let run = 0; run < RUNS; run += 1) {
    const page = await context.newPage()
    const requested = []
    page.on('request', (r) => requested.push(r.url()))
    await page.goto(`${stack.web_url}/queue?view=all`)
    await page.locator('.queue-row a').first().waitFor()
    const timing = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0]
      return {
        domContentLoaded: nav.domContentLoadedEventEnd,
        load: nav.loadEventEnd,
        rendered: performance.now(),
      }
    })
    loads.push(timing)
    weight ??= firstScreenWeight(requested)
    await page.close()
  }

  // scroll the virtual list to the end: every case read and its row rendered
  const page = await context.newPage()
  await page.goto(`${stack.web_url}/queue?view=all`)
  await page.locator('.queue-row a').first().waitFor()
  const scrollStart = Date.now()
  let loaded = 0
  for (;;) {
    // the list knows its size once everything is read (aria-setsize is -1 before)
    loaded = await page.evaluate(() => {
      const scroller = document.querySelector('[data-testid="queue-scroller"]')
      scroller.scrollTop = scroller.scrollHeight
      const size = Number(document.querySelector('.queue-row')?.getAttribute('aria-setsize') ?? -1)
      return size > 0 && document.querySelector(`[aria-posinset="${size}"]`) ? size : 0
    })
    if (loaded) break
    if (Date.now() - scrollStart > 300_000) throw new Error('the list did not reach its end in 300 s')
    await page.waitForTimeout(50)
  }
  const scrollMs = Date.now() - scrollStart
  const rowsInDom = await page.locator('.queue-row').count()

  // open cases from the queue by keyboard
  const opens = []
  for (let run = 0; run < RUNS; run += 1) {
    await page.goto(`${stack.web_url}/queue?view=all`)
    await page.locator('.queue-row a').nth(run).waitFor()
    await page.locator('.queue-row a').nth(run).focus()
    const t0 = await page.evaluate(() => performance.now())
    await page.keyboard.press('Enter')
    await page.locator('.timeline-item').first().waitFor()
    opens.push((await page.evaluate(() => performance.now())) - t0)
  }

  const apiTimes = []
  for (let run = 0; run < RUNS; run += 1) {
    const t0 = performance.now()
    await stack.api('GET', '/cases?limit=100', undefined, agent)
    apiTimes.push(performance.now() - t0)
  }

  const chromium = browser.version()
  console.log(
    JSON.stringify({
      bench: 'agents_app',
      cases: CASES,
      runs: RUNS,
      chromium,
      first_screen: {
        ...weight,
        budget_js_gzip_bytes: 250 * 1024,
        within_budget: weight.js_gzip_bytes <= 250 * 1024,
      },
      load: {
        dom_content_loaded_ms: median(loads.map((l) => l.domContentLoaded)),
        load_event_ms: median(loads.map((l) => l.load)),
        queue_rendered_ms: median(loads.map((l) => l.rendered)),
      },
      scroll_to_end_ms: scrollMs,
      cases_in_list: loaded,
      rows_in_dom_at_end: rowsInDom,
      open_case_ms: median(opens),
      api_first_page_ms: median(apiTimes),
      seconds: Math.round((Date.now() - started) / 1000),
    }),
  )
} finally {
  await browser.close()
  await stack.stop()
}
