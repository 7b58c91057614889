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

describe(
  'the queue: views, search, SLA, saved views, bulk actions and the filter bar',
  { timeout: 600_000 },
  () => {
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
      await poll(async () => new URL(page.url()).searchParams.get('q') === ids.toner, {
        what: 'q= in the URL',
      })
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
      await page
        .getByRole('navigation', { name: 'Views' })
        .getByRole('link', { name: 'SLA breached' })
        .click()
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
      await poll(async () => !new URL(page.url()).searchParams.get('channel'), {
        what: 'the channel cleared',
      })
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

    it("the filter bar's customer and updated-since fields narrow the list to the matching cases, and clear again", async () => {
      await stack.api('POST', '/customers', { customer_id: 'nordwerk', name: 'Nordwerk GmbH' })
      await stack.api('POST', '/customers', { customer_id: 'hafen-logistik', name: 'Hafen Logistik' })
      const create = async (body) =>
        (await stack.api('POST', '/cases', { priority: 'normal', channel: 'web', ...body })).case_id
      ids.jams = await create({
        subject: 'Label printer jams on thick labels',
        description: 'The LP-200 jams on 300 g labels.',
        customer_id: 'nordwerk',
      })
      ids.scanner = await create({
        subject: 'Pallet scanner offline',
        description: 'The scanner at gate 3 is offline.',
        customer_id: 'hafen-logistik',
      })
      // an instant after these cases were last changed, then a later case of the same customer
      await new Promise((r) => setTimeout(r, 2000))
      const since = new Date(Date.now() - 1000).toISOString().slice(0, 19) + 'Z'
      await new Promise((r) => setTimeout(r, 1000))
      ids.ribbon = await create({
        subject: 'Ribbon smudges the barcodes',
        description: 'Since the new ribbons the barcodes do not scan.',
        customer_id: 'nordwerk',
      })
      // what the API itself says matches (so a failure below is the bar's, not the data's)
      const matching = await stack.api('GET', `/cases?customer_id=nordwerk&updated_since=${since}`)
      assert.deepEqual(
        matching.items.map((c) => c.case_id),
        [ids.ribbon],
      )

      await page.goto(stack.web_url + '/queue?view=all')
      await row(ids.scanner).waitFor()
      const param = (name) => new URL(page.url()).searchParams.get(name)
      const customer = page.getByLabel('Customer', { exact: true })
      const updatedSince = page.getByLabel('Updated since', { exact: true })
      const chips = page.getByRole('list', { name: 'Active filters' })

      // the field suggests the customers the API finds for what is typed (GET /customers?q=), then
      // takes one by name
      const choices = () =>
        page
          .locator('#queue-customer-choices option')
          .evaluateAll((os) => os.map((o) => `${o.value} ${o.textContent.trim()}`.toLowerCase()))
      await customer.click()
      await poll(async () => (await choices()).length > 0, { what: 'the first customers suggested' })
      await customer.pressSequentially('logist')
      await poll(
        async () => {
          const found = await choices()
          return found.includes('hafen-logistik hafen logistik') && found.every((c) => c.includes('logist'))
        },
        { what: 'the customers found for the text suggested' },
      )
      await customer.fill('Nordwerk GmbH')
      await customer.press('Tab')
      await poll(async () => param('customer') === 'nordwerk', { what: 'customer= in the URL' })
      await row(ids.jams).waitFor()
      await row(ids.ribbon).waitFor()
      await poll(async () => (await row(ids.scanner).count()) === 0, { what: 'the other customer gone' })
      await chips.getByText('Customer: Nordwerk GmbH').waitFor()
      assert.equal(await customer.inputValue(), 'Nordwerk GmbH')

      // a date written otherwise is refused with a message; the URL and the list stay
      await updatedSince.fill('yesterday')
      await updatedSince.press('Tab')
      await page
        .getByRole('alert')
        .getByText(/Not a date: write it as YYYY-MM-DD/)
        .waitFor()
      assert.equal(await updatedSince.getAttribute('aria-invalid'), 'true')
      assert.equal(param('updated_since'), null)
      assert.equal(await page.locator('.queue-row').count(), 2)

      // updated since the instant: only the later case
      await updatedSince.fill(since)
      await updatedSince.press('Enter')
      await poll(async () => param('updated_since') === since, { what: 'updated_since= in the URL' })
      await poll(async () => (await row(ids.jams).count()) === 0, { what: 'the earlier case gone' })
      await row(ids.ribbon).waitFor()
      assert.equal(await page.locator('.queue-row').count(), 1)
      assert.equal(await page.getByRole('alert').count(), 0)
      await chips.getByText(/^Updated since/).waitFor()
      await accessible('the queue filtered by customer and updated since')
      await shot('queue-filter-bar')

      // a quick choice: the last 24 hours, kept as a span in the URL (a saved view of it rolls with
      // time); it takes the typed instant's place and holds both of the customer's cases
      await page.locator('#queue-updated-within').selectOption({ label: '24 hours' })
      await poll(async () => param('updated_within') === 'P1D' && param('updated_since') === null, {
        what: 'updated_within=P1D in the URL, updated_since gone',
      })
      await row(ids.jams).waitFor()
      assert.equal(await page.locator('.queue-row').count(), 2)
      await chips.getByText('Updated in the last 24 hours').waitFor()
      assert.equal(await updatedSince.inputValue(), '')
      await shot('queue-filter-span')
      // the page read again from its URL keeps the span
      await page.reload()
      await row(ids.jams).waitFor()
      assert.equal(await page.locator('#queue-updated-within').inputValue(), 'day')
      await chips.getByText('Updated in the last 24 hours').waitFor()
      await chips.getByRole('button', { name: 'Remove the filter Updated in the last' }).click()
      await poll(async () => param('updated_within') === null, { what: 'updated_within gone' })

      // cleared: both filters gone, every customer's cases again
      await updatedSince.fill('')
      await updatedSince.press('Tab')
      await customer.fill('')
      await customer.press('Tab')
      await poll(async () => !param('customer') && !param('updated_since'), { what: 'both filters cleared' })
      await row(ids.scanner).waitFor()
      assert.equal(await chips.count(), 0)
    })
  },
)
