// The chat widget on somebody else's site (a page of another origin with its own aggressive styles):
// one <script> tag; a customer chats and an agent answers from the agents' workspace in a second
// browser context (typing shown both ways, the transcript mailed at the end); outside business hours the widget says so and the message becomes a case.
import assert from 'node:assert/strict'
import http from 'node:http'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { SCREENSHOTS, axeViolations, launchBrowser, poll, startStack } from './harness.mjs'

let stack
let browser
let shop
let shopUrl

before(async () => {
  stack = await startStack()
  browser = await launchBrowser()
  // somebody else's site: another origin than the customers' site, with its own aggressive styles
  // (on loopback too: Chromium keeps public pages from loading scripts from loopback addresses)
  shop = http.createServer((req, res) => {
    const lang = new URL(req.url, 'http://x').searchParams.get('lang') || 'en'
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
    res.end(`<!doctype html><html lang="${lang}"><head><title>Shop</title>
<style>button{background:red!important;font-size:40px!important} *{font-family:serif!important}</style></head>
<body><main><h1>Our shop</h1><p>Products.</p></main>
<script src="${stack.customers_url}/widget.js" async></script></body></html>`)
  })
  await new Promise((resolve) => shop.listen(0, '127.0.0.1', resolve))
  shopUrl = `http://127.0.0.1:${shop.address().port}/`
})

after(async () => {
  shop?.close()
  await browser?.close()
  await stack?.stop()
})

async function shopPage(locale = 'en-GB') {
  const context = await browser.newContext({ locale })
  const page = await context.newPage()
  await page.goto(`${shopUrl}?lang=${locale.slice(0, 2)}`)
  return { context, page }
}

test('with no agent at the desk the widget says so and takes a message', async () => {
  // (first in this file: no agent of this stack has opened the Live chat console yet)
  const { context, page } = await shopPage('fr-FR')
  await page.getByRole('button', { name: /Discuter avec nous/ }).click()
  await page.getByText('Personne n’est disponible pour discuter en ce moment.').waitFor()
  await context.close()
})

test('a chat from the widget is answered from the agents’ workspace', async () => {
  // the agent, in a second browser context: the agents' workspace, at the Live chat console (the
  // widget offers a chat only while an available agent was seen there recently)
  const agentContext = await browser.newContext({ locale: 'en-GB' })
  const agent = await agentContext.newPage()
  await agent.goto(stack.web_url + '/sign-in')
  await agent.getByRole('button', { name: /Sign in as Sam Garcia/ }).click()
  await agent.getByRole('heading', { name: /^Queue:/ }).waitFor()
  await agent.getByRole('link', { name: 'Live chat' }).click()
  await agent.getByRole('heading', { name: 'Live chat' }).waitFor()

  const { context, page } = await shopPage()
  await page.getByRole('button', { name: 'Chat with us' }).click()
  const style = await page.evaluate(() => {
    const button = document.querySelector('[data-casebridge-chat]').shadowRoot.querySelector('[data-open]')
    const { backgroundColor, fontFamily, fontSize } = getComputedStyle(button)
    return { backgroundColor, fontFamily, fontSize }
  })
  assert.notEqual(style.backgroundColor, 'rgb(255, 0, 0)', 'the host page’s styles do not reach the widget')
  assert.notEqual(style.fontSize, '40px')
  assert.doesNotMatch(style.fontFamily, /^serif/)
  await page.getByLabel('Your name').fill('Chris Chat')
  await page.getByLabel('Your email address').fill('chris@customer.example')
  await page.getByRole('textbox', { name: 'Your message' }).fill('Can I change my delivery address?')
  await page.getByRole('button', { name: 'Start chat' }).click()
  await page.getByRole('log').getByText('Can I change my delivery address?').waitFor()
  assert.deepEqual(await axeViolations(page), [], 'axe on the widget')

  await agent.getByRole('link', { name: 'Chris Chat' }).click()
  await agent.getByRole('button', { name: 'Take this conversation' }).click()
  await agent.getByLabel('Message').fill('Yes: tell me the new address and I will change it.')
  await agent.getByRole('button', { name: 'Send', exact: true }).click()

  await page.getByRole('log').getByText('tell me the new address').waitFor({ timeout: 30_000 })
  const [session] = (await stack.api('GET', '/chat/sessions')).items
  // the agent types again (the agents' chat console API): the widget says so
  await stack.api('POST', `/chat/sessions/${session.session_id}/agent-typing`)
  await page.getByText('Support is typing…').waitFor({ timeout: 10_000 })
  // the customer types: the agents' read of the session says so
  await page.getByRole('textbox', { name: 'Your message' }).fill('Main Street 1, Springfield')
  await poll(async () => (await stack.api('GET', `/chat/sessions/${session.session_id}`)).customer_typing, {
    what: 'the customer typing on the agents’ read',
  })
  await page.getByRole('button', { name: 'Send' }).click()
  await agent.getByRole('log').getByText('Main Street 1, Springfield').waitFor({ timeout: 30_000 })
  await page.screenshot({ path: path.join(SCREENSHOTS, 'customers-chat-widget.png') })
  await page.getByRole('button', { name: 'End chat' }).click()
  await page.getByText('The chat has ended.').waitFor()
  await page.getByText('We have sent the transcript to your email address.').waitFor()
  const mail = await poll(
    async () =>
      (await stack.outbox()).find(
        (m) => m.to.includes('chris@customer.example') && m.subject.includes('Your chat transcript'),
      ),
    { what: 'the transcript mail' },
  )
  assert.match(mail.body, /You: Main Street 1, Springfield/)
  await agentContext.close()
  await context.close()
})

test('outside business hours the widget says so and the message becomes a case', async () => {
  const today = new Date().toISOString().slice(0, 10)
  const allDay = [{ start: '00:00', end: '00:00' }]
  await stack.admin('POST', '/sla/calendars', {
    calendar_id: 'chat',
    name: 'Chat hours',
    hours: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, allDay])),
    holidays: [today],
  })
  const { context, page } = await shopPage('de-DE')
  await page.getByRole('button', { name: 'Chatten Sie mit uns' }).click()
  await page.getByText('außerhalb unserer Geschäftszeiten').waitFor()
  await page.getByLabel('Ihr Name').fill('Dora Nacht')
  await page.getByLabel('Ihre E-Mail-Adresse').fill('dora@customer.example')
  await page.getByRole('textbox', { name: 'Ihre Nachricht' }).fill('Meine Lieferung ist nicht angekommen.')
  await page.getByRole('button', { name: 'Senden' }).click()
  const text = await page.getByText(/Ihre Fallnummer ist [A-Z]+-\d+/).textContent()
  const caseId = text.match(/[A-Z]+-\d+/)[0]
  const created = await poll(async () => stack.api('GET', `/cases/${caseId}`), { what: 'the case' })
  assert.equal(created.contact_email, 'dora@customer.example')
  assert.equal(created.language, 'de')
  assert.deepEqual(await axeViolations(page), [], 'axe on the widget, outside business hours')
  await context.close()
})
