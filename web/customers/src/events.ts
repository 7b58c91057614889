// Deflection events (POST /selfservice/events): sent with sendBeacon so a click that leaves the
// page is still recorded; fetch with keepalive where beacons are missing.
export type DeflectionEvent = {
  session_id: string
  type: 'clicked' | 'notice_viewed' | 'solved_it' | 'not_helped' | 'suggested'
  query?: string
  result_kind?: 'article' | 'answer' | 'fix' | 'notice'
  result_id?: string
  position?: number
}

export const EVENTS_URL = '/selfservice/events'

export function send(events: DeflectionEvent[]): void {
  if (!events.length) return
  const body = JSON.stringify({ events })
  const blob = new Blob([body], { type: 'application/json' })
  if (typeof navigator.sendBeacon === 'function' && navigator.sendBeacon(EVENTS_URL, blob)) return
  void fetch(EVENTS_URL, {
    method: 'POST',
    body,
    headers: { 'Content-Type': 'application/json' },
    keepalive: true,
  }).catch(() => undefined)
}
