import { cleanup, screen, within } from '@testing-library/vue'
import { afterEach, describe, expect, it } from 'vitest'
import { setLanguage } from '@/i18n'
import ProblemPage from '@/pages/ProblemPage.vue'
import { fakeApi, renderWithApp } from '@/test/render'

const problem = {
  problem_id: 'PB-1',
  title: 'PX-200 jams on page 2',
  description: '',
  status: 'root_cause_analysis',
  priority: 'high',
  department_id: 'firmware',
  created_by: { type: 'agent', id: 'alex' },
  created_at: '2026-12-01T10:00:00Z',
  updated_at: '2026-12-01T10:00:00Z',
  version: 3,
  case_count: 0,
  links: [],
  timeline: [],
}

const escalations = [
  {
    problem_id: 'PB-1',
    escalation_id: 'E-1',
    status: 'failed',
    failure: 'SQS.AmazonSQSException',
    department: 'firmware',
    level: 'department',
    resolved: false,
    updated_at: '2026-12-01T11:00:00Z',
  },
  {
    problem_id: 'PB-1',
    escalation_id: 'E-2',
    status: 'escalated_to_manager',
    department: 'firmware',
    level: 'manager',
    current_task_kind: 'decide',
    resolved: false,
    updated_at: '2026-12-01T12:00:00Z',
  },
]

function api() {
  return fakeApi((method, url) => {
    if (method !== 'GET') return undefined
    if (url.pathname === '/problems/PB-1') return { body: problem }
    if (url.pathname === '/problems/PB-1/escalations') return { body: { items: escalations } }
    if (url.pathname === '/problems/PB-1/suggested-cases') return { body: { items: [] } }
    if (url.pathname === '/problems/PB-1/notices') return { body: { items: [] } }
    if (url.pathname === '/departments') return { body: { items: [] } }
    return undefined
  })
}

afterEach(async () => {
  cleanup()
  await setLanguage('en')
})

describe('a problem page’s escalations', () => {
  it('says each status in words, and why a failed escalation failed', async () => {
    api()
    await renderWithApp(ProblemPage, { props: { problemId: 'PB-1' } })

    const failed = (await screen.findByText('failed: SQS.AmazonSQSException')).closest('tr')!
    expect(within(failed).getByText('department')).toBeTruthy()
    const waiting = screen.getByText('escalated to the manager').closest('tr')!
    expect(within(waiting).getByText('manager')).toBeTruthy()
    expect(within(waiting).getByText('a decision')).toBeTruthy()
  })

  it('in German too', async () => {
    await setLanguage('de')
    api()
    await renderWithApp(ProblemPage, { props: { problemId: 'PB-1' } })

    expect(await screen.findByText('fehlgeschlagen: SQS.AmazonSQSException')).toBeTruthy()
    expect(screen.getByText('an die Leitung eskaliert')).toBeTruthy()
  })
})

describe('a problem’s history', () => {
  const timeline = [
    {
      event_id: '2026-12-01T11:00:00Z#000aa',
      problem_id: 'PB-1',
      at: '2026-12-01T11:00:00Z',
      kind: 'escalation_failed',
      actor: { type: 'system', id: 'escalation' },
      body: 'escalation to firmware failed: SQS.AmazonSQSException',
      data: {
        escalation_id: 'E-1',
        status: 'failed',
        department: 'firmware',
        failure: 'SQS.AmazonSQSException',
      },
    },
    {
      event_id: '2026-12-01T12:00:00Z#000bb',
      problem_id: 'PB-1',
      at: '2026-12-01T12:00:00Z',
      kind: 'escalation_changed',
      actor: { type: 'system', id: 'escalation' },
      body: 'escalation to firmware: escalated to manager',
      data: { escalation_id: 'E-2', status: 'escalated_to_manager', department: 'firmware' },
    },
  ]

  function withTimeline() {
    return fakeApi((method, url) => {
      if (method !== 'GET') return undefined
      if (url.pathname === '/problems/PB-1') return { body: { ...problem, timeline } }
      if (url.pathname === '/problems/PB-1/escalations') return { body: { items: [] } }
      if (url.pathname === '/problems/PB-1/suggested-cases') return { body: { items: [] } }
      if (url.pathname === '/problems/PB-1/notices') return { body: { items: [] } }
      if (url.pathname === '/departments') return { body: { items: [] } }
      return undefined
    })
  }

  it('tells what the escalation workflow did, in the agent’s words', async () => {
    withTimeline()
    await renderWithApp(ProblemPage, { props: { problemId: 'PB-1' } })

    const history = await screen.findByRole('region', { name: 'History' })
    const lines = within(history)
      .getAllByRole('listitem')
      .map((li) => li.textContent ?? '')
    expect(lines[0]).toContain('Escalation failed')
    expect(lines[0]).toContain('firmware: failed: SQS.AmazonSQSException')
    expect(lines[1]).toContain('Escalation')
    expect(lines[1]).toContain('firmware: escalated to the manager')
  })

  it('in German too', async () => {
    await setLanguage('de')
    withTimeline()
    await renderWithApp(ProblemPage, { props: { problemId: 'PB-1' } })

    const history = await screen.findByRole('region', { name: 'Verlauf' })
    const lines = within(history)
      .getAllByRole('listitem')
      .map((li) => li.textContent ?? '')
    expect(lines[0]).toContain('firmware: fehlgeschlagen: SQS.AmazonSQSException')
    expect(lines[1]).toContain('firmware: an die Leitung eskaliert')
  })
})
