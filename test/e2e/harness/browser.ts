/**
 * Debian's Chromium driven through playwright-core (no browser download): headless, no
 * network beyond what the page asks of loopback, a fresh profile per launch. `Shots` saves
 * a screenshot per step under test/e2e/artifacts/<suite>/ (git-ignored), numbered in order,
 * so a failed run shows where the page was.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CANOPY_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function launchChromium(): Promise<Browser> {
  // playwright-core gives each launch its own temporary profile (user data dir).
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * A browser context for the hub: its self-signed certificate accepted (the hub's CA is the
 * test's own), the given viewport and colour scheme, and every console error and uncaught
 * page error collected so a test can assert there were none (console errors too, which
 * include the browser's report of every refused request, to show when a step fails).
 */
export async function hubContext(
  browser: Browser,
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<{
  context: BrowserContext;
  page: Page;
  pageErrors: string[];
  consoleErrors: string[];
  /** What the Content-Security-Policy refused (a style or script the page tried to use). */
  cspViolations: string[];
}> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 },
    colorScheme: options.colorScheme ?? 'light',
  });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const consoleErrors: string[] = [];
  const cspViolations: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    consoleErrors.push(message.text());
    if (message.text().includes('Content Security Policy')) cspViolations.push(message.text());
  });
  return { context, page, pageErrors, consoleErrors, cspViolations };
}

export class Shots {
  private readonly dir: string;
  private n = 0;

  constructor(suite: string) {
    this.dir = join(ARTIFACTS, suite);
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
  }

  /** Saves the page as `NN-step.png`; returns the file. */
  async take(page: Page, step: string, fullPage = false): Promise<string> {
    this.n++;
    const file = join(this.dir, `${String(this.n).padStart(2, '0')}-${step}.png`);
    // A whole page shot of a scrolled page draws the sticky header where the view was.
    if (fullPage) await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: file, fullPage, animations: 'disabled' });
    return file;
  }
}
