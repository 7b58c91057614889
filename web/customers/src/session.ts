// The self-service session: a random id in a first-party cookie (no personal data), shared with the
// server-rendered pages, which set it on a search. Static article pages may be the first page a
// customer opens (from a search engine): then the script makes one.
export const SESSION_COOKIE = 'cb_ss'
const PATTERN = /^[A-Za-z0-9_-]{16,64}$/

export function readSession(cookie: string): string | null {
  for (const part of cookie.split(';')) {
    const [name, value] = part.trim().split('=', 2)
    if (name === SESSION_COOKIE && value && PATTERN.test(value)) return value
  }
  return null
}

export function newSessionId(
  random: (n: number) => Uint8Array = (n) => crypto.getRandomValues(new Uint8Array(n)),
): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  return Array.from(random(22), (b) => alphabet[b & 63]).join('')
}

export function session(doc: Document = document): string {
  const found = readSession(doc.cookie)
  if (found) return found
  const id = newSessionId()
  doc.cookie = `${SESSION_COOKIE}=${id}; Path=/; Max-Age=1800; SameSite=Lax`
  return id
}
