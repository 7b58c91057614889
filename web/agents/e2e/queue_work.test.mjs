// The queue and case work that had no browser test, on the real local stack in Debian's Chromium:
// the group filter narrowing the queue; picking cases by keyboard (j, x) and a shift-click range,
// then a bulk action on exactly those; a saved view that is no built-in view opening with exactly
// its filters (statuses and a tag), and its deletion asked in the app's dialog; a case split (the
// chosen messages move to a new case, and both timelines say so). The steps share one stack and
// run in order; each new screen is checked with axe and screenshotted into docs/screenshots/.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { openBrowser, poll, sendMail, startStack } from './harness.mjs'

let stack
let ui // the browser on the stack (harness.mjs openBrowser): page, shot, accessible, signIn
let page
let sam
const ids = {}

const shot = (name) => ui.shot(name)
const accessible = (what) => ui.accessible(what)

const row = (caseId) => page.locator(`#queue-row-${caseId}`)
const shownIds = () =>
  page.locator('.queue-link').evaluateAll((links) => links.map((a) => a.id.replace(/^queue-row-/, '')))
const param = (name) => new URL(page.url()).searchParams.get(name)

describe(
  'queue work: group filter, keyboard and range selection, saved views, split',
  { timeout: 600_000 },
  () => {
    before(async () => {
      stack = await startStack()
      sam = stack.agents.find((a) => a.name === 'Sam Garcia')
      // new cases about invoices go to the billing desk's group, nobody assigned
      await stack.api('POST', '/groups', { group_id: 'e2e-billing', name: 'Billing desk', members: [] })
      await stack.api('PUT', '/assignment-rules', {
        version: 0,
        rules: [
          {
            rule_id: 'invoices',
            match: { keywords: ['invoice'] },
            group_id: 'e2e-billing',
            mode: 'group_only',
          },
        ],
      })
      const create = (body) => stack.api('POST', '/cases', { priority: 'normal', channel: 'web', ...body })
      ids.billing = []
      for (const [i, who] of ['lena', 'omar', 'pia', 'quinn'].entries()) {
        const c = await create({
          subject: `Invoice ${i + 1} shows the wrong VAT`,
          description: `The invoice number ${1000 + i} has 19% where 7% applies.`,
          contact_email: `${who}@kanzlei-${i}.example`,
        })
        assert.equal(c.group_id, 'e2e-billing', 'routed to the billing group')
        ids.billing.push(c.case_id)
      }
      ids.other = (
        await create({
          subject: 'Label printer prints blank pages',
          description: 'Since the update the label printer feeds blank labels.',
          contact_email: 'stock@lager-nord.example',
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

    it('the group filter narrows the queue to the group’s cases and stays in the URL', async () => {
      await row(ids.other).waitFor()
      await page.getByRole('search').getByLabel('Group').selectOption({ label: 'Billing desk' })
      await poll(async () => param('group') === 'e2e-billing', { what: 'group= in the URL' })
      await poll(async () => (await shownIds()).length === ids.billing.length, {
        what: 'the billing cases only',
      })
      assert.deepEqual((await shownIds()).sort(), [...ids.billing].sort())
      assert.equal(await row(ids.other).count(), 0)
      await page.reload()
      await poll(async () => (await shownIds()).length === ids.billing.length, {
        what: 'the filter after a reload',
      })
      assert.equal(await page.getByRole('search').getByLabel('Group').inputValue(), 'e2e-billing')
      await accessible('the queue filtered by group')
      await shot('queue-group-filter')
    })

    it('j and x pick a case by keyboard, a shift-click picks the range up to another; the bulk action changes exactly those', async () => {
      const order = await shownIds()
      assert.equal(order.length, 4)
      await page.getByRole('heading', { name: /^Queue:/ }).click()
      await page.keyboard.press('j')
      await poll(
        async () => (await page.evaluate(() => document.activeElement?.id)) === `queue-row-${order[1]}`,
        {
          what: 'j to move to the second case',
          timeout: 10_000,
          interval: 100,
        },
      )
      await page.keyboard.press('x')
      const pick = (id) => page.getByRole('checkbox', { name: new RegExp(`^Select ${id}:`) })
      await poll(async () => pick(order[1]).isChecked(), {
        what: 'x to pick the case',
        timeout: 10_000,
        interval: 100,
      })
      const bar = page.getByRole('region', { name: 'Bulk actions' })
      await bar.getByText('One case selected').waitFor()
      // a shift-click on the last row picks every row from the one picked by x
      await pick(order[3]).click({ modifiers: ['Shift'] })
      await bar.getByText('3 cases selected').waitFor()
      for (const [i, id] of order.entries())
        assert.equal(await pick(id).isChecked(), i >= 1, `row ${i + 1} picked`)
      await bar.getByLabel('Action').selectOption({ label: 'Set priority' })
      await bar.getByLabel(/^Priority/).selectOption('urgent')
      await accessible('the bulk bar after a range selection')
      await shot('queue-range-selection')
      await bar.getByRole('button', { name: 'Apply' }).click()
      await page
        .locator('.bulk-result')
        .getByText('3 changed, 0 failed, 0 unchanged')
        .waitFor({ timeout: 60_000 })
      const priorities = []
      for (const id of order) priorities.push((await stack.api('GET', `/cases/${id}`)).priority)
      assert.deepEqual(priorities, ['normal', 'urgent', 'urgent', 'urgent'])
    })

    it('a saved view that is no built-in view opens with exactly its statuses and tag; deleting it asks first', async () => {
      // two billing cases wait for the customer, one of them tagged vip: the view wants new or
      // pending-customer cases with the tag vip
      const [first, second] = ids.billing
      for (const [id, tags] of [
        [first, ['vip']],
        [second, []],
      ]) {
        const c = await stack.api('GET', `/cases/${id}`)
        await stack.api('PATCH', `/cases/${id}`, { version: c.version, status: 'pending_customer', tags })
      }
      const vipNew = (
        await stack.api('POST', '/cases', {
          subject: 'Our VIP contract renewal',
          channel: 'email',
          priority: 'high',
          description: 'Please call back about the renewal.',
          contact_email: 'ceo@grosskunde.example',
        })
      ).case_id
      const c = await stack.api('GET', `/cases/${vipNew}`)
      await stack.api('PATCH', `/cases/${vipNew}`, { version: c.version, tags: ['vip'] })
      await stack.api(
        'POST',
        '/views',
        {
          name: 'VIP waiting or new',
          query: 'status=pending_customer%2Cnew&tag=vip',
          visibility: 'personal',
        },
        sam,
      )

      await page.goto(stack.web_url + '/queue')
      const views = page.getByRole('navigation', { name: 'Views' })
      await views.getByRole('link', { name: 'VIP waiting or new' }).click()
      await page.getByRole('heading', { name: 'Queue: VIP waiting or new' }).waitFor()
      assert.equal(param('status'), 'new,pending_customer')
      assert.equal(param('tag'), 'vip')
      assert.equal(param('view'), 'all')
      await poll(async () => (await shownIds()).sort().join() === [first, vipNew].sort().join(), {
        what: 'the vip cases that are new or pending the customer',
      })
      assert.equal(await page.locator('#queue-tags').inputValue(), 'vip')
      const scope = page.getByRole('list', { name: 'Active filters' })
      assert.match(await scope.textContent(), /Status: New, Pending customer/)
      assert.equal(await views.getByRole('link', { name: 'All cases' }).getAttribute('aria-current'), null)
      assert.equal(
        await views.getByRole('link', { name: 'VIP waiting or new' }).getAttribute('aria-current'),
        'page',
      )
      await accessible('a saved view with its own statuses and a tag')
      await shot('queue-saved-view-filters')

      // the URL is the source of truth: a reload shows the same
      await page.reload()
      await page.getByRole('heading', { name: 'Queue: VIP waiting or new' }).waitFor()
      await poll(async () => (await shownIds()).length === 2, { what: 'the same two cases after a reload' })

      // a tag typed into the filter goes into the URL too
      await page.locator('#queue-tags').fill('vip, renewal')
      await page.locator('#queue-tags').press('Enter')
      await poll(async () => new URL(page.url()).searchParams.getAll('tag').join() === 'vip,renewal', {
        what: 'both tags in the URL',
      })
      await poll(async () => (await shownIds()).length === 0, { what: 'no case with both tags' })
      await page.locator('#queue-tags').fill('')
      await page.locator('#queue-tags').press('Enter')
      await poll(async () => param('tag') === null, { what: 'the tag filter cleared' })

      // deleting the view asks in the app's dialog; Cancel keeps it, Delete removes it
      await page.getByRole('button', { name: 'Delete VIP waiting or new' }).click()
      const dialog = page.getByRole('alertdialog', { name: 'Delete the view VIP waiting or new?' })
      await dialog.waitFor()
      await accessible('the delete confirmation')
      await shot('confirm-delete-view')
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      await dialog.waitFor({ state: 'detached' })
      assert.equal((await stack.api('GET', '/views', undefined, sam)).items.length, 1)
      await page.getByRole('button', { name: 'Delete VIP waiting or new' }).click()
      await dialog.getByRole('button', { name: 'Delete' }).click()
      await views.getByRole('link', { name: 'VIP waiting or new' }).waitFor({ state: 'detached' })
      assert.equal((await stack.api('GET', '/views', undefined, sam)).items.length, 0)
    })

    it('splits chosen messages off a case into a new case; both timelines say so', async () => {
      const from = 'jonas.weber@tischlerei-weber.example'
      await sendMail(stack.smtpPort, {
        from,
        subject: 'Router drops the connection',
        body: 'Our router drops the connection every hour.',
      })
      const original = await poll(
        async () =>
          (await stack.api('GET', '/cases?channel=email&limit=200')).items.find(
            (c) => c.contact_email === from,
          ) ?? null,
        { what: 'the mail to become a case' },
      )
      ids.split = original.case_id
      // the customer writes twice more on the same case (its number in the subject threads it)
      await sendMail(stack.smtpPort, {
        from,
        subject: `Re: [${ids.split}] Router drops the connection`,
        body: 'Also: the new invoice lists the router twice.',
      })
      await sendMail(stack.smtpPort, {
        from,
        subject: `Re: [${ids.split}] Router drops the connection`,
        body: 'And the second invoice copy has the wrong address.',
      })
      const messages = async (id) =>
        (await stack.api('GET', `/cases/${id}`)).timeline.filter((e) => e.kind === 'message_in')
      await poll(async () => (await messages(ids.split)).length === 3, { what: 'three messages on the case' })

      await page.goto(`${stack.web_url}/cases/${ids.split}`)
      await page.getByRole('heading', { name: 'Router drops the connection', level: 1 }).waitFor()
      await page.getByRole('button', { name: 'Split off interactions' }).click()
      const dialog = page.getByRole('dialog', { name: `Split interactions off ${ids.split} into a new case` })
      await dialog.getByLabel('Subject of the new case').fill('Invoice lists the router twice')
      await dialog.getByRole('checkbox', { name: /lists the router twice/ }).check()
      await dialog.getByRole('checkbox', { name: /second invoice copy/ }).check()
      await accessible('the split dialog')
      await shot('case-split')
      await dialog.getByRole('button', { name: 'Split into a new case' }).click()
      const done = page.getByRole('status').filter({ hasText: /2 interactions moved to the new case/ })
      await done.waitFor()
      const newId = (await done.textContent()).match(/new case ([A-Z]+-\d+)/)[1]
      assert.notEqual(newId, ids.split)

      // the API: the chosen messages are on the new case, the first stays
      const moved = (await messages(newId)).map((e) => e.message?.body_text ?? '')
      assert.equal(moved.length, 2)
      assert.ok(moved.some((b) => b.includes('lists the router twice')))
      assert.ok(moved.some((b) => b.includes('second invoice copy')))
      const kept = (await messages(ids.split)).map((e) => e.message?.body_text ?? '')
      assert.equal(kept.length, 1)
      assert.match(kept[0], /drops the connection every hour/)

      // the original's timeline says where they went, with a link
      const timeline = page.getByRole('region', { name: 'Timeline' })
      const splitEvent = timeline.getByRole('article', { name: /^Split by / })
      await splitEvent.waitFor()
      assert.match(
        await splitEvent.textContent(),
        new RegExp(`2 interactions moved to the new case ${newId}`),
      )
      await accessible('the original case after the split')
      await splitEvent.getByRole('link', { name: newId }).click()

      // the new case's timeline says where they came from, and shows them
      await page.getByRole('heading', { name: 'Invoice lists the router twice', level: 1 }).waitFor()
      const fromEvent = timeline.getByRole('article', { name: /^Split off by / })
      await fromEvent.waitFor()
      assert.match(await fromEvent.textContent(), new RegExp(`2 interactions split off ${ids.split}`))
      await timeline.getByText('Also: the new invoice lists the router twice.').waitFor()
      await timeline.getByText('And the second invoice copy has the wrong address.').waitFor()
      assert.equal(await timeline.getByText('Our router drops the connection every hour.').count(), 0)
      await accessible('the new case split off')
      await shot('case-split-new')
    })
  },
)
