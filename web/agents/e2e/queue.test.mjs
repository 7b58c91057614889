// The queue screen on the real local stack, in Debian's Chromium: views and filters in the URL, the
// text search, an SLA breach that really happens (a one-minute target on an always-open calendar,
// the case's due time passing), saved views and a bulk action followed to its end. The steps share
// one stack and run in order; each screen is checked with axe (no serious or critical violation).
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openBrowser, poll, startStack } from './harness.mjs'

let stack
let ui // the browser on the stack (harness.mjs openBrowser): page, shot, accessible, signIn
let page
const ids = {}

const shot = (name) => ui.shot(name)
const accessible = (what) => ui.accessible(what)

const row = (caseId) => page.locator(`#queue-row-${caseId}`)
const search = () => page.getByRole('searchbox', { name: /Search/ })

describe('the queue: views, search, SLA, saved views and bulk actions', { timeout: 600_000 }, () => {
  before(async () => {
    stack = await startStack()
    // A policy with a one-minute first response on a calendar that never closes, for phone cases only.
    await stack.api('POST', '/sla/calendars', {
      calendar_id: 'e2e-always-open',
      name: 'Always open',
      always_open: true,
    })
    await stack.api('POST', '/sla/policies', {
      policy_id: 'e2e-one-minute',
      name: 'Phone: one minute',
      calendar_id: 'e2e-always-open',
      match_channels: ['phone'],
      targets: { normal: { first_response_minutes: 1, resolution_minutes: 600 } },
      warn_before_minutes: 0,
      rank: 0,
    })
    const create = (body) => stack.api('POST', '/cases', { priority: 'normal', ...body })
    ids.fax = (
      await create({
        subject: 'Fax line in the warehouse is dead',
        channel: 'phone',
        description: 'Caller says the fax line has been dead since Monday.',
        contact_email: 'ops@kiefer-druck.example',
      })
    ).case_id
    ids.espresso = (
      await create({
        subject: 'Machine at reception shows error E42',
        channel: 'web',
        description: 'The espresso machine at the reception desk shows E42 and stops.',
        contact_email: 'frontdesk@alpenhof.example',
      })
    ).case_id
    ids.toner = (
      await create({
        subject: 'Toner order never arrived',
        channel: 'web',
        description: 'We ordered toner three weeks ago.',
        contact_email: 'buyer@elbe-medien.example',
      })
    ).case_id
    ui = await openBrowser(stack)
    page = ui.page
    await ui.signIn('Sam Garcia')
  })

  after(async () => {
    await ui?.close()
    await stack?.stop()
  })

  it('the text search finds a case by its number and by a word of its body, and stays in the URL', async () => {
    // the search index follows the table a moment behind
    await poll(async () => (await stack.api('GET', '/cases?q=espresso')).items.length > 0, {
      what: 'the case in the search index',
    })
    await page.getByRole('heading', { name: /^Queue:/ }).click()
    await page.keyboard.press('/')
    await poll(async () => (await page.evaluate(() => document.activeElement?.id)) === 'queue-search', {
      what: '/ to focus the search box',
      timeout: 5000,
      interval: 100,
    })
    await page.keyboard.type(ids.toner)
    await row(ids.toner).waitFor()
    await poll(async () => new URL(page.url()).searchParams.get('q') === ids.toner, { what: 'q= in the URL' })
    assert.equal(await page.locator('.queue-row').count(), 1)

    await search().fill('espresso')
    await row(ids.espresso).waitFor()
    await poll(async () => (await page.locator('.queue-row').count()) === 1, { what: 'one match' })
    // a reload keeps the search
    await page.reload()
    await row(ids.espresso).waitFor()
    assert.equal(await search().inputValue(), 'espresso')
    await search().fill('')
    await search().press('Enter')
    await row(ids.toner).waitFor()
  })

  it('a case whose SLA was breached shows in the breached view with its overdue due time', async () => {
    await poll(async () => (await stack.api('GET', `/cases/${ids.fax}`)).sla_state === 'breached', {
      what: 'the one-minute first response to pass',
      timeout: 150_000,
      interval: 3000,
    })
    await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: 'SLA breached' }).click()
    await page.getByRole('heading', { name: 'Queue: SLA breached' }).waitFor()
    await row(ids.fax).waitFor()
    const due = page.locator('.queue-row', { has: row(ids.fax) }).locator('.queue-due')
    assert.match(await due.textContent(), /Overdue: response was due/)
    assert.equal(await row(ids.espresso).count(), 0)
    assert.equal(new URL(page.url()).searchParams.get('view'), 'breached')
    await accessible('the breached view')
    await shot('queue-breached')
  })

  it('a saved view is created from the current filters and reopened from the navigation', async () => {
    const views = page.getByRole('navigation', { name: 'Views' })
    await views.getByRole('link', { name: 'All open' }).click()
    await page.getByLabel('Channel').selectOption('web')
    await poll(async () => new URL(page.url()).searchParams.get('channel') === 'web', {
      what: 'channel= in the URL',
    })
    await page.getByRole('button', { name: 'Save this view' }).click()
    await page.getByLabel('Name of the view').fill('Web form cases')
    await page.getByRole('button', { name: 'Save', exact: true }).click()
    const saved = views.getByRole('link', { name: 'Web form cases' })
    await saved.waitFor()
    assert.equal(await saved.getAttribute('aria-current'), 'page')

    // elsewhere, then back through the saved view: its filters are in the URL again
    await views.getByRole('link', { name: 'All cases' }).click()
    await page.getByLabel('Channel').selectOption('')
    await poll(async () => !new URL(page.url()).searchParams.get('channel'), { what: 'the channel cleared' })
    assert.equal(await saved.getAttribute('aria-current'), null)
    await saved.click()
    await poll(
      async () => {
        const params = new URL(page.url()).searchParams
        return params.get('channel') === 'web' && !params.get('view')
      },
      { what: "the saved view's filters in the URL" },
    )
    // the page is named after the saved view the URL is
    await page.getByRole('heading', { name: 'Queue: Web form cases' }).waitFor()
    assert.equal(await page.getByLabel('Channel').inputValue(), 'web')
    await row(ids.espresso).waitFor()
    assert.equal(await row(ids.fax).count(), 0)
    const stored = await stack.api(
      'GET',
      '/views',
      undefined,
      stack.agents.find((a) => a.name === 'Sam Garcia'),
    )
    assert.deepEqual(
      stored.items.map((v) => [v.name, v.visibility]),
      [['Web form cases', 'personal']],
    )
  })

  it('two cases are assigned in bulk; the job is followed to its end and the list refreshes', async () => {
    await page.getByRole('checkbox', { name: new RegExp(`^Select ${ids.espresso}`) }).click()
    await page.getByRole('checkbox', { name: new RegExp(`^Select ${ids.toner}`) }).click()
    const bar = page.getByRole('region', { name: 'Bulk actions' })
    await bar.getByText('2 cases selected').waitFor()
    await bar.getByLabel('Assignee').selectOption({ label: 'Lea Berg' })
    await accessible('the queue with the bulk bar open')
    await shot('queue-bulk')
    await bar.getByRole('button', { name: 'Apply' }).click()
    await page
      .locator('.bulk-result')
      .getByText('2 changed, 0 failed, 0 unchanged')
      .waitFor({ timeout: 60_000 })
    const lea = stack.agents.find((a) => a.name === 'Lea Berg')
    for (const id of [ids.espresso, ids.toner]) {
      assert.equal((await stack.api('GET', `/cases/${id}`)).assignee, lea.id)
    }
    // the list was read again: the rows show the new assignee
    await poll(async () => (await row(ids.toner).textContent()).includes(lea.id), {
      what: 'the refreshed row',
    })
  })
})
