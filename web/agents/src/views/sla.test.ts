import { describe, expect, it } from 'vitest'
import type { Calendar, SlaPolicy } from '@/api/types'
import {
  blankCalendar,
  blankPolicy,
  calendarToForm,
  daysWithSeveralIntervals,
  formToCalendar,
  formToPolicy,
  policyToForm,
  policyUpdate,
} from './sla'

describe('calendar forms', () => {
  it('start with weekdays 09:00–17:00 and the weekend closed', () => {
    const body = formToCalendar({
      ...blankCalendar('Europe/Berlin'),
      calendar_id: ' office ',
      name: 'Office',
    })
    expect(body.calendar_id).toBe('office')
    expect(Object.keys(body.hours ?? {})).toEqual(['mon', 'tue', 'wed', 'thu', 'fri'])
    expect(body.hours?.mon).toEqual([{ start: '09:00', end: '17:00' }])
    expect(body.timezone).toBe('Europe/Berlin')
  })

  it('round-trip a calendar from the API (seconds dropped, holidays sorted and unique)', () => {
    const calendar: Calendar = {
      calendar_id: 'office',
      name: 'Office',
      timezone: 'America/New_York',
      hours: { sat: [{ start: '10:00:00', end: '14:00:00' }] },
      holidays: ['2026-12-25', '2026-01-01'],
      version: 3,
    }
    const form = calendarToForm(calendar)
    expect(form.days.sat).toEqual({ open: true, start: '10:00', end: '14:00' })
    expect(form.days.mon.open).toBe(false)
    form.holidays.push('2026-01-01')
    const body = formToCalendar(form)
    expect(body.hours).toEqual({ sat: [{ start: '10:00', end: '14:00' }] })
    expect(body.holidays).toEqual(['2026-01-01', '2026-12-25'])
  })

  it('name the days whose further intervals the form does not edit', () => {
    const calendar = {
      calendar_id: 'split',
      name: 'Split',
      hours: {
        mon: [
          { start: '08:00', end: '12:00' },
          { start: '13:00', end: '17:00' },
        ],
      },
    } as Calendar
    expect(daysWithSeveralIntervals(calendar)).toEqual(['mon'])
  })
})

describe('policy forms', () => {
  it('send only the priorities that have a target, numbers as numbers, conditions as lists', () => {
    const form = {
      ...blankPolicy('office'),
      policy_id: 'gold',
      name: 'Gold',
      rank: 10,
      tiers: 'gold, enterprise ,',
    }
    form.targets.urgent = { first_response: 30, resolution: '' }
    form.targets.high = { first_response: '60', resolution: 480 }
    const body = formToPolicy(form)
    expect(body).toMatchObject({
      policy_id: 'gold',
      calendar_id: 'office',
      rank: 10,
      warn_before_minutes: 30,
    })
    expect(body.match_tiers).toEqual(['gold', 'enterprise'])
    expect(body.match_channels).toEqual([])
    expect(body.targets).toEqual({
      urgent: { first_response_minutes: 30, resolution_minutes: null },
      high: { first_response_minutes: 60, resolution_minutes: 480 },
    })
  })

  it('round-trip a policy from the API', () => {
    const policy: SlaPolicy = {
      policy_id: 'std',
      name: 'Standard',
      calendar_id: 'office',
      rank: 100,
      warn_before_minutes: 15,
      match_tiers: [],
      match_channels: ['email', 'web'],
      targets: { normal: { first_response_minutes: 240, resolution_minutes: null } },
    }
    const form = policyToForm(policy)
    expect(form.channels).toBe('email, web')
    expect(form.targets.normal).toEqual({ first_response: '240', resolution: '' })
    expect(formToPolicy(form)).toEqual(policy)
    expect(policyUpdate(form, 4)).toEqual({ ...policy, policy_id: undefined, version: 4 })
  })
})
