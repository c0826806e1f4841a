import { beforeEach, describe, expect, it } from 'vitest';
import { buildKubectlWs, runPlugin } from './commands.ts';
import {
  browseWorkspaces,
  HELP,
  type Key,
  type ListChildren,
  type Terminal,
  TreeBrowser,
} from './interactive.ts';
import { type FakeContext, FakeKcp, fakeContext, kubeconfigFor } from './testing.ts';

const BASE = 'https://kcp.test:6443';

/** A tree as a lister: path → children; counts the listings. */
function treeLister(tree: Record<string, string[]>): ListChildren & { calls: string[] } {
  const calls: string[] = [];
  const list = async (path: string) => {
    calls.push(path);
    return (tree[path] ?? []).map((name) => ({
      name,
      path: `${path}:${name}`,
      hasChildren: (tree[`${path}:${name}`] ?? []).length > 0,
    }));
  };
  return Object.assign(list, { calls });
}

/** A terminal that presses `keys` in turn and keeps every screen drawn. */
function scriptedTerminal(
  keys: Key[],
  rows = 24,
): Terminal & { screens: string[][]; closed: boolean } {
  const term = {
    rows,
    screens: [] as string[][],
    closed: false,
    async *keys() {
      for (const key of keys) yield key;
    },
    draw(lines: readonly string[]) {
      term.screens.push([...lines]);
    },
    close() {
      term.closed = true;
    },
  };
  return term;
}

describe('TreeBrowser', () => {
  const tree = {
    root: ['consumers', 'providers'],
    'root:consumers': ['pg', 'shop'],
    'root:providers': ['database'],
  };

  it('shows the root opened, with the children that have children of their own marked', async () => {
    const browser = new TreeBrowser('root', treeLister(tree));
    await browser.start();
    expect(browser.render(24)).toEqual([
      'kcp workspaces — root',
      '',
      '→ ▼ root',
      '    ▶ consumers',
      '    ▶ providers',
      '',
      HELP,
    ]);
  });

  it('moves, opens, closes and enters with the keys kcp’s browser uses', async () => {
    const list = treeLister(tree);
    const browser = new TreeBrowser('root', list);
    await browser.start();
    expect(await browser.press('down')).toBeUndefined();
    expect(await browser.press('right')).toBeUndefined();
    expect(browser.render(24).slice(2, 7)).toEqual([
      '  ▼ root',
      '→   ▼ consumers',
      '        pg',
      '        shop',
      '    ▶ providers',
    ]);
    // Opening again lists nothing more: children are listed once.
    await browser.press('left');
    await browser.press('space');
    expect(list.calls).toEqual(['root', 'root:consumers']);
    await browser.press('down');
    await browser.press('down');
    expect(browser.current.path).toBe('root:consumers:shop');
    expect(browser.render(24)[0]).toBe('kcp workspaces — root:consumers:shop');
    // The cursor stops at the ends.
    for (let i = 0; i < 5; i++) await browser.press('down');
    expect(browser.current.path).toBe('root:providers');
    for (let i = 0; i < 9; i++) await browser.press('up');
    expect(browser.current.path).toBe('root');
    await browser.press('down');
    expect(await browser.press('other')).toBeUndefined();
    expect(await browser.press('enter')).toEqual({ enter: 'root:consumers' });
    expect(await browser.press('quit')).toBe('quit');
  });

  it('a leaf does not open, and space closes what is open', async () => {
    const browser = new TreeBrowser('root', treeLister(tree));
    await browser.start();
    await browser.press('down');
    await browser.press('space');
    await browser.press('down');
    await browser.press('right');
    expect(browser.current).toMatchObject({
      path: 'root:consumers:pg',
      expanded: false,
      hasChildren: false,
    });
    await browser.press('up');
    await browser.press('space');
    expect(browser.visible().map((r) => r.node.path)).toEqual([
      'root',
      'root:consumers',
      'root:providers',
    ]);
  });

  it('scrolls to keep the cursor on a short screen', async () => {
    const wide = { root: Array.from({ length: 10 }, (_, i) => `ws${i}`) };
    const browser = new TreeBrowser('root', treeLister(wide));
    await browser.start();
    for (let i = 0; i < 8; i++) await browser.press('down');
    const screen = browser.render(8);
    // Title, blank, four rows, blank, help: the cursor's row is the last shown.
    expect(screen).toHaveLength(8);
    expect(screen.slice(2, 6)).toEqual(['      ws4', '      ws5', '      ws6', '→     ws7']);
  });
});

describe('kubectl ws -i', () => {
  let kcp: FakeKcp;
  let ctx: FakeContext;
  beforeEach(() => {
    kcp = new FakeKcp(BASE);
    kcp.addWorkspace('root:consumers');
    kcp.addWorkspace('root:consumers:pg');
    kcp.addWorkspace('root:providers');
    ctx = fakeContext(kcp, kubeconfigFor(`${BASE}/clusters/root:providers`));
  });

  it('browses from the current workspace’s root and enters the one picked', async () => {
    const term = scriptedTerminal(['down', 'right', 'down', 'enter']);
    await browseWorkspaces(ctx, term);
    expect(term.closed).toBe(true);
    expect(term.screens[0]).toContain('    ▶ consumers');
    expect(term.screens.at(-1)?.[0]).toBe('kcp workspaces — root:consumers:pg');
    expect(ctx.stdout()).toBe("Current workspace is 'root:consumers:pg' (type root:universal).\n");
  });

  it('leaves the kubeconfig as it was on q', async () => {
    const before = JSON.stringify(ctx.store.current());
    const term = scriptedTerminal(['down', 'quit', 'enter']);
    await browseWorkspaces(ctx, term);
    expect(term.closed).toBe(true);
    expect(JSON.stringify(ctx.store.current())).toBe(before);
    expect(ctx.stdout()).toBe('');
  });

  it('says what to use instead when there is no terminal, and takes no argument', async () => {
    let err = '';
    const io = {
      out: () => undefined,
      err: (t: string) => {
        err += t;
      },
    };
    const ws = () =>
      buildKubectlWs(
        () => ctx,
        () => undefined,
      );
    expect(await runPlugin(ws(), ['-i'], 'Error', io)).toBe(1);
    expect(err).toContain(
      'interactive mode needs a terminal (stdin and stdout a TTY); `kubectl ws tree` prints the tree instead',
    );
    err = '';
    expect(await runPlugin(ws(), ['-i', 'root'], 'Error', io)).toBe(1);
    expect(err).toContain('interactive mode does not accept arguments');
  });

  it('runs on the terminal the command is given', async () => {
    const term = scriptedTerminal(['down', 'enter']);
    const io = { out: () => undefined, err: () => undefined };
    expect(
      await runPlugin(
        buildKubectlWs(
          () => ctx,
          () => term,
        ),
        ['--interactive'],
        'Error',
        io,
      ),
    ).toBe(0);
    expect(ctx.stdout()).toBe("Current workspace is 'root:consumers' (type root:universal).\n");
  });
});
