// The case page of a case opened by email, at phone width (375 px) in Debian's Chromium against the
// real local stack: the customer mails in (the stack's SMTP inbox), opens the link from the
// acknowledgement, and reads the conversation: long words and links in messages wrap instead of
// widening the page, and the acknowledgement is shown without the link the page was opened by.
import assert from 'node:assert/strict'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { SCREENSHOTS, axeViolations, launchBrowser, poll, startStack } from './harness.mjs'

let stack
let browser

before(async () => {
  stack = await startStack()
  browser = await launchBrowser()
})

after(async () => {
  await browser?.close()
  await stack?.stop()
})

const LOG_URL =
  'https://intranet.customer.example/printers/px-200/diagnostics/2026-12-02/jam-report-page-2-tray-1-duplex-full-trace.log'

test('an email case reads well on a phone, without the case link in the acknowledgement', async () => {
  const from = 'phone.reader@customer.example'
  await stack.sendMail({
    from,
    subject: 'PX-200 jams on page 2',
    body: `Every second page jams since the update. The printer's log is at ${LOG_URL}`,
  })
  const mail = await poll(
    async () =>
      (await stack.outbox()).find((m) => m.to.includes(from) && /\/portal\/cases\/\S+\?token=/.test(m.body)),
    { what: 'the acknowledgement with the case link' },
  )
  const link = mail.body.match(/https?:\/\/\S+\/portal\/cases\/\S+?token=[^\s>"]+/)[0]

  const context = await browser.newContext({ locale: 'en-GB', viewport: { width: 375, height: 740 } })
  const page = await context.newPage()
  await page.goto(link)
  await page.getByRole('heading', { name: 'PX-200 jams on page 2' }).waitFor()
  const conversation = page.locator('ol.conversation')
  await conversation.getByText('We have opened case').waitFor()
  await conversation.getByText('jam-report-page-2').waitFor()
  await page.screenshot({ path: path.join(SCREENSHOTS, 'customers-case-page-phone.png'), fullPage: true })

  const width = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    inner: window.innerWidth,
  }))
  assert.ok(width.scroll <= width.inner, `the page is ${width.scroll} px wide in a ${width.inner} px window`)
  const text = await page.locator('main').innerText()
  assert.ok(!text.includes('token='), 'no signed link on the page')
  assert.ok(!text.includes('/portal/cases/'), 'no case link on the page')
  assert.ok(!text.includes('You can follow your case here'), 'nor the line that introduced it')
  assert.ok(text.includes(LOG_URL), 'the customer’s own link stays, wrapped')
  assert.deepEqual(await axeViolations(page), [], 'axe on the case page at phone width')
  await context.close()
})
