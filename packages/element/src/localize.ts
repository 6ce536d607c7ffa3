/**
 * The locale registry: English and Simplified Chinese built in, any other injected with {@link registerLocale}.
 * A tag resolves exactly (`pt-br`), then by its language (`pt`), then to English; missing keys fall back to English.
 * @module
 */
import { type VodStrings, en } from './locales/en.ts';
import { zhCn } from './locales/zh-cn.ts';

const locales = new Map<string, Partial<VodStrings>>([
  ['en', en],
  ['zh', zhCn],
  ['zh-cn', zhCn],
  ['zh-hans', zhCn],
  ['zh-sg', zhCn],
]);
const merged = new Map<string, VodStrings>();

/**
 * Adds (or overrides) a locale. Keys left out fall back to English.
 * @example
 * registerLocale('fr', { chooseMany: 'Choisir des fichiers', drop: 'Déposez des vidéos ici, collez, ou' });
 */
export function registerLocale(lang: string, strings: Partial<VodStrings>): void {
  const key = lang.toLowerCase();
  locales.set(key, { ...locales.get(key), ...strings });
  merged.clear();
}

/** The strings for a BCP 47 tag. */
export function stringsFor(lang: string): VodStrings {
  const tag = lang.toLowerCase();
  let strings = merged.get(tag);
  if (!strings) {
    const found = locales.get(tag) ?? locales.get(tag.split('-')[0]!);
    strings = found === en || !found ? en : { ...en, ...found };
    merged.set(tag, strings);
  }
  return strings;
}
