/**
 * The portal in Chromium, against `canopy start` and its hub. Figures:
 * - JavaScript shipped on first load (the catalog page after sign-in), gzipped
 *   (goal ≤ 250 KB);
 * - first load to an interactive catalog: navigation start to the provider cards shown and
 *   the search box usable (goal ≤ 1 s on loopback), against the same page, as rendered,
 *   served as a bare static file by a plain Node server;
 * - a list of 1,000 Clusters: navigation to all of them listed, and the frames while
 *   scrolling from top to bottom (95th percentile frame time, and the main thread's busy
 *   time per frame: style, layout and script), against the same list page, as rendered,
 *   served as a bare static file (its stylesheet, no script), loaded and scrolled the same
 *   way.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { hubContext, launchChromium } from '../test/e2e/harness/browser.ts';
import { startCanopy } from '../test/e2e/harness/canopy-process.ts';
import { httpClient } from '../test/e2e/harness/http.ts';
import { kubectl } from '../test/e2e/harness/kubectl.ts';
import { clusterCrd } from '../test/e2e/harness/manifests.ts';
import { until } from '../test/e2e/harness/wait.ts';
import { ensurePortalBuilt } from '../web/build.ts';
import { median, percentile, Report } from './lib/report.ts';

const CLUSTERS = 1000;
const DIST = join(import.meta.dirname, '..', 'web', 'dist');
const RUNS = 5;
const CATALOG_ENTRY = `apiVersion: providers.kedge.faros.sh/v1alpha1
kind: CatalogEntry
metadata:
  name: postgresql-bench
spec:
  displayName: PostgreSQL (bench)
  description: A catalog entry for the benchmark's catalog page.
  category: Databases
`;

/**
 * Serves one fixed HTML document and the portal's built stylesheets (web/dist/assets/*.css,
 * at the paths the page links them by): the baseline's "same page as a bare static file".
 */
async function staticServer(html: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const css = /^\/ui\/assets\/([\w.-]+\.css)$/.exec(req.url ?? '');
    if (css) {
      res.writeHead(200, { 'Content-Type': 'text/css', 'Cache-Control': 'no-store' });
      res.end(readFileSync(join(DIST, 'assets', css[1] as string)));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/`, server };
}

/** A rendered page without its scripts: what the browser shows, as static HTML. */
const withoutScripts = (html: string) => html.replace(/<script[^>]*>[^<]*<\/script>/g, '');

/** Milliseconds from navigation start to now, in the page. */
const sinceNavigation = (page: Page) => page.evaluate(() => performance.now());

/**
 * Scrolls `selector` from top to bottom, one 400-px step a frame; returns each frame's
 * duration. The function runs in the page, so it is written as page source (this program
 * is type-checked against Node, not the DOM).
 */
const SCROLL_FRAMES = `async (selector) => {
  const el = document.querySelector(selector);
  if (!el) throw new Error('no ' + selector);
  const frames = [];
  let last = performance.now();
  await new Promise((resolve) => {
    const step = (now) => {
      frames.push(now - last);
      last = now;
      if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return resolve();
      el.scrollTop += 400;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  return frames.slice(1);
}`;

/**
 * Scrolls as SCROLL_FRAMES does; also returns the main thread's busy time per frame meanwhile
 * (style, layout and script, from Chromium's Performance metrics): what a frame costs the
 * page, which a loaded machine inflates less than it inflates frame times.
 */
async function scrollFrames(
  page: Page,
  selector: string,
): Promise<{ frames: number[]; busyPerFrame: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const busy = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const value = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    return (
      (value('RecalcStyleDuration') + value('LayoutDuration') + value('ScriptDuration')) * 1000
    );
  };
  const before = await busy();
  const frames = (await page.evaluate(
    `(${SCROLL_FRAMES})(${JSON.stringify(selector)})`,
  )) as number[];
  const busyPerFrame = ((await busy()) - before) / Math.max(1, frames.length);
  await cdp.detach();
  return { frames, busyPerFrame };
}

export async function run(): Promise<Report> {
  const report = new Report('portal');
  // The hub serves web/dist: measure what the sources say, not an older build.
  await ensurePortalBuilt((line) => process.stdout.write(`portal bench: ${line}\n`));
  const server = await startCanopy({ hub: true });
  const browser = await launchChromium();
  const statics: Server[] = [];
  try {
    const hubUrl = server.hubUrl ?? '';
    const k = kubectl('1.33', server.kubeconfig);
    const token = /token: (\S+)/.exec(
      await k.ok(['config', 'view', '--raw', '-o', 'jsonpath=token: {.users[0].user.token}']),
    )?.[1];
    await k.ok(['--server', `${server.url}/clusters/root:kedge`, 'apply', '-f', '-'], {
      input: CATALOG_ENTRY,
    });
    await k.ok(['apply', '-f', '-'], { input: clusterCrd() });
    await until(
      'the Cluster CRD to be served',
      async () => (await k(['get', 'clusters'])).code === 0,
    );
    const send = httpClient(server.kubeconfig);
    process.stdout.write(`portal bench: creating ${CLUSTERS} Clusters\n`);
    for (let i = 0; i < CLUSTERS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, CLUSTERS - i) }, (_, j) =>
          send({
            method: 'POST',
            path: '/clusters/root/apis/postgresql.cnpg.io/v1/namespaces/default/clusters',
            body: JSON.stringify({
              apiVersion: 'postgresql.cnpg.io/v1',
              kind: 'Cluster',
              metadata: { name: `pg-${String(i + j).padStart(4, '0')}` },
              spec: { instances: 1 + ((i + j) % 3) },
            }),
          }),
        ),
      );
    }
    const session = JSON.stringify({ token, user: 'admin', groups: [], home: 'root' });

    // First load of the catalog, signed in (the session is in sessionStorage, as after sign-in).
    const loads: number[] = [];
    const scripts: number[] = [];
    const scriptsLoaded: number[] = [];
    const catalogArrived: number[] = [];
    let rendered = '';
    for (let run = 0; run < RUNS; run++) {
      const { context, page } = await hubContext(browser);
      await context.addInitScript((s) => sessionStorage.setItem('canopy.session', s), session);
      let gzipped = 0;
      page.on('response', async (res) => {
        if (res.request().resourceType() === 'script') gzipped += gzipSync(await res.body()).length;
      });
      await page.goto(`${hubUrl}/ui/w/root/catalog`);
      await page.getByRole('listitem', { name: 'PostgreSQL (bench)' }).waitFor();
      await page.getByLabel('Search providers').fill('post');
      loads.push(await sinceNavigation(page));
      scripts.push(gzipped / 1024);
      // Where the time went: the scripts in, then the catalog's answer in.
      const timing = (await page.evaluate(
        `(() => { const r = performance.getEntriesByType('resource');
          const end = (f) => Math.max(0, ...r.filter(f).map((e) => e.responseEnd));
          return { scripts: end((e) => e.initiatorType === 'script' || e.name.endsWith('.js')),
                   catalog: end((e) => e.name.includes('/api/providers')) }; })()`,
      )) as { scripts: number; catalog: number };
      scriptsLoaded.push(timing.scripts);
      catalogArrived.push(timing.catalog);
      rendered = await page.content();
      await context.close();
    }
    const firstLoad = report.metric(
      'first load to interactive catalog (median)',
      median(loads),
      'ms',
    );
    report.goal({ metric: 'first load to interactive catalog (median)', atMost: 1000 });
    report.metric('  of which: scripts loaded (median)', median(scriptsLoaded), 'ms');
    report.metric('  of which: catalog answered (median)', median(catalogArrived), 'ms');
    report.metric('JavaScript on first load, gzipped', Math.max(...scripts), 'KB');
    report.goal({ metric: 'JavaScript on first load, gzipped', atMost: 250 });

    // Baseline: the rendered catalog as a bare static page (its CSS stays; no script).
    const bare = await staticServer(withoutScripts(rendered));
    statics.push(bare.server);
    const staticLoads: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { context, page } = await hubContext(browser);
      await page.goto(bare.url);
      await page.getByRole('listitem', { name: 'PostgreSQL (bench)' }).waitFor();
      staticLoads.push(await sinceNavigation(page));
      await context.close();
    }
    const staticLoad = report.metric(
      'bare static catalog page load (median)',
      median(staticLoads),
      'ms',
    );
    report.ratio(
      'first load',
      firstLoad / staticLoad,
      'portal catalog ÷ bare static page (lower is better)',
    );

    // 1,000 Clusters: listed, then scrolled top to bottom.
    const lists: number[] = [];
    const frames: number[] = [];
    const busy: number[] = [];
    let listPage = '';
    const tableArrived: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { context, page } = await hubContext(browser);
      await context.addInitScript((s) => sessionStorage.setItem('canopy.session', s), session);
      await page.goto(`${hubUrl}/ui/w/root/r/postgresql.cnpg.io/v1/clusters`);
      await page.getByText(`${CLUSTERS} shown`).waitFor({ timeout: 60_000 });
      lists.push(await sinceNavigation(page));
      listPage = await page.content();
      // Where the time went: the Table of 1,000 rows in (the rest is scripts and rendering).
      tableArrived.push(
        (await page.evaluate(
          `Math.max(0, ...performance.getEntriesByType('resource')
            .filter((e) => e.name.includes('/clusters?') || e.name.endsWith('/clusters'))
            .map((e) => e.responseEnd))`,
        )) as number,
      );
      const scrolled = await scrollFrames(page, '[data-testid="table-body"]');
      frames.push(...scrolled.frames);
      busy.push(scrolled.busyPerFrame);
      await context.close();
    }
    const listed = report.metric(`${CLUSTERS} Clusters listed (median)`, median(lists), 'ms');
    report.metric('  of which: their Table answered (median)', median(tableArrived), 'ms');
    const p95 = report.metric(
      'frame while scrolling them (p95)',
      percentile(
        [...frames].sort((a, b) => a - b),
        95,
      ),
      'ms',
    );

    // Baseline: the same list page, as rendered, as a bare static page (its CSS, no script).
    const table = await staticServer(withoutScripts(listPage));
    statics.push(table.server);
    const staticLists: number[] = [];
    const staticFrames: number[] = [];
    const staticBusy: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const { context, page } = await hubContext(browser);
      await page.goto(table.url);
      await page.getByText(`${CLUSTERS} shown`).waitFor();
      staticLists.push(await sinceNavigation(page));
      const scrolled = await scrollFrames(page, '[data-testid="table-body"]');
      staticFrames.push(...scrolled.frames);
      staticBusy.push(scrolled.busyPerFrame);
      await context.close();
    }
    const busyFrame = report.metric(
      'main thread busy per frame scrolling them (median)',
      median(busy),
      'ms',
    );
    const staticListed = report.metric(
      `the same list as a bare static page (median)`,
      median(staticLists),
      'ms',
    );
    const staticP95 = report.metric(
      'frame while scrolling it (p95)',
      percentile(
        [...staticFrames].sort((a, b) => a - b),
        95,
      ),
      'ms',
    );
    const staticBusyFrame = report.metric(
      'main thread busy per frame scrolling it (median)',
      median(staticBusy),
      'ms',
    );
    report.ratio(
      'list',
      listed / staticListed,
      'portal list ÷ its bare static page (lower is better)',
    );
    report.ratio(
      'scroll',
      p95 / staticP95,
      'portal p95 frame ÷ its bare static page p95 frame (lower is better)',
    );
    report.ratio(
      'scroll work',
      busyFrame / Math.max(0.01, staticBusyFrame),
      'portal ÷ its bare static page, main thread busy per scroll frame (lower is better)',
    );
    return report;
  } finally {
    for (const s of statics) s.close();
    await browser.close();
    await server.stop();
    server.cleanup();
  }
}
