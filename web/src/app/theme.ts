/**
 * Light and dark themes: the system's preference until the user picks one, which is kept in
 * localStorage. The choice is an attribute on <html>; the CSS variables follow it.
 */
export type Theme = 'light' | 'dark';
const KEY = 'canopy.theme';

export function currentTheme(): Theme {
  const chosen = localStorage.getItem(KEY);
  if (chosen === 'light' || chosen === 'dark') return chosen;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Dispatched on window when the theme changes, for what renders outside React's tree. */
export const THEME_EVENT = 'canopy-theme';

export function applyTheme(theme: Theme, remember: boolean): void {
  document.documentElement.dataset.theme = theme;
  if (remember) localStorage.setItem(KEY, theme);
  window.dispatchEvent(new CustomEvent(THEME_EVENT, { detail: theme }));
}
