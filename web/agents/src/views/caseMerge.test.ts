import { describe, expect, it } from 'vitest'
import type { TimelineEvent } from '@/api/types'
import { makeCase } from '@/test/fixtures'
import { eventSummary, interactions, mergeTargets, needsCustomerConfirm } from './caseMerge'

const event = (event_id: string, kind: TimelineEvent['kind'], body = ''): TimelineEvent =>
  ({
    event_id,
    kind,
    body,
    case_id: 'CB-1',
    at: '2026-01-01T00:00:00Z',
    actor: { type: 'agent', id: 'a' },
  }) as TimelineEvent

describe('merge and split', () => {
  it('offers only interactions for a split', () => {
    const timeline = [
      event('1', 'created'),
      event('2', 'message_in'),
      event('3', 'status_changed'),
      event('4', 'note'),
    ]
    expect(interactions(timeline).map((e) => e.event_id)).toEqual(['2', '4'])
  })

  it('never offers this case, a closed case or a merged one as the target', () => {
    const found = [
      makeCase({ case_id: 'CB-1' }),
      makeCase({ case_id: 'CB-2', status: 'closed' }),
      makeCase({ case_id: 'CB-3', merged_into: 'CB-9' }),
      makeCase({ case_id: 'CB-4', status: 'open' }),
    ]
    expect(mergeTargets(found, 'CB-1').map((c) => c.case_id)).toEqual(['CB-4'])
  })

  it('asks for the confirmation when the customers differ', () => {
    const a = makeCase({ case_id: 'CB-1', customer_id: 'c1' })
    expect(needsCustomerConfirm(a, makeCase({ case_id: 'CB-2', customer_id: 'c1' }))).toBe(false)
    expect(needsCustomerConfirm(a, makeCase({ case_id: 'CB-2', customer_id: 'c2' }))).toBe(true)
    expect(needsCustomerConfirm(a, makeCase({ case_id: 'CB-2' }))).toBe(true)
  })

  it('summarises an event on one line', () => {
    expect(eventSummary(event('1', 'note', 'a\n\nb'))).toBe('a b')
    expect(eventSummary(event('1', 'note', 'x'.repeat(100)), 10)).toBe(`${'x'.repeat(9)}…`)
    const mail = (body_text: string) =>
      ({
        ...event('2', 'message_in'),
        message: { channel: 'email', direction: 'in', subject: 'Re: [CB-1] Router', body_text },
      }) as TimelineEvent
    // the messages of one thread share their subject: their text tells them apart
    expect(eventSummary(mail('The invoice lists it twice.'))).toBe('The invoice lists it twice.')
    expect(eventSummary(mail(''))).toBe('Re: [CB-1] Router')
  })
})
