// The chat widget: one <script src="https://help.example.com/widget.js" async></script> on any site.
// Everything lives in a shadow root (the host page's styles do not reach it, its styles do not
// leak out). It asks GET /chat/availability first: open, it starts a chat (POST /chat/sessions),
// sends turns and polls for replies every 2 s (and shows when an agent is typing; says it is typing
// itself at most every 3 s while the customer types); at the end it says the transcript was mailed. Outside business hours or with no agent available it
// says so plainly and takes a message that becomes a case (POST /web/cases). English, German,
// French, Spanish from the script tag's data-lang or the browser.
type Turn = { seq: number; role: string; author_name?: string | null; text: string }
type Words = Record<
  | 'open'
  | 'title'
  | 'close'
  | 'name'
  | 'email'
  | 'message'
  | 'start'
  | 'send'
  | 'end'
  | 'ended'
  | 'typing'
  | 'transcript'
  | 'you'
  | 'support'
  | 'outside_business_hours'
  | 'no_agent_available'
  | 'leave'
  | 'left'
  | 'error',
  string
>

export const WORDS: Record<string, Words> = {
  en: {
    open: 'Chat with us',
    title: 'Chat',
    close: 'Close',
    name: 'Your name',
    email: 'Your email address',
    message: 'Your message',
    start: 'Start chat',
    send: 'Send',
    end: 'End chat',
    ended: 'The chat has ended. The conversation is kept on your case.',
    typing: 'Support is typing…',
    transcript: 'We have sent the transcript to your email address.',
    you: 'You',
    support: 'Support',
    outside_business_hours: 'We are outside our business hours right now, so nobody can chat.',
    no_agent_available: 'No one is available to chat right now.',
    leave: 'Leave us a message and we will answer by email.',
    left: 'Thank you. Your case number is {case}. We will answer by email.',
    error: 'Something went wrong. Please try again.',
  },
  de: {
    open: 'Chatten Sie mit uns',
    title: 'Chat',
    close: 'Schließen',
    name: 'Ihr Name',
    email: 'Ihre E-Mail-Adresse',
    message: 'Ihre Nachricht',
    start: 'Chat starten',
    send: 'Senden',
    end: 'Chat beenden',
    ended: 'Der Chat ist beendet. Der Verlauf bleibt bei Ihrem Fall.',
    typing: 'Der Support schreibt …',
    transcript: 'Wir haben Ihnen den Verlauf per E-Mail geschickt.',
    you: 'Sie',
    support: 'Support',
    outside_business_hours: 'Wir sind gerade außerhalb unserer Geschäftszeiten, daher kann niemand chatten.',
    no_agent_available: 'Gerade ist niemand für einen Chat verfügbar.',
    leave: 'Hinterlassen Sie uns eine Nachricht, wir antworten per E-Mail.',
    left: 'Danke. Ihre Fallnummer ist {case}. Wir antworten per E-Mail.',
    error: 'Etwas ist schiefgegangen. Bitte versuchen Sie es erneut.',
  },
  fr: {
    open: 'Discuter avec nous',
    title: 'Chat',
    close: 'Fermer',
    name: 'Votre nom',
    email: 'Votre adresse e-mail',
    message: 'Votre message',
    start: 'Démarrer le chat',
    send: 'Envoyer',
    end: 'Terminer le chat',
    ended: 'Le chat est terminé. La conversation reste dans votre dossier.',
    typing: 'Le support écrit…',
    transcript: 'Nous vous avons envoyé la transcription par e-mail.',
    you: 'Vous',
    support: 'Support',
    outside_business_hours: 'Nous sommes en dehors de nos heures d’ouverture : personne ne peut discuter.',
    no_agent_available: 'Personne n’est disponible pour discuter en ce moment.',
    leave: 'Laissez-nous un message, nous répondrons par e-mail.',
    left: 'Merci. Votre numéro de dossier est {case}. Nous répondrons par e-mail.',
    error: 'Une erreur est survenue. Veuillez réessayer.',
  },
  es: {
    open: 'Chatea con nosotros',
    title: 'Chat',
    close: 'Cerrar',
    name: 'Tu nombre',
    email: 'Tu correo electrónico',
    message: 'Tu mensaje',
    start: 'Iniciar chat',
    send: 'Enviar',
    end: 'Terminar chat',
    ended: 'El chat ha terminado. La conversación queda en tu caso.',
    typing: 'Soporte está escribiendo…',
    transcript: 'Te hemos enviado la transcripción por correo.',
    you: 'Tú',
    support: 'Soporte',
    outside_business_hours: 'Ahora estamos fuera de nuestro horario, así que nadie puede chatear.',
    no_agent_available: 'Ahora mismo no hay nadie disponible para chatear.',
    leave: 'Déjanos un mensaje y te responderemos por correo.',
    left: 'Gracias. Tu número de caso es {case}. Te responderemos por correo.',
    error: 'Algo ha ido mal. Inténtalo de nuevo.',
  },
}

export function pickLanguage(...candidates: (string | null | undefined)[]): string {
  for (const c of candidates) {
    const base = (c || '').toLowerCase().split('-')[0] || ''
    if (base in WORDS) return base
  }
  return 'en'
}

const CSS = `:host{all:initial;position:fixed;right:16px;bottom:16px;z-index:2147483000;font:15px/1.45 system-ui,sans-serif;color:#1b1f24}
*{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:15px;line-height:1.45;color:#1b1f24}
button{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:15px;border:1px solid #0b57d0;background:#0b57d0;color:#fff!important;border-radius:6px;padding:.5rem .9rem;cursor:pointer}
button.plain{background:#fff;color:#0b57d0!important}
button:focus-visible,input:focus-visible,textarea:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.panel{width:min(22rem,calc(100vw - 32px));max-height:min(34rem,calc(100vh - 90px));display:flex;flex-direction:column;background:#fff;border:1px solid #b8c0cc;border-radius:10px;box-shadow:0 6px 24px rgba(0,0,0,.18);margin-bottom:8px;overflow:hidden}
header{display:flex;justify-content:space-between;align-items:center;padding:.5rem .75rem;border-bottom:1px solid #d5dae1}
h2{font-size:16px;font-weight:700;margin:0}
.body{padding:.75rem;overflow:auto;flex:1}
label{display:block;font-weight:600;margin:.5rem 0 .2rem}
input,textarea{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;font-size:15px;width:100%;box-sizing:border-box;padding:.45rem;border:1px solid #7a8494;border-radius:4px}
ol{list-style:none;margin:0;padding:0}
li{margin:.4rem 0;padding:.4rem .6rem;border-radius:8px;background:#eef2f7}
li.customer{background:#dbe7fb;margin-left:2rem}
.who{font-size:12px;color:#4a5360;display:block}
.typing{font-size:13px;color:#4a5360;margin:.4rem 0 0;font-style:italic}
.note{margin:.25rem 0 .5rem}
form.send{display:flex;gap:.4rem;padding:.5rem .75rem;border-top:1px solid #d5dae1}
form.send input{flex:1}
[hidden]{display:none!important}
.vh{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`

type Api = (path: string, init?: RequestInit & { token?: string }) => Promise<Response>

export function mount(script: HTMLScriptElement | null, doc: Document = document): ShadowRoot {
  const origin = script?.src ? new URL(script.src).origin : location.origin
  const lang = pickLanguage(script?.dataset.lang, doc.documentElement.lang, navigator.language)
  const w = WORDS[lang] as Words
  const api: Api = (path, init = {}) => {
    const headers: Record<string, string> = { Accept: 'application/json' }
    if (init.body) headers['Content-Type'] = 'application/json'
    if (init.token) headers.Authorization = `Bearer ${init.token}`
    return fetch(origin + path, { ...init, headers })
  }
  const host = doc.createElement('div')
  host.setAttribute('data-casebridge-chat', '')
  const root = host.attachShadow({ mode: 'open' })
  root.innerHTML = `<style>${CSS}</style>
<section class="panel" role="dialog" aria-labelledby="cb-title" hidden>
<header><h2 id="cb-title"></h2><button type="button" class="plain" data-close></button></header>
<div class="body"><p class="note" role="status" aria-live="polite"></p>
<form data-start hidden><label for="cb-name"></label><input id="cb-name" name="name" autocomplete="name" required maxlength="200">
<label for="cb-email"></label><input id="cb-email" name="email" type="email" autocomplete="email" required maxlength="254">
<label for="cb-first"></label><textarea id="cb-first" name="message" rows="3" required maxlength="2000"></textarea>
<p><button type="submit" data-start-button></button></p></form>
<div class="log" role="log" aria-live="polite" hidden><ol></ol></div><p class="typing" aria-live="polite"></p></div>
<form class="send" data-send hidden><label for="cb-text" class="vh"></label><input id="cb-text" name="text" autocomplete="off" maxlength="2000" required>
<button type="submit" data-send-button></button><button type="button" class="plain" data-end></button></form>
</section><button type="button" data-open aria-expanded="false"></button>`
  const $ = <T extends Element>(sel: string) => root.querySelector(sel) as T
  const panel = $<HTMLElement>('.panel')
  const note = $<HTMLElement>('.note')
  const start = $<HTMLFormElement>('[data-start]')
  const log = $<HTMLOListElement>('ol')
  const logBox = $<HTMLElement>('.log')
  const send = $<HTMLFormElement>('[data-send]')
  const opener = $<HTMLButtonElement>('[data-open]')
  const typing = $<HTMLElement>('.typing')
  $('#cb-title').textContent = w.title
  $('[data-close]').textContent = w.close
  $('label[for="cb-name"]').textContent = w.name
  $('label[for="cb-email"]').textContent = w.email
  $('label[for="cb-first"]').textContent = w.message
  $('label[for="cb-text"]').textContent = w.message
  $('[data-send-button]').textContent = w.send
  $('[data-end]').textContent = w.end
  opener.textContent = w.open

  let mode: 'chat' | 'message' = 'chat'
  let session: { id: string; token: string; last: number } | null = null
  let timer: ReturnType<typeof setInterval> | undefined
  const shown = new Set<number>()
  let saidTyping = 0

  function show(turns: Turn[]): void {
    for (const t of turns) {
      if (shown.has(t.seq) || t.role === 'system') continue
      shown.add(t.seq)
      const li = doc.createElement('li')
      li.className = t.role === 'customer' ? 'customer' : 'support'
      const who = doc.createElement('span')
      who.className = 'who'
      who.textContent = t.role === 'customer' ? w.you : t.author_name || w.support
      li.append(who, t.text)
      log.append(li)
    }
    log.lastElementChild?.scrollIntoView({ block: 'nearest' })
  }

  async function poll(): Promise<void> {
    if (!session) return
    const r = await api(`/chat/sessions/${session.id}/messages?after=${session.last}`, {
      token: session.token,
    })
    if (!r.ok) return
    const page = (await r.json()) as {
      messages: Turn[]
      last_seq: number
      status: string
      agent_typing?: boolean
      transcript_mailed?: boolean
    }
    session.last = Math.max(session.last, page.last_seq)
    show(page.messages)
    typing.textContent = page.agent_typing && page.status !== 'ended' ? w.typing : ''
    if (page.status === 'ended') finish(Boolean(page.transcript_mailed))
  }

  function finish(mailed = false): void {
    clearInterval(timer)
    send.hidden = true
    typing.textContent = ''
    note.textContent = mailed ? `${w.ended} ${w.transcript}` : w.ended
  }

  /** Tell the agent the customer is typing: at most every 3 s while they type (best effort). */
  function typed(): void {
    if (!session || Date.now() - saidTyping < 3000) return
    saidTyping = Date.now()
    void api(`/chat/sessions/${session.id}/typing`, { method: 'POST', token: session.token }).catch(
      () => undefined,
    )
  }

  async function say(text: string): Promise<void> {
    if (!session) return
    const r = await api(`/chat/sessions/${session.id}/messages`, {
      method: 'POST',
      token: session.token,
      body: JSON.stringify({ client_message_id: crypto.randomUUID(), text }),
    })
    if (!r.ok) throw new Error(String(r.status))
    show([(await r.json()) as Turn])
  }

  async function openPanel(): Promise<void> {
    panel.hidden = false
    opener.setAttribute('aria-expanded', 'true')
    if (session) return
    let reason: string
    try {
      const r = await api('/chat/availability')
      reason = r.ok ? ((await r.json()) as { reason: string }).reason : 'open'
    } catch {
      reason = 'open'
    }
    mode = reason === 'open' ? 'chat' : 'message'
    note.textContent = mode === 'chat' ? '' : `${w[reason as keyof Words] || w.no_agent_available} ${w.leave}`
    $('[data-start-button]').textContent = mode === 'chat' ? w.start : w.send
    start.hidden = false
    $<HTMLInputElement>('#cb-name').focus()
  }

  opener.addEventListener('click', () => void (panel.hidden ? openPanel() : close()))
  function close(): void {
    panel.hidden = true
    opener.setAttribute('aria-expanded', 'false')
    opener.focus()
  }
  $('[data-close]').addEventListener('click', close)

  start.addEventListener('submit', async (event) => {
    event.preventDefault()
    const data = new FormData(start)
    const name = String(data.get('name') || '')
    const email = String(data.get('email') || '')
    const message = String(data.get('message') || '').trim()
    try {
      if (mode === 'message') {
        const r = await api('/web/cases', {
          method: 'POST',
          body: JSON.stringify({
            name,
            email,
            subject: message.split('\n')[0]?.slice(0, 200) || w.title,
            description: message,
            language: lang,
          }),
        })
        if (!r.ok) throw new Error(String(r.status))
        const out = (await r.json()) as { case_id?: string }
        start.hidden = true
        note.textContent = w.left.replace('{case}', out.case_id || '')
        return
      }
      const r = await api('/chat/sessions', {
        method: 'POST',
        body: JSON.stringify({ name, email, topic: message.slice(0, 200), language: lang }),
      })
      if (!r.ok) throw new Error(String(r.status))
      const started = (await r.json()) as { session_id: string; token: string }
      session = { id: started.session_id, token: started.token, last: 0 }
      start.hidden = true
      logBox.hidden = false
      send.hidden = false
      await say(message)
      timer = setInterval(() => void poll().catch(() => undefined), 2000)
      $<HTMLInputElement>('#cb-text').focus()
    } catch {
      note.textContent = w.error
    }
  })

  send.addEventListener('submit', async (event) => {
    event.preventDefault()
    const input = $<HTMLInputElement>('#cb-text')
    const text = input.value.trim()
    if (!text) return
    try {
      await say(text)
      saidTyping = 0
      input.value = ''
    } catch {
      note.textContent = w.error
    }
  })

  $('#cb-text').addEventListener('input', typed)

  $('[data-end]').addEventListener('click', async () => {
    if (!session) return
    let mailed = false
    try {
      const r = await api(`/chat/sessions/${session.id}/end`, { method: 'POST', token: session.token })
      if (r.ok) mailed = Boolean(((await r.json()) as { transcript_mailed?: boolean }).transcript_mailed)
    } catch {
      // the chat ends on this side either way; the idle job ends it on ours
    }
    finish(mailed)
  })

  doc.body.append(host)
  return root
}

const current = typeof document !== 'undefined' ? (document.currentScript as HTMLScriptElement | null) : null
if (
  typeof document !== 'undefined' &&
  !(globalThis as { __CB_NO_AUTOSTART__?: boolean }).__CB_NO_AUTOSTART__
) {
  const run = () => mount(current)
  if (document.body) run()
  else document.addEventListener('DOMContentLoaded', run)
}
