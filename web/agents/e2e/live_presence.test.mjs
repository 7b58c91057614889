// Live updates and presence on the real local stack, in Debian's Chromium: two browser contexts
// as two agents. The app's live updates come over the stack's WebSocket (config.json liveUrl),
// not from polling; a new mail is routed round-robin to an available member of a group.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { launchBrowser, poll, sendMail, signIn, startStack } from './harness.mjs'

let stack
let browser
const agents = {}

/** A signed-in agent in a browser context of its own, recording its WebSocket and polling traffic. */
async function agentPage(name) {
  const context = await browser.newContext()
  const page = await context.newPage()
  // A case hint is read back in one GET /cases?updated_since= (src/live/websocket.ts); the poller
  // asks the same on its own clock. So a read that follows no case hint is a poll.
  const traffic = { sockets: [], hints: [], caseHints: 0, polls: 0 }
  page.on('websocket', (ws) => {
    traffic.sockets.push(ws.url())
    ws.on('framereceived', (frame) => {
      const hint = JSON.parse(String(frame.payload))
      traffic.hints.push(hint)
      if (hint.type === 'case_changed') traffic.caseHints += 1
    })
  })
  page.on('request', (request) => {
    if (!request.url().includes('updated_since=')) return
    if (traffic.caseHints > 0) traffic.caseHints -= 1
    else traffic.polls += 1
  })
  await signIn(page, stack.web_url, name)
  return { context, page, traffic, agent: stack.agents.find((a) => a.name === name) }
}

describe('agents see each other and the changes they make, live', { timeout: 600_000 }, () => {
  before(async () => {
    stack = await startStack()
    browser = await launchBrowser()
    agents.lea = await agentPage('Lea Berg')
    agents.sam = await agentPage('Sam Garcia')
  })

  after(async () => {
    await browser?.close()
    await stack?.stop()
  })

  it('shows who else is viewing a case and who is typing', async () => {
    const created = await stack.api('POST', '/cases', { subject: 'Toner smears on every page' })
    const url = `${stack.web_url}/cases/${created.case_id}`
    await agents.lea.page.goto(url)
    await agents.sam.page.goto(url)
    const leaSees = agents.lea.page.getByTestId('presence')
    await leaSees.getByText('Sam Garcia is viewing').waitFor()
    await agents.sam.page.getByTestId('presence').getByText('Lea Berg is viewing').waitFor()

    // "typing" lasts while keys are pressed (the composer says it stopped 5 s after the last one):
    // Sam goes on typing, a key at a time, until Lea sees it; no bet on how long the hint takes
    const composer = agents.sam.page.locator('#composer-text')
    const typing = leaSees.getByText('Sam Garcia is typing…')
    const words = [...'Have you tried a new toner cartridge? ']
    await poll(
      async () => {
        if (await typing.isVisible()) return true
        await composer.press(words[0] === ' ' ? 'Space' : words[0])
        words.push(words.shift())
        return false
      },
      { what: 'Lea to see Sam typing', timeout: 120_000, interval: 500 },
    )
    agents.caseId = created.case_id
  })

  it('puts a change another agent made on the open case without polling', async () => {
    const { page, traffic } = agents.lea
    const seen = traffic.hints.length // hints from before the note (the case's creation) do not count
    await stack.api(
      'POST',
      `/cases/${agents.caseId}/notes`,
      { body: 'Called the customer: toner replaced.' },
      agents.sam.agent,
    )
    // wait on the event: the hint reaching Lea's socket (the stack's stream delivery takes its time
    // on a loaded machine), then the case read again because of it
    await poll(
      async () =>
        traffic.hints.slice(seen).some((h) => h.type === 'case_changed' && h.case_id === agents.caseId),
      {
        what: "the note's case_changed hint on Lea's socket",
        timeout: 120_000,
        interval: 200,
      },
    )
    await page.getByText('Called the customer: toner replaced.').waitFor()
    assert.ok(
      traffic.sockets.some((u) => u.startsWith(stack.live_url)),
      `sockets: ${traffic.sockets}`,
    )
    assert.equal(traffic.polls, 0, 'the app polled although its socket was open')
  })

  it('routes a new mail round-robin to the group member who is available', async () => {
    const admin = stack.agents.find((a) => a.roles.includes('admins'))
    const { lea, sam } = { lea: agents.lea.agent, sam: agents.sam.agent }
    await stack.api(
      'POST',
      '/groups',
      { group_id: 'printing', name: 'Printing', members: [sam.id, lea.id] },
      admin,
    )
    const rules = [{ rule_id: 'printers', match: { keywords: ['printer'] }, group_id: 'printing' }]
    await stack.api('PUT', '/assignment-rules', { rules }, admin)
    await stack.api('PATCH', `/agents/${encodeURIComponent(sam.id)}`, { available: false }, sam)

    await sendMail(stack.smtpPort, {
      from: 'ops@harbor-health.example',
      subject: 'Printer offline in ward 3',
      body: 'The printer in ward 3 shows offline.',
    })
    const routed = await poll(
      async () => {
        const page = await stack.api('GET', '/cases?channel=email&limit=50')
        return page.items.find((c) => c.subject === 'Printer offline in ward 3') ?? null
      },
      { what: 'the mail to become a case' },
    )
    assert.equal(routed.group_id, 'printing')
    assert.equal(routed.assignee, lea.id)
    await agents.lea.page.goto(`${stack.web_url}/cases/${routed.case_id}`)
    await agents.lea.page.getByText(`${lea.id}`).first().waitFor()
  })
})
