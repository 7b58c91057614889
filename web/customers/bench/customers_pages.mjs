// Page weight and load figures of the customers' pages in Debian's Chromium on the local stack.
// Each page is loaded cold (a new browser context: nothing cached) several times; prints one JSON
// line: per page, the bytes transferred (all requests, as they came over the wire), the requests,
// and the median first contentful paint and load event. Goals (issue 14): an article page under
// 100 KB transferred, first contentful paint under 1 s.
//   node bench/customers_pages.mjs [--runs 5]
import os from 'node:os'
import { gzipSync } from 'node:zlib'
import { launchBrowser, startStack } from '../e2e/harness.mjs'

const runs = Number(process.argv[process.argv.indexOf('--runs') + 1] || 5) || 5

function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}

async function measure(browser, url) {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } })
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true })
  let bytes = 0
  let requests = 0
  cdp.on('Network.loadingFinished', (e) => {
    bytes += e.encodedDataLength
    requests += 1
  })
  await page.goto(url, { waitUntil: 'networkidle' })
  const timing = await page.evaluate(() => {
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]
    const nav = performance.getEntriesByType('navigation')[0]
    return { fcp: fcp ? fcp.startTime : null, load: nav ? nav.loadEventEnd : null }
  })
  await context.close()
  return { bytes, requests, ...timing }
}

const stack = await startStack()
const browser = await launchBrowser()
try {
  const sitemap = await (await fetch(stack.customers_url + '/sitemap.xml')).text()
  const article = sitemap.match(/<loc>[^<]*(\/help\/en\/articles\/[^<]+)<\/loc>/)[1]
  const pages = {
    article,
    home: '/help/en',
    search: '/help/en/search?q=printer+jams',
    known_issues: '/help/en/known-issues',
  }
  const out = {
    bench: 'customers_pages',
    runs,
    machine: `${os.cpus().length} cpu ${os.cpus()[0]?.model?.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GB`,
    browser: browser.version(),
    data: 'the local stack with its seeded demo articles and fixes',
    pages: {},
  }
  for (const [name, path] of Object.entries(pages)) {
    const samples = []
    for (let i = 0; i < runs; i++) samples.push(await measure(browser, stack.customers_url + path))
    out.pages[name] = {
      path,
      transferred_bytes: median(samples.map((s) => s.bytes)),
      requests: median(samples.map((s) => s.requests)),
      fcp_ms: Math.round(median(samples.map((s) => s.fcp ?? Infinity))),
      load_ms: Math.round(median(samples.map((s) => s.load ?? Infinity))),
    }
  }
  const widget = Buffer.from(await (await fetch(stack.customers_url + '/widget.js')).arrayBuffer())
  out.widget = { bytes: widget.length, gzip_bytes: gzipSync(widget, { level: 9 }).length }
  out.widget_under_60kb_gzip = out.widget.gzip_bytes <= 60 * 1024
  out.article_under_100kb = out.pages.article.transferred_bytes < 100 * 1024
  out.article_fcp_under_1s = out.pages.article.fcp_ms < 1000
  console.log(JSON.stringify(out))
} finally {
  await browser.close()
  await stack.stop()
}
