// Triage's suggestion panel on the real local stack (with the sentence-embedding model), in
// Debian's Chromium: a model trained by `casebridge triage train --csv`, a customer's mail becoming
// a case that triage applies a category to (threshold 0) and only suggests a priority for (no
// threshold: never applied); the agent accepts the suggested priority in one click, then confirms
// the applied category in one click, and the case and its timeline say so.
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { openBrowser, poll, sendMail, startStack } from './harness.mjs'

let stack
let ui
let page
let caseId
const SUBJECT = 'My card was stolen this morning'

const TRAINING = [
  ...['yesterday', 'at the station', 'on the bus', 'in a shop', 'last night', 'today'].map((w) => [
    `my card was stolen ${w}`,
    'lost_card',
    'urgent',
  ]),
  ...['again', 'every hour', 'since monday', 'at night', 'all day', 'today'].map((w) => [
    `the wifi router drops ${w}`,
    'network',
    'normal',
  ]),
  ...['this month', 'twice', 'again', 'on my invoice', 'since may', 'today'].map((w) => [
    `I was charged the wrong amount ${w}`,
    'billing',
    'low',
  ]),
]

describe('triage suggestion panel', { timeout: 600_000 }, () => {
  before(async () => {
    stack = await startStack({
      env: {
        CASEBRIDGE_EMBEDDER: 'onnx',
        CASEBRIDGE_TRIAGE_THRESHOLDS: JSON.stringify({ category: 0.0, priority: null, department: null }),
        CASEBRIDGE_TRIAGE_RELOAD_SECONDS: '0',
      },
    })
    const csv = path.join(stack.dataDir, 'triage-train.csv')
    writeFileSync(csv, ['text,category,priority', ...TRAINING.map((r) => r.join(','))].join('\n') + '\n')
    const trained = JSON.parse(
      await stack.cli('triage', 'train', '--csv', csv, '--endpoint', stack.aws_endpoint),
    )
    assert.equal(trained.examples, TRAINING.length)
    const from = 'nora.lind@example.org'
    await sendMail(stack.smtpPort, { from, subject: SUBJECT, body: 'Someone took my card, please block it.' })
    const found = await poll(
      async () => {
        const c = (await stack.api('GET', '/cases?channel=email&limit=50')).items.find(
          (x) => x.subject === SUBJECT,
        )
        return c ? (await stack.api('GET', `/cases/${c.case_id}`)).triage && c : null
      },
      { what: 'the mail to become a case with triage’s suggestion', timeout: 120_000 },
    )
    caseId = found.case_id
    ui = await openBrowser(stack)
    page = ui.page
    await ui.signIn('Alex Meyer')
  })

  after(async () => {
    await ui?.close()
    await stack?.stop()
  })

  it('accepts a suggestion below the threshold in one click', async () => {
    const before = await stack.api('GET', `/cases/${caseId}`)
    assert.equal(before.triage.priority.value, 'urgent')
    assert.equal(before.triage.priority.applied, false)
    assert.equal(before.priority, 'normal')
    await page.goto(`${stack.web_url}/cases/${caseId}`)
    await page.getByRole('heading', { name: SUBJECT, level: 1 }).waitFor()
    const panel = page.getByRole('region', { name: 'Suggested by triage' })
    await panel.getByRole('button', { name: 'Accept Priority Urgent' }).click()
    await panel.getByText('taken').waitFor()
    const after = await poll(
      async () => {
        const c = await stack.api('GET', `/cases/${caseId}`)
        return c.priority === 'urgent' ? c : null
      },
      { what: 'the priority to change' },
    )
    assert.deepEqual(after.triage_corrections, {}) // the agent took triage's value: no correction
    const change = after.timeline.find((e) => e.kind === 'fields_changed' && e.changes?.priority)
    assert.deepEqual(change.changes.priority, { from: 'normal', to: 'urgent' })
    await page.locator('.timeline .changes dd', { hasText: 'Normal → Urgent' }).waitFor() // the timeline says so
    await ui.accessible('the triage panel after accepting a suggestion')
  })

  it('confirms a field triage applied in one click', async () => {
    const panel = page.getByRole('region', { name: 'Suggested by triage' })
    assert.equal((await stack.api('GET', `/cases/${caseId}`)).category, 'lost_card')
    await panel.getByRole('button', { name: 'Confirm Category lost_card' }).click()
    await panel.getByText('confirmed', { exact: true }).waitFor()
    const c = await poll(
      async () => {
        const x = await stack.api('GET', `/cases/${caseId}`)
        return x.triage.category.confirmed ? x : null
      },
      { what: 'the confirmation' },
    )
    assert.equal(c.category, 'lost_card')
    await page.getByText("confirmed triage's category lost_card").waitFor()
    assert.equal(await panel.getByRole('button', { name: /^Confirm/ }).count(), 0)
  })
})
