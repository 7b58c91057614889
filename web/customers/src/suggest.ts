// Suggestions while typing in a search box (<input data-suggest="{list id}">): the first five
// results of GET /selfservice/suggest, as links; the form still submits to the results page.
export type Suggestion = { kind: 'article' | 'answer' | 'fix'; id: string; title: string }

const TAILS: Record<Suggestion['kind'], string> = { article: 'articles', answer: 'answers', fix: 'fixes' }

export function suggestionHref(lang: string, s: Suggestion): string {
  return `/help/${lang}/${TAILS[s.kind]}/${encodeURIComponent(s.id)}`
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined
  return (...args: A) => {
    clearTimeout(timer)
    timer = setTimeout(() => fn(...args), ms)
  }
}

export function renderSuggestions(box: HTMLElement, lang: string, items: Suggestion[]): void {
  const list = box.querySelector('ul')
  if (!list) return
  list.replaceChildren(
    ...items.map((s, position) => {
      const li = document.createElement('li')
      const a = document.createElement('a')
      a.href = suggestionHref(lang, s)
      a.textContent = s.title
      a.dataset.resultKind = s.kind
      a.dataset.resultId = s.id
      a.dataset.position = String(position)
      li.append(a)
      return li
    }),
  )
  box.hidden = items.length === 0
}

export function attachSuggest(
  input: HTMLInputElement,
  lang: string,
  sessionId: string,
  fetcher: typeof fetch = fetch,
): void {
  const box = document.getElementById(input.dataset.suggest || '')
  if (!box) return
  let latest = 0
  const run = debounce(async () => {
    const q = input.value.trim()
    const ticket = ++latest
    if (q.length < 2) {
      renderSuggestions(box, lang, [])
      return
    }
    try {
      const params = new URLSearchParams({ q, session: sessionId })
      const response = await fetcher(`/selfservice/suggest?${params}`, {
        headers: { Accept: 'application/json' },
      })
      if (!response.ok || ticket !== latest) return
      const data = (await response.json()) as { suggestions: Suggestion[] }
      renderSuggestions(box, lang, data.suggestions)
    } catch {
      // suggestions are a nicety: the search form still works
    }
  }, 150)
  input.addEventListener('input', run)
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') box.hidden = true
  })
}
