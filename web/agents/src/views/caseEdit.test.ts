import { describe, expect, it } from 'vitest'
import { makeCase } from '@/test/fixtures'
import { editFrom, othersChanges, rebase, statusChoices, toUpdate } from './caseEdit'

const seen = makeCase({ case_id: 'CB-1', status: 'new', priority: 'normal', version: 3 })

describe('case edits with the version check', () => {
  it('sends only the changed fields against the version seen', () => {
    const edit = { ...editFrom(seen), priority: 'high' as const, tags: 'printer, jam' }
    expect(toUpdate(seen, edit, ' why ')).toEqual({
      version: 3,
      priority: 'high',
      tags: ['printer', 'jam'],
      comment: 'why',
    })
  })

  it('unassigns when the assignee is cleared', () => {
    const assigned = makeCase({ case_id: 'CB-1', assignee: 'sam', version: 2 })
    expect(toUpdate(assigned, { ...editFrom(assigned), assignee: ' ' })).toEqual({
      version: 2,
      unassign: true,
    })
  })

  it('shows what others changed next to the agent’s own edit, and carries the edit onto the new version', () => {
    const edit = { ...editFrom(seen), priority: 'urgent' as const }
    const current = makeCase({
      case_id: 'CB-1',
      status: 'open',
      priority: 'normal',
      assignee: 'lea',
      version: 4,
    })
    expect(othersChanges(seen, current, edit)).toEqual([
      { field: 'status', seen: 'new', now: 'open', mine: null },
      { field: 'priority', seen: 'normal', now: 'normal', mine: 'urgent' },
      { field: 'assignee', seen: '', now: 'lea', mine: null },
    ])
    const rebased = rebase(seen, current, edit)
    expect(rebased).toEqual({ status: 'open', priority: 'urgent', assignee: 'lea', tags: '' })
    expect(toUpdate(current, rebased)).toEqual({ version: 4, priority: 'urgent' })
  })

  it('offers the status changes the API allows', () => {
    expect(statusChoices('resolved')).toEqual(['resolved', 'open', 'closed'])
    expect(statusChoices('closed')).toEqual(['closed'])
  })
})
