/**
 * The locale registry: English built in and always loaded; Simplified Chinese built in and loaded on first use (its
 * own chunk); any other injected with {@link registerLocale}. A tag resolves exactly (`pt-br`), then by its
 * language (`pt`), then to English; missing keys fall back to English.
 * @module
 */
import { type VodStrings, en } from './locales/en.ts';

const locales = new Map<string, Partial<VodStrings>>([['en', en]]);
/** Built-in locales loaded on demand, by tag. */
const lazy: Record<string, () => Promise<Partial<VodStrings>>> = {
  'zh-cn': () => import('./locales/zh-cn.ts').then((m) => m.zhCn),
};
/**
 * The registry key a tag resolves to (exact, then language; any Chinese without a locale of its own is `zh-cn`), or
 * `undefined` for English.
 */
function keyOf(lang: string): string | undefined {
  const tag = lang.toLowerCase();
  const lang1 = tag.split('-')[0]!;
  for (const k of [tag, lang1, lang1 === 'zh' && 'zh-cn']) if (k && (locales.has(k) || k in lazy)) return k;
  return undefined;
}

/**
 * Adds (or overrides) a locale. Keys left out fall back to English.
 * @example
 * registerLocale('fr', { chooseMany: 'Choisir des fichiers', drop: 'Déposez des vidéos ici, collez, ou' });
 */
export function registerLocale(lang: string, strings: Partial<VodStrings>): void {
  const key = lang.toLowerCase();
  locales.set(key, { ...locales.get(key), ...strings });
}

/** Whether the strings of `lang` are here (a built-in locale may still be loading). */
export function hasLocale(lang: string): boolean {
  const key = keyOf(lang);
  return !key || locales.has(key);
}

/** Loads a built-in locale if `lang` needs one; resolves with its strings. */
export async function loadLocale(lang: string): Promise<VodStrings> {
  const key = keyOf(lang);
  if (key && !locales.has(key)) registerLocale(key, { ...(await lazy[key]!()), ...locales.get(key) });
  return stringsFor(lang);
}

/** The strings for a BCP 47 tag (English while a built-in locale is still loading: see {@link loadLocale}). */
export function stringsFor(lang: string): VodStrings {
  const found = locales.get(keyOf(lang) ?? 'en');
  return found && found !== en ? { ...en, ...found } : en;
}
