// The help center's script: every page works without it (server-rendered HTML and plain forms);
// with it, a search box suggests while typing, clicks on results and known issues seen count as
// deflection events, "did this help?" answers in place, the known-issues banner appears on the
// static article pages, and dates are shown in the reader's time zone and language.
import { solveForm } from './challenge'
import { send } from './events'
import { session } from './session'
import { attachSuggest } from './suggest'
import { attachUploads } from './uploads'

type Notice = { notice_id: string; title: string; body: string; updated_at: string }

function lang(): string {
  return document.documentElement.lang || 'en'
}

function localiseTimes(root: ParentNode): void {
  const format = new Intl.DateTimeFormat(lang(), { dateStyle: 'long', timeStyle: 'short' })
  const dateOnly = new Intl.DateTimeFormat(lang(), { dateStyle: 'long' })
  for (const el of root.querySelectorAll<HTMLTimeElement>('time[datetime]')) {
    const at = new Date(el.dateTime)
    if (Number.isNaN(at.getTime())) continue
    el.textContent = (el.textContent || '').includes(':') ? format.format(at) : dateOnly.format(at)
  }
}

function trackClicks(sessionId: string): void {
  document.addEventListener('click', (event) => {
    const link = (event.target as Element | null)?.closest<HTMLAnchorElement>('a[data-result-kind]')
    if (!link) return
    const q = document.querySelector<HTMLInputElement>('input[data-suggest]')?.value.trim()
    send([
      {
        session_id: sessionId,
        type: 'clicked',
        result_kind: link.dataset.resultKind as 'article' | 'answer' | 'fix',
        result_id: link.dataset.resultId || '',
        position: Number(link.dataset.position || 0),
        ...(q ? { query: q } : {}),
      },
    ])
  })
}

function enhanceFeedback(sessionId: string): void {
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-feedback]')) {
    form.addEventListener('submit', async (event) => {
      const button = event.submitter as HTMLButtonElement | null
      if (!button) return
      event.preventDefault()
      const body = new URLSearchParams({ helpful: button.value, session: sessionId })
      const status = form.querySelector<HTMLElement>('[role="status"]')
      try {
        const response = await fetch(form.action, {
          method: 'POST',
          body,
          headers: { Accept: 'application/json' },
          credentials: 'same-origin',
        })
        if (!response.ok) throw new Error(String(response.status))
        for (const b of form.querySelectorAll('button')) b.disabled = true
        if (status) status.textContent = form.dataset.feedback || ''
      } catch {
        form.submit() // the plain form post still works
      }
    })
  }
}

async function fillBanner(sessionId: string): Promise<void> {
  const banner = document.querySelector<HTMLElement>('[data-banner]')
  if (!banner) return
  if (banner.dataset.filled === 'no') {
    let notices: Notice[]
    try {
      const response = await fetch('/notices/known-issues', { headers: { Accept: 'application/json' } })
      if (!response.ok) return
      notices = ((await response.json()) as { items: Notice[] }).items.slice(0, 3)
    } catch {
      return
    }
    if (!notices.length) return
    const section = document.createElement('section')
    section.className = 'banner'
    section.setAttribute('aria-labelledby', 'banner-title')
    const h2 = document.createElement('h2')
    h2.id = 'banner-title'
    h2.textContent = banner.dataset.banner || ''
    const ul = document.createElement('ul')
    ul.className = 'plain'
    for (const n of notices) {
      const li = document.createElement('li')
      const strong = document.createElement('strong')
      strong.textContent = n.title
      const a = document.createElement('a')
      a.href = `/help/${lang()}/known-issues#notice-${encodeURIComponent(n.notice_id)}`
      a.textContent = banner.dataset.more || ''
      li.append(strong, ' ', n.body.split('\n')[0]?.slice(0, 200) || '', ' ', a)
      ul.append(li)
    }
    section.append(h2, ul)
    banner.replaceChildren(section)
    banner.dataset.filled = 'yes'
    send(
      notices.map((n) => ({
        session_id: sessionId,
        type: 'notice_viewed',
        result_kind: 'notice',
        result_id: n.notice_id,
      })),
    )
  }
}

export function start(): void {
  const sessionId = session()
  localiseTimes(document)
  trackClicks(sessionId)
  enhanceFeedback(sessionId)
  for (const input of document.querySelectorAll<HTMLInputElement>('input[data-suggest]')) {
    attachSuggest(input, lang(), sessionId)
  }
  for (const box of document.querySelectorAll<HTMLElement>('[data-uploads]')) {
    const form = box.closest('form')
    if (form) attachUploads(box, form)
  }
  for (const form of document.querySelectorAll<HTMLFormElement>('form[data-contact]')) {
    if (form.querySelector('input[data-challenge]')) void solveForm(form)
  }
  void fillBanner(sessionId)
}

if (
  typeof document !== 'undefined' &&
  !(globalThis as { __CB_NO_AUTOSTART__?: boolean }).__CB_NO_AUTOSTART__
) {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
  else start()
}
