// Abuse protection in the browser: once a client has sent a lot, the contact form comes back asking
// for a proof of work, the page's script solves it and sends the form by itself.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { axeViolations, launchBrowser, startStack } from './harness.mjs'

let stack
let browser

before(async () => {
  // every submission from this client needs the challenge (a small one: the test's time)
  stack = await startStack({ CASEBRIDGE_WEB_FORM_CLIENT_LIMIT: '0', CASEBRIDGE_WEB_CHALLENGE_BITS: '10' })
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await stack?.stop()
})

test('a client that sent a lot solves the challenge and its message goes through', async () => {
  const context = await browser.newContext({ locale: 'en-GB' })
  const page = await context.newPage()
  await page.goto(stack.customers_url + '/help/en/contact')
  await page.getByLabel('Your name').fill('Eve Many')
  await page.getByLabel('Your email address').fill('eve@customer.example')
  await page.getByLabel('Subject').fill('Another question')
  await page.getByLabel('What happened?').fill('One more thing about my order.')
  const challenged = page.waitForResponse((r) => r.url().endsWith('/help/en/contact') && r.status() === 429)
  await page.getByRole('button', { name: 'Send' }).click()
  await challenged
  await page.getByRole('heading', { name: 'We have your request' }).waitFor()
  assert.match(await page.locator('[data-case-id]').textContent(), /^[A-Z]+-\d+$/)
  assert.deepEqual(await axeViolations(page), [])
  await context.close()
})
