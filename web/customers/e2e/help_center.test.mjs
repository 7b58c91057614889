// The help center in Debian's Chromium against the real local stack: a customer searches (with
// suggestions while typing), opens an article, says it helped, and the deflection is in the
// session's events; during a blip a known issue is the banner, the known-issues page and the top
// of a matching search; everything also works without JavaScript; every page passes axe.
import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { SCREENSHOTS, axeViolations, launchBrowser, poll, startStack } from './harness.mjs'

let stack
let browser

before(async () => {
  stack = await startStack()
  browser = await launchBrowser()
  mkdirSync(SCREENSHOTS, { recursive: true })
})

after(async () => {
  await browser?.close()
  await stack?.stop()
})

async function sessionOf(context) {
  const cookies = await context.cookies()
  return cookies.find((c) => c.name === 'cb_ss')?.value
}

async function eventsOf(session) {
  return (await stack.api('GET', `/selfservice/sessions/${session}/events`)).items.map((e) => e.event)
}

async function noAxeViolations(page, what) {
  assert.deepEqual(await axeViolations(page), [], `axe on ${what}`)
}

test('a customer searches, opens an article, says it helped: the deflection is in the events', async () => {
  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 390, height: 844 } })
  const page = await context.newPage()
  await page.goto(stack.customers_url + '/')
  assert.match(page.url(), /\/help\/en$/)
  await noAxeViolations(page, 'the home page')

  await page.getByLabel('Describe your problem').fill('printer jams')
  const suggestion = page.locator('#suggestions a', { hasText: 'PX-200 jams on page 2' })
  await suggestion.waitFor()
  await page.screenshot({ path: path.join(SCREENSHOTS, 'customers-help-suggestions.png') })

  await page.getByRole('button', { name: 'Search', exact: true }).click()
  await page.waitForURL(/\/help\/en\/search\?q=printer\+jams/)
  await noAxeViolations(page, 'the results page')
  const result = page.getByRole('link', { name: 'PX-200 jams on page 2 after a firmware update' })
  await result.click()
  await page.waitForURL(/\/help\/en\/articles\//)
  assert.equal(await page.locator('meta[name="robots"]').getAttribute('content'), 'index,follow')
  await noAxeViolations(page, 'an article page')

  await page.getByRole('button', { name: 'Yes' }).click()
  await page.getByText('Thank you for your feedback').waitFor()
  await page.screenshot({ path: path.join(SCREENSHOTS, 'customers-help-article.png'), fullPage: true })

  const session = await sessionOf(context)
  assert.ok(session, 'the help center keeps a session cookie')
  const events = await poll(
    async () => {
      const found = await eventsOf(session)
      return ['searched', 'clicked', 'solved_it'].every((e) => found.includes(e)) && found
    },
    { what: 'searched, clicked and solved_it events' },
  )
  assert.ok(events.includes('suggested'), 'suggestions while typing are recorded too')
  await context.close()
})

test('the help center works without JavaScript, in the browser’s language', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'de-DE' })
  const page = await context.newPage()
  await page.goto(stack.customers_url + '/help')
  assert.match(page.url(), /\/help\/de$/)
  await page.getByLabel('Beschreiben Sie Ihr Problem').fill('doppelt bezahlt invoice charged twice')
  await page.getByRole('button', { name: 'Suchen', exact: true }).click()
  await page.getByRole('link', { name: 'I was charged twice for one invoice' }).click()
  await page.getByRole('button', { name: 'Nein' }).click()
  await page.getByRole('heading', { name: 'Danke für Ihre Rückmeldung' }).waitFor()
  const events = await eventsOf(await sessionOf(context))
  assert.ok(events.includes('searched') && events.includes('not_helped'), events.join(','))
  await context.close()
})

test('during a blip a customer sees the known issue before writing in', async () => {
  const problem = await stack.api('POST', '/problems', {
    title: 'Card payments fail at checkout',
    product: 'webshop',
    workaround: 'Pay by bank transfer until we have fixed it.',
  })
  const notice = await stack.api('POST', `/problems/${problem.problem_id}/notices`, {})
  await stack.api('POST', `/notices/${notice.notice_id}/approve`)

  const context = await browser.newContext({ locale: 'en-US' })
  const page = await context.newPage()
  await page.goto(stack.customers_url + '/help/en')
  const banner = page.getByRole('region', { name: 'We know about a problem and are working on it' })
  await banner.getByText('Card payments fail at checkout').waitFor()
  await page.screenshot({ path: path.join(SCREENSHOTS, 'customers-known-issue-banner.png') })

  await page.getByLabel('Describe your problem').fill('card payment fails')
  await page.getByLabel('Describe your problem').press('Enter')
  await page.waitForURL(/\/search\?/)
  const top = page.getByRole('region', { name: 'A known issue may be what you are looking for' })
  await top.getByRole('heading', { name: 'Card payments fail at checkout' }).waitFor()
  await noAxeViolations(page, 'results with a known issue')

  await page.getByRole('link', { name: 'Known issues' }).first().click()
  await page.getByRole('heading', { name: 'Card payments fail at checkout' }).waitFor()
  await page.getByText('Pay by bank transfer').first().waitFor()
  await noAxeViolations(page, 'the known-issues page')

  // a static article page (no server-side banner) shows it too, filled by the script
  const article = await page.goto(stack.customers_url + '/sitemap.xml')
  const first = (await article.text()).match(/<loc>[^<]*(\/help\/en\/articles\/[^<]+)<\/loc>/)[1]
  await page.goto(stack.customers_url + first)
  await banner.getByText('Card payments fail at checkout').waitFor()

  const events = await eventsOf(await sessionOf(context))
  assert.ok(events.filter((e) => e === 'notice_viewed').length >= 2, events.join(','))
  await context.close()
})
