// The contact form in Debian's Chromium against the real local stack: articles suggested while the
// customer writes, an attachment uploaded straight to S3 (presigned POST), the confirmation with the
// case number, and the acknowledgement with the case link in the local outbox; without JavaScript
// the form still opens a case with the file it posts itself, and so does the case page's reply; axe
// on every page.
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

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

test('a customer writes in with an attachment and gets the case link by mail', async () => {
  const context = await browser.newContext({ locale: 'en-GB' })
  const page = await context.newPage()
  await page.goto(stack.customers_url + '/help/en/contact')
  assert.deepEqual(await axeViolations(page), [], 'axe on the contact form')

  await page.getByLabel('Subject').fill('printer jams on page 2')
  await page.locator('#contact-suggestions a', { hasText: 'PX-200 jams on page 2' }).waitFor()
  await page.getByLabel('Your name').fill('Ann Example')
  await page.getByLabel('Your email address').fill('ann.example@customer.example')
  await page.getByLabel('What happened?').fill('Every second page jams since the update. Photo attached.')
  await page.getByLabel('Attachments').setInputFiles({ name: 'jam.png', mimeType: 'image/png', buffer: PNG })
  await page.getByText('jam.png: attached').waitFor()
  await page.screenshot({ path: path.join(SCREENSHOTS, 'customers-contact-form.png'), fullPage: true })

  await page.getByRole('button', { name: 'Send' }).click()
  await page.getByRole('heading', { name: 'We have your request' }).waitFor()
  const caseId = await page.locator('[data-case-id]').textContent()
  assert.match(caseId, /^[A-Z]+-\d+$/)
  assert.deepEqual(await axeViolations(page), [], 'axe on the confirmation')

  const mail = await poll(
    async () =>
      (await stack.outbox()).find(
        (m) =>
          m.to.includes('ann.example@customer.example') && m.body.includes(`/portal/cases/${caseId}?token=`),
      ),
    { what: 'the acknowledgement with the case link' },
  )
  assert.ok(mail.body.includes(stack.customers_url), 'the link opens on the customers’ site')

  const view = await stack.api('GET', `/cases/${caseId}`)
  const [message] = view.timeline.filter((e) => e.kind === 'message_in').map((e) => e.message)
  assert.deepEqual(
    message.attachments.map((a) => [a.filename, a.content_type, a.size]),
    [['jam.png', 'image/png', PNG.length]],
  )

  // the link in the mail opens the readable case page; the customer replies, then says it is solved
  const link = mail.body.match(/https?:\/\/\S+\/portal\/cases\/\S+?token=[^\s>"]+/)[0]
  await page.goto(link)
  await page.getByRole('heading', { name: 'printer jams on page 2' }).waitFor()
  assert.ok(await page.getByText('Received').first().isVisible())
  assert.deepEqual(await axeViolations(page), [], 'axe on the case page')
  await page.getByLabel('Your reply').fill('It also happens on page 4.')
  // with JavaScript the file goes straight to S3 first; the reply posts its key
  await page
    .getByLabel('Attachments')
    .setInputFiles({ name: 'page4.png', mimeType: 'image/png', buffer: PNG })
  await page.getByText('page4.png: attached').waitFor()
  await page.getByRole('button', { name: 'Send reply' }).click()
  await page.getByText('Your reply is on the case.').waitFor()
  await page.getByText('It also happens on page 4.').waitFor()
  await page.locator('ul.files').getByText('page4.png').waitFor()
  await page.screenshot({ path: path.join(SCREENSHOTS, 'customers-case-page.png'), fullPage: true })
  await page.getByRole('button', { name: 'This solved it' }).click()
  await page.getByText('Thank you: the case is marked as solved.').waitFor()
  assert.equal((await stack.api('GET', `/cases/${caseId}`)).status, 'resolved')
  await context.close()
})

test('a new link is asked for without learning whether the case exists', async () => {
  const context = await browser.newContext({ locale: 'fr-FR' })
  const page = await context.newPage()
  const answers = []
  for (const [caseId, email] of [
    ['CB-999999', 'nobody@customer.example'],
    ['CB-100001', 'someone@customer.example'],
  ]) {
    await page.goto(stack.customers_url + '/help/fr/case-link')
    await page.getByLabel('Numéro de dossier').fill(caseId)
    await page.getByLabel('Votre adresse e-mail').fill(email)
    await page.getByRole('button', { name: 'Envoyer le lien' }).click()
    await page.getByRole('status').waitFor()
    answers.push(await page.locator('main').innerHTML())
  }
  assert.equal(answers[0], answers[1])
  assert.deepEqual(await axeViolations(page), [], 'axe on the link request answer')
  await context.close()
})

test('without JavaScript the form still opens a case', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'es-ES' })
  const page = await context.newPage()
  await page.goto(stack.customers_url + '/help/es/contact')
  await page.getByRole('button', { name: 'Enviar' }).click() // empty: what is wrong, in Spanish
  await page.getByText('Rellena este campo.').first().waitFor()
  await page.getByLabel('Tu nombre').fill('Bea Ejemplo')
  await page.getByLabel('Tu correo electrónico').fill('bea@customer.example')
  await page.getByLabel('Asunto').fill('Factura duplicada')
  await page.getByLabel('¿Qué ha pasado?').fill('Me han cobrado dos veces la misma factura.')
  // the form's file input posts its file with the form (multipart/form-data)
  await page
    .getByLabel('Archivos adjuntos')
    .setInputFiles({ name: 'cargo.png', mimeType: 'image/png', buffer: PNG })
  await page.getByRole('button', { name: 'Enviar' }).click()
  await page.getByRole('heading', { name: 'Hemos recibido tu solicitud' }).waitFor()
  const caseId = (await page.locator('[data-case-id]').textContent()).trim()
  assert.match(caseId, /^[A-Z]+-\d+$/)
  const opened = await stack.api('GET', `/cases/${caseId}`)
  const first = opened.timeline.find((e) => e.kind === 'message_in').message
  assert.deepEqual(
    first.attachments.map((a) => [a.filename, a.content_type, a.size]),
    [['cargo.png', 'image/png', PNG.length]],
  )

  // the case page without JavaScript: the reply posts its file itself (multipart/form-data)
  const mail = await poll(
    async () =>
      (await stack.outbox()).find(
        (m) => m.to.includes('bea@customer.example') && m.body.includes(`/portal/cases/${caseId}?token=`),
      ),
    { what: 'the acknowledgement with the case link' },
  )
  await page.goto(mail.body.match(/https?:\/\/\S+\/portal\/cases\/\S+?token=[^\s>"]+/)[0])
  await page.getByLabel('Tu respuesta').fill('Adjunto la factura.')
  await page
    .getByLabel('Archivos adjuntos')
    .setInputFiles({ name: 'factura.png', mimeType: 'image/png', buffer: PNG })
  await page.getByRole('button', { name: 'Enviar respuesta' }).click()
  await page.getByText('Tu respuesta está en el caso.').waitFor()
  await page.locator('ul.files').getByText('factura.png').waitFor()
  const view = await stack.api('GET', `/cases/${caseId}`)
  const last = view.timeline.filter((e) => e.kind === 'message_in').at(-1).message
  assert.deepEqual(
    last.attachments.map((a) => a.filename),
    ['factura.png'],
  )
  await context.close()
})
