import { createI18n } from 'vue-i18n'
import en from './en'

export type MessageSchema = typeof en
export type Language = 'en' | 'de'
export const LANGUAGES: Language[] = ['en', 'de']

declare module 'vue-i18n' {
  // Every t('...') key is checked against the English messages at build time.
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  export interface DefineLocaleMessage extends MessageSchema {}
}

const STORAGE_KEY = 'casebridge.language'

export function preferredLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY)
  if (stored === 'en' || stored === 'de') return stored
  return navigator.language?.toLowerCase().startsWith('de') ? 'de' : 'en'
}

/** The locale for dates and numbers: the browser's own when it speaks the chosen language
 * (de-AT, en-GB), else the language itself. */
export function formatLocale(language: Language): string {
  const browser = navigator.language || language
  return browser.toLowerCase().startsWith(language) ? browser : language
}

export const i18n = createI18n({
  legacy: false,
  locale: 'en' as Language,
  fallbackLocale: 'en' as Language,
  messages: { en } as Partial<Record<Language, MessageSchema>>,
})

/** German is its own chunk, loaded when chosen (the first screen carries English only). */
export async function setLanguage(language: Language): Promise<void> {
  if (language === 'de' && !i18n.global.availableLocales.includes('de')) {
    const de = (await import('./de')).default
    i18n.global.setLocaleMessage('de', de)
  }
  i18n.global.locale.value = language
  localStorage.setItem(STORAGE_KEY, language)
  document.documentElement.lang = language
}
