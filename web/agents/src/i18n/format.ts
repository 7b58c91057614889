/** Dates, times and numbers in the agent's locale (Intl), one formatter per locale and style. */
import { computed } from 'vue'
import { formatLocale, i18n, type Language } from './index'

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>()

function cached<T extends Intl.DateTimeFormat | Intl.NumberFormat | Intl.RelativeTimeFormat>(
  key: string,
  make: () => T,
): T {
  let found = cache.get(key) as T | undefined
  if (!found) {
    found = make()
    cache.set(key, found)
  }
  return found
}

export const locale = computed(() => formatLocale(i18n.global.locale.value as Language))

export function formatDateTime(value: string | number | Date | null | undefined, loc = locale.value): string {
  if (value === null || value === undefined || value === '') return ''
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) return ''
  return cached(
    `dt:${loc}`,
    () => new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeStyle: 'short' }),
  ).format(date)
}

export function formatDate(value: string | null | undefined, loc = locale.value): string {
  if (!value) return ''
  return cached(`d:${loc}`, () => new Intl.DateTimeFormat(loc, { dateStyle: 'medium' })).format(
    new Date(value),
  )
}

/** A calendar day written YYYY-MM-DD, as that day wherever the agent is (not moved by their time zone). */
export function formatDay(value: string, loc = locale.value): string {
  const date = new Date(`${value.slice(0, 10)}T00:00:00Z`)
  if (Number.isNaN(date.getTime())) return value
  return cached(
    `day:${loc}`,
    () => new Intl.DateTimeFormat(loc, { dateStyle: 'medium', timeZone: 'UTC' }),
  ).format(date)
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
]

export function formatRelative(
  value: string | null | undefined,
  now = Date.now(),
  loc = locale.value,
): string {
  if (!value) return ''
  // a few seconds ahead (clocks of two machines) is "now", not "in 3 seconds"
  const seconds = Math.min((new Date(value).getTime() - now) / 1000, 0)
  const rtf = cached(`rt:${loc}`, () => new Intl.RelativeTimeFormat(loc, { numeric: 'auto', style: 'short' }))
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') return rtf.format(Math.round(seconds / size), unit)
  }
  return ''
}

export function formatNumber(value: number | null | undefined, digits = 0, loc = locale.value): string {
  if (value === null || value === undefined) return ''
  return cached(
    `n:${loc}:${digits}`,
    () => new Intl.NumberFormat(loc, { maximumFractionDigits: digits, minimumFractionDigits: 0 }),
  ).format(value)
}

export function formatPercent(share: number | null | undefined, loc = locale.value): string {
  if (share === null || share === undefined) return ''
  return cached(
    `p:${loc}`,
    () => new Intl.NumberFormat(loc, { style: 'percent', maximumFractionDigits: 0 }),
  ).format(share)
}

export function formatBytes(bytes: number, loc = locale.value): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte'] as const
  let value = bytes
  let index = 0
  while (value >= 1024 && index < units.length - 1) {
    value /= 1024
    index += 1
  }
  return cached(
    `b:${loc}:${index}`,
    () => new Intl.NumberFormat(loc, { style: 'unit', unit: units[index], maximumFractionDigits: 1 }),
  ).format(value)
}

export function formatScientific(value: number, loc = locale.value): string {
  return cached(
    `e:${loc}`,
    () => new Intl.NumberFormat(loc, { notation: 'scientific', maximumFractionDigits: 1 }),
  ).format(value)
}
