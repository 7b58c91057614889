import { fireEvent, screen, waitFor } from '@testing-library/vue'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import CaseProperties from '@/components/case/CaseProperties.vue'
import Timeline from '@/components/case/Timeline.vue'
import CommandPalette from '@/components/CommandPalette.vue'
import { addCommands, palette } from '@/keyboard/shortcuts'
import SignInPage from '@/pages/SignInPage.vue'
import { makeCase, makeCaseView } from '@/test/fixtures'
import { fakeApi, renderWithApp, seriousViolations } from '@/test/render'

describe('sign-in', () => {
  it('offers each seeded agent of the local stack and has no serious accessibility violation', async () => {
    const { container } = await renderWithApp(SignInPage)
    expect(screen.getByRole('button', { name: /Sign in as Alex Meyer/ })).toBeTruthy()
    expect(screen.getByRole('button', { name: /Sign in as Sam Garcia/ })).toBeTruthy()
    expect(await seriousViolations(container)).toEqual([])
  })
})

describe('timeline', () => {
  it('shows mail as text (markup is never interpreted), notes as internal, and folds quoted history', async () => {
    const { container } = await renderWithApp(Timeline, {
      props: {
        events: [
          {
            event_id: 'e1',
            case_id: 'CB-1',
            at: '2026-01-01T00:00:00Z',
            kind: 'message_in',
            actor: { type: 'customer', id: 'anna@x.example' },
            message: {
              channel: 'email',
              direction: 'in',
              subject: 'Jams',
              body_text: '<img src=x onerror="alert(1)"> it jams\n\nOn Mon Casebridge wrote:\n> old',
            },
          },
          {
            event_id: 'e2',
            case_id: 'CB-1',
            at: '2026-01-01T00:01:00Z',
            kind: 'note',
            visibility: 'internal',
            actor: { type: 'agent', id: 'sam' },
            body: 'Known firmware issue',
          },
        ],
      },
    })
    expect(container.querySelector('img')).toBeNull()
    expect(screen.getByText(/<img src=x onerror="alert\(1\)"> it jams/)).toBeTruthy()
    expect(screen.getByText('Show quoted text')).toBeTruthy()
    expect(screen.getByText('Internal')).toBeTruthy()
    expect(await seriousViolations(container)).toEqual([])
  })

  it('says what a split or merge did, with a link to the other case', async () => {
    const sam = { type: 'agent' as const, id: 'sam', name: 'Sam Garcia' }
    const event = (kind: string, data: Record<string, unknown>) => ({
      event_id: kind,
      case_id: 'CB-1',
      at: '2026-01-01T00:00:00Z',
      kind: kind as 'split',
      actor: sam,
      visibility: 'internal' as const,
      data,
    })
    await renderWithApp(Timeline, {
      props: {
        events: [
          event('split', { new_case_id: 'CB-9', event_ids: ['a', 'b'] }),
          event('split_from', { original_case_id: 'CB-0', event_ids: ['c'] }),
          event('merged_into', { into: 'CB-5' }),
        ],
      },
    })
    expect(screen.getByRole('article', { name: 'Split by Sam Garcia' }).textContent).toContain(
      '2 interactions moved to the new case CB-9',
    )
    expect(screen.getByRole('link', { name: 'CB-9' }).getAttribute('href')).toBe('/cases/CB-9')
    expect(screen.getByRole('article', { name: 'Split off by Sam Garcia' }).textContent).toContain(
      'Opened with one interaction split off CB-0',
    )
    expect(screen.getByRole('link', { name: 'CB-5' })).toBeTruthy()
    expect(document.body.textContent).not.toContain('timeline.')
  })
})

const directory = (method: string, url: URL) => {
  if (method === 'GET' && url.pathname === '/agents')
    return {
      body: {
        items: [
          {
            agent_id: 'sam@casebridge.local',
            name: 'Sam Garcia',
            available: true,
            open_cases: 2,
            groups: [],
            roles: [],
          },
          { agent_id: 'lea', name: 'Lea Roth', available: false, open_cases: 0, groups: [], roles: [] },
        ],
      },
    }
  if (method === 'GET' && url.pathname === '/groups')
    return { body: { items: [{ group_id: 'billing', name: 'Billing team', members: ['lea'], version: 1 }] } }
  return undefined
}

describe('case properties', () => {
  it('assigns through the picker: the directory’s agents with availability, the case’s group by name', async () => {
    const seen = makeCase({ case_id: 'CB-1', version: 4, group_id: 'billing' })
    const calls = fakeApi((method, url, body) => {
      if (method === 'PATCH')
        return { body: { ...seen, assignee: (body as { assignee: string }).assignee, version: 5 } }
      return directory(method, url)
    })
    const { container, unmount } = await renderWithApp(CaseProperties, { props: { case: seen } })
    const user = userEvent.setup()
    const picker = screen.getByLabelText('Assignee')
    await waitFor(() =>
      expect(screen.getByRole('option', { name: 'Sam Garcia (available, 2 open)' })).toBeTruthy(),
    )
    expect(screen.getByRole('option', { name: 'Lea Roth (away, 0 open)' })).toBeTruthy()
    expect(await screen.findByText('Billing team')).toBeTruthy()
    await user.selectOptions(picker, 'sam@casebridge.local')
    await user.click(screen.getByRole('button', { name: 'Save changes' }))
    await waitFor(() =>
      expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
        { version: 4, assignee: 'sam@casebridge.local' },
      ]),
    )
    expect(await seriousViolations(container)).toEqual([])
    unmount()
  })

  it('explains a version conflict and applies the agent’s edit on top of the new version', async () => {
    const seen = makeCase({ case_id: 'CB-1', status: 'new', priority: 'normal', version: 1 })
    const current = makeCaseView({
      case_id: 'CB-1',
      status: 'open',
      priority: 'normal',
      assignee: 'lea',
      version: 2,
    })
    let patches = 0
    const calls = fakeApi((method, url, body) => {
      if (method === 'PATCH') {
        patches += 1
        const b = body as { version: number }
        if (b.version === 1)
          return {
            status: 409,
            body: { error: { code: 'version_conflict', message: 'version 1 is stale', fields: [] } },
          }
        return { body: { ...current, priority: 'urgent', version: 3 } }
      }
      if (method === 'GET' && url.pathname === '/cases/CB-1') return { body: current }
      return directory(method, url)
    })
    const { container } = await renderWithApp(CaseProperties, { props: { case: seen } })
    const user = userEvent.setup()

    await user.selectOptions(screen.getByLabelText('Priority'), 'urgent')
    await user.click(screen.getByRole('button', { name: 'Save changes' }))

    const alert = await screen.findByRole('alert')
    expect(alert.textContent).toContain('Someone else changed this case meanwhile')
    expect(alert.textContent).toContain('Open') // their status change
    expect(alert.textContent).toContain('Urgent') // the agent's edit, kept
    expect(await seriousViolations(container)).toEqual([])

    await user.click(screen.getByRole('button', { name: 'Apply my changes on top' }))
    await waitFor(() => expect(patches).toBe(2))
    expect(calls.filter((c) => c.method === 'PATCH').map((c) => c.body)).toEqual([
      { version: 1, priority: 'urgent' },
      { version: 2, priority: 'urgent' },
    ])
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull())
  })
})

describe('command palette', () => {
  it('filters commands as the agent types and runs the chosen one with Enter', async () => {
    const ran: string[] = []
    const remove = addCommands([
      { id: 'a', title: 'Go to Problems', group: 'Navigate', run: () => ran.push('problems') },
      { id: 'b', title: 'Go to Knowledge', group: 'Navigate', run: () => ran.push('knowledge') },
    ])
    await renderWithApp(CommandPalette)
    palette.open = true
    const input = await screen.findByRole('combobox', { name: 'Command palette' })
    await fireEvent.update(input, 'know')
    expect(screen.getAllByRole('option').map((o) => o.textContent)).toEqual([
      expect.stringContaining('Go to Knowledge'),
    ])
    await fireEvent.keyDown(input, { key: 'Enter' })
    expect(ran).toEqual(['knowledge'])
    expect(palette.open).toBe(false)
    await waitFor(() => expect(screen.queryByRole('combobox', { name: 'Command palette' })).toBeNull())

    palette.open = true // opened again: an empty query, every command, the first one highlighted
    const again = await screen.findByRole('combobox', { name: 'Command palette' })
    expect((again as HTMLInputElement).value).toBe('')
    expect(screen.getAllByRole('option', { selected: true }).map((o) => o.textContent)).toEqual([
      expect.stringContaining('Go to Problems'),
    ])
    palette.open = false
    remove()
  })
})

describe('similar cases', () => {
  it('says which similar cases and articles were found by meaning, beside the words they share', async () => {
    fakeApi((method, url) =>
      method === 'GET' && url.pathname === '/cases/CB-1/similar'
        ? {
            body: {
              case_id: 'CB-1',
              cases: [
                {
                  case_id: 'CB-7',
                  subject: 'Wireless internet disconnects',
                  score: 1,
                  matched_terms: [],
                  by_meaning: true,
                },
                {
                  case_id: 'CB-8',
                  subject: 'Router drops',
                  score: 0.5,
                  matched_terms: ['router'],
                  by_meaning: false,
                },
              ],
              articles: [
                {
                  article_id: 'KB-1',
                  title: 'Wireless connection disconnects',
                  score: 1,
                  matched_terms: [],
                  by_meaning: true,
                },
              ],
            },
          }
        : undefined,
    )
    const { default: SimilarPanel } = await import('@/components/case/SimilarPanel.vue')
    const { container } = await renderWithApp(SimilarPanel, { props: { caseId: 'CB-1' } })

    const meaning = await screen.findByRole('link', { name: /CB-7/ })
    expect(meaning.closest('li')?.querySelector('.chip.meaning')?.textContent).toBe('meaning')
    const words = screen.getByRole('link', { name: /CB-8/ }).closest('li')
    expect(words?.querySelector('.chip.meaning')).toBeNull()
    expect(words?.textContent).toContain('router')
    const article = screen.getByRole('link', { name: 'Wireless connection disconnects' }).closest('li')
    expect(article?.querySelector('.chip.meaning')).not.toBeNull()
    expect(await seriousViolations(container)).toEqual([])
  })
})
