/** The SLA administration forms and the API's calendars and policies, converted both ways (pure). */
import type {
  Calendar,
  CalendarCreate,
  CalendarUpdate,
  SlaPolicy,
  SlaPolicyCreate,
  SlaPolicyUpdate,
} from '@/api/types'

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = (typeof WEEKDAYS)[number]
export const PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const
export type PriorityName = (typeof PRIORITIES)[number]

export interface DayHours {
  open: boolean
  start: string
  end: string
}

export interface CalendarForm {
  calendar_id: string
  name: string
  timezone: string
  always_open: boolean
  days: Record<Weekday, DayHours>
  holidays: string[]
}

/** Number inputs: Vue's v-model gives numbers for type="number" fields, '' when empty. */
type NumberField = string | number

export interface TargetForm {
  first_response: NumberField
  resolution: NumberField
}

export interface PolicyForm {
  policy_id: string
  name: string
  calendar_id: string
  rank: NumberField
  warn_before_minutes: NumberField
  tiers: string
  channels: string
  targets: Record<PriorityName, TargetForm>
}

const hhmm = (value: string) => value.slice(0, 5)

export function blankCalendar(timezone = 'UTC'): CalendarForm {
  const days = {} as Record<Weekday, DayHours>
  for (const day of WEEKDAYS) {
    const weekday = day !== 'sat' && day !== 'sun'
    days[day] = { open: weekday, start: '09:00', end: '17:00' }
  }
  return { calendar_id: '', name: '', timezone, always_open: false, days, holidays: [] }
}

/** A calendar as the form shows it: one working interval per day (the first, when there are more). */
export function calendarToForm(calendar: Calendar): CalendarForm {
  const form = blankCalendar(calendar.timezone ?? 'UTC')
  for (const day of WEEKDAYS) {
    const first = calendar.hours?.[day]?.[0]
    form.days[day] = first
      ? { open: true, start: hhmm(first.start), end: hhmm(first.end) }
      : { open: false, start: '09:00', end: '17:00' }
  }
  return {
    ...form,
    calendar_id: calendar.calendar_id,
    name: calendar.name,
    always_open: calendar.always_open ?? false,
    holidays: [...(calendar.holidays ?? [])].sort(),
  }
}

export function formToCalendar(form: CalendarForm): CalendarCreate {
  const hours: Record<string, { start: string; end: string }[]> = {}
  for (const day of WEEKDAYS) {
    const h = form.days[day]
    if (h.open) hours[day] = [{ start: h.start, end: h.end }]
  }
  return {
    calendar_id: form.calendar_id.trim(),
    name: form.name.trim(),
    timezone: form.timezone.trim() || 'UTC',
    always_open: form.always_open,
    hours,
    holidays: [...new Set(form.holidays)].sort(),
  }
}

/** Days a calendar has more than one interval on: the form edits only the first, so it says so. */
export function daysWithSeveralIntervals(calendar: Calendar): Weekday[] {
  return WEEKDAYS.filter((d) => (calendar.hours?.[d]?.length ?? 0) > 1)
}

const list = (text: string) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)

const minutes = (field: NumberField): number | null => {
  const value = String(field).trim()
  return value === '' ? null : Number(value)
}

export function blankPolicy(calendarId = ''): PolicyForm {
  const targets = {} as Record<PriorityName, TargetForm>
  for (const p of PRIORITIES) targets[p] = { first_response: '', resolution: '' }
  return {
    policy_id: '',
    name: '',
    calendar_id: calendarId,
    rank: '100',
    warn_before_minutes: '30',
    tiers: '',
    channels: '',
    targets,
  }
}

export function policyToForm(policy: SlaPolicy): PolicyForm {
  const form = blankPolicy(policy.calendar_id)
  for (const p of PRIORITIES) {
    const t = policy.targets[p]
    form.targets[p] = {
      first_response: t?.first_response_minutes != null ? String(t.first_response_minutes) : '',
      resolution: t?.resolution_minutes != null ? String(t.resolution_minutes) : '',
    }
  }
  return {
    ...form,
    policy_id: policy.policy_id,
    name: policy.name,
    rank: String(policy.rank ?? 100),
    warn_before_minutes: String(policy.warn_before_minutes ?? 30),
    tiers: (policy.match_tiers ?? []).join(', '),
    channels: (policy.match_channels ?? []).join(', '),
  }
}

/** Priorities without any target are left out (no target for them). */
export function formToPolicy(form: PolicyForm): SlaPolicyCreate {
  const targets: SlaPolicyCreate['targets'] = {}
  for (const p of PRIORITIES) {
    const first = minutes(form.targets[p].first_response)
    const resolution = minutes(form.targets[p].resolution)
    if (first === null && resolution === null) continue
    targets[p] = { first_response_minutes: first, resolution_minutes: resolution }
  }
  return {
    policy_id: form.policy_id.trim(),
    name: form.name.trim(),
    calendar_id: form.calendar_id,
    rank: minutes(form.rank) ?? 100,
    warn_before_minutes: minutes(form.warn_before_minutes) ?? 0,
    match_tiers: list(form.tiers),
    match_channels: list(form.channels),
    targets,
  }
}

/** "1 h 30 min" style durations for the tables (minutes of business time). */
export function durationParts(
  total: number | null | undefined,
): { days: number; hours: number; minutes: number } | null {
  if (total == null) return null
  return { days: Math.floor(total / 1440), hours: Math.floor((total % 1440) / 60), minutes: total % 60 }
}

/** The body of a calendar's replacement (PUT): the form's fields and the version it was read at. */
export function calendarUpdate(form: CalendarForm, version: number): CalendarUpdate {
  const { name, timezone, always_open, hours, holidays } = formToCalendar(form)
  return { name, timezone, always_open, hours, holidays, version }
}

/** The body of a policy's replacement (PUT). */
export function policyUpdate(form: PolicyForm, version: number): SlaPolicyUpdate {
  const { name, calendar_id, rank, warn_before_minutes, match_tiers, match_channels, targets } =
    formToPolicy(form)
  return { name, calendar_id, rank, warn_before_minutes, match_tiers, match_channels, targets, version }
}
