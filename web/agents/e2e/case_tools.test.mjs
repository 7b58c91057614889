// The case page's tools and the admin screens of wave 4 on the real local stack, in Debian's
// Chromium: the assignee picker, a macro applied and sent, two cases merged, a group with an
// assignment rule routing new cases round robin. Each new screen is screenshotted into
// docs/screenshots/ and checked with axe. The steps share one stack and run in order.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openBrowser, poll, sendMail, startStack } from './harness.mjs'

let stack
let ui // the browser on the stack (harness.mjs openBrowser): page, shot, accessible, signIn
let page
const ids = {}

const shot = (name) => ui.shot(name)
const accessible = (what) => ui.accessible(what)

async function caseFrom(sender, subject) {
  return poll(
    async () => {
      const found = (await stack.api('GET', '/cases?channel=email&limit=200')).items.find(
        (c) => c.contact_email === sender && c.subject === subject,
      )
      return found ?? null
    },
    { what: `the mail "${subject}" to become a case` },
  )
}

async function openCase(caseId, subject) {
  await page.goto(`${stack.web_url}/cases/${caseId}`)
  await page.getByRole('heading', { name: subject, level: 1 }).waitFor()
}

describe('case tools and admin screens', { timeout: 600_000 }, () => {
  before(async () => {
    stack = await startStack()
    ui = await openBrowser(stack)
    page = ui.page
    const from = 'marta.klein@riverside-labs.example'
    await sendMail(stack.smtpPort, {
      from,
      subject: 'Scanner offline in lab 3',
      body: 'The scanner is offline.',
    })
    await sendMail(stack.smtpPort, {
      from,
      subject: 'Lab 3 scanner still offline',
      body: 'Again: the scanner in lab 3 is offline.',
    })
    ids.first = (await caseFrom(from, 'Scanner offline in lab 3')).case_id
    ids.second = (await caseFrom(from, 'Lab 3 scanner still offline')).case_id
    await page.goto(stack.web_url + '/sign-in')
    await page.getByRole('button', { name: /Sign in as Alex Meyer/ }).click()
    await page.getByRole('heading', { name: /^Queue:/ }).waitFor()
  })

  after(async () => {
    await ui?.close()
    await stack?.stop()
  })

  it('assigns the case to another seeded agent through the picker', async () => {
    const sam = stack.agents.find((a) => a.name === 'Sam Garcia')
    await openCase(ids.first, 'Scanner offline in lab 3')
    const properties = page.getByRole('region', { name: 'Properties' })
    const picker = properties.getByLabel('Assignee')
    await picker
      .locator('option', { hasText: /^Sam Garcia \(available, \d+ open\)$/ })
      .waitFor({ state: 'attached' })
    await picker.selectOption(sam.id)
    await properties.getByRole('button', { name: 'Save changes' }).click()
    await poll(async () => (await stack.api('GET', `/cases/${ids.first}`)).assignee === sam.id, {
      what: 'the assignee on the case',
    })
  })

  it('creates a macro on its admin screen, applies it on the case and the reply goes out', async () => {
    await page.getByRole('link', { name: 'Macros' }).click()
    await page.getByRole('heading', { name: 'Macros', level: 1 }).waitFor()
    await page.getByLabel('Title').fill('Scanner restart')
    await page.getByLabel('Reply text').fill('Hello, please restart the scanner for case {{case.id}}.')
    await page.getByLabel('Set status').selectOption('pending_customer')
    await page.getByRole('button', { name: 'Save macro' }).click()
    await page.getByRole('rowheader', { name: 'Scanner restart' }).waitFor()
    await accessible('the macros screen')
    await shot('macros')

    await openCase(ids.first, 'Scanner offline in lab 3')
    await page.getByRole('heading', { name: 'Scanner offline in lab 3', level: 1 }).click()
    await page.keyboard.press('m')
    await page.getByRole('combobox', { name: 'Search macros' }).fill('restart')
    // the macros load when the picker opens: choose only once the filtered option is listed
    await page.getByRole('option', { name: /Scanner restart/ }).waitFor()
    await page.keyboard.press('Enter')
    const dialog = page.getByRole('dialog')
    await dialog.getByText(`Hello, please restart the scanner for case ${ids.first}.`).waitFor()
    await dialog.getByText('Status: Pending customer').waitFor()
    await accessible('the macro preview')
    await shot('case-macro')
    await dialog.getByRole('button', { name: 'Apply macro' }).click()
    const composer = page.getByLabel(/Reply to the customer/)
    assert.equal(await composer.inputValue(), `Hello, please restart the scanner for case ${ids.first}.`)
    await poll(async () => (await stack.api('GET', `/cases/${ids.first}`)).status === 'pending_customer', {
      what: 'the macro’s status change',
    })
    await page.getByRole('button', { name: 'Send reply' }).click()
    await poll(
      async () =>
        (await stack.outbox()).find(
          (m) =>
            m.to.includes('marta.klein@riverside-labs.example') &&
            m.body.includes(`please restart the scanner for case ${ids.first}`),
        ),
      { what: 'the macro’s reply in the outbox' },
    )
  })

  it('merges the second case into the first; the merged case points to it', async () => {
    await openCase(ids.second, 'Lab 3 scanner still offline')
    await page.getByRole('button', { name: 'Merge into another case' }).click()
    const dialog = page.getByRole('dialog')
    await dialog.getByRole('searchbox').fill('scanner')
    await dialog.getByRole('button', { name: 'Search' }).click()
    await dialog.getByRole('button', { name: `Choose: ${ids.first}` }).click()
    assert.match(await dialog.textContent(), /Lab 3 scanner still offline/)
    assert.match(await dialog.textContent(), /Scanner offline in lab 3/)
    await accessible('the merge confirmation')
    await shot('case-merge')
    await dialog.getByRole('button', { name: 'Merge', exact: true }).click()
    await page
      .getByText(new RegExp(`${ids.second} was merged into ${ids.first}`))
      .first()
      .waitFor()
    const merged = await stack.api('GET', `/cases/${ids.second}`)
    assert.equal(merged.merged_into, ids.first)
    assert.equal(merged.status, 'closed')
    await page.getByText(`This case was merged into ${ids.first}.`).waitFor()
  })

  it('creates a group and an assignment rule; new cases are routed to it round robin', async () => {
    await page.getByRole('link', { name: 'Groups' }).click()
    await page.getByRole('heading', { name: 'Groups and assignment', level: 1 }).waitFor()
    await page.getByLabel('Group ID').fill('lab-desk')
    await page.getByLabel('Name', { exact: true }).fill('Lab desk')
    await page.getByRole('checkbox', { name: 'Sam Garcia' }).check()
    await page.getByRole('checkbox', { name: 'Robin Novak' }).check()
    await page.getByRole('button', { name: 'Create group' }).click()
    await page.getByRole('rowheader', { name: /Lab desk/ }).waitFor()
    await page.getByRole('button', { name: 'Add rule' }).click()
    await page.getByLabel('Group 1', { exact: true }).selectOption('lab-desk')
    await page.getByLabel('Keywords (comma separated) 1').fill('centrifuge')
    await page.getByRole('button', { name: 'Save assignment rules' }).click()
    await poll(async () => (await stack.api('GET', '/assignment-rules')).rules.length === 1, {
      what: 'the assignment rule saved',
    })
    await accessible('the groups screen')
    await shot('groups')

    const routed = []
    for (const [i, sender] of ['ole@lab-one.example', 'ida@lab-two.example'].entries()) {
      const subject = `Centrifuge ${i + 1} makes a noise`
      await sendMail(stack.smtpPort, { from: sender, subject, body: 'The centrifuge rattles.' })
      routed.push(await caseFrom(sender, subject))
    }
    const sam = stack.agents.find((a) => a.name === 'Sam Garcia')
    const robin = stack.agents.find((a) => a.name === 'Robin Novak')
    assert.deepEqual(
      routed.map((c) => c.group_id),
      ['lab-desk', 'lab-desk'],
    )
    assert.deepEqual(routed.map((c) => c.assignee).sort(), [robin.id, sam.id].sort())
  })
})
