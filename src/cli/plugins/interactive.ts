/**
 * `kubectl ws -i`: the workspace tree in the terminal, as kcp's plugin browses it. The
 * tree starts at the current workspace's root; children are listed when a branch is opened
 * (and one level further, to know whether a child has children of its own); ↑/↓ (or k/j)
 * move, → (l) or Space opens, ← (h) or Backspace closes, Enter enters the workspace under
 * the cursor (as `kubectl ws use :<path>`), q, Esc or Ctrl-C leave without a change.
 *
 * `TreeBrowser` is the state and its rendering, without I/O (unit-tested with key
 * sequences); `browseWorkspaces` runs it on the plugin's terminal.
 */
import { joinPath } from '../../apimachinery/logicalcluster.ts';
import { openSession, type PluginContext, type Session } from './context.ts';
import type { Workspace } from './kcp-api.ts';
import { parseClusterURL, topOf } from './paths.ts';
import { isForbidden, isNotFound } from './transport.ts';
import { useWorkspace } from './workspace.ts';

/** The keys the browser knows, as the terminal names them. */
export type Key =
  | 'up'
  | 'down'
  | 'left'
  | 'right'
  | 'space'
  | 'enter'
  | 'quit'
  | 'backspace'
  | 'other';

export interface BrowserNode {
  readonly name: string;
  readonly path: string;
  /** Undefined until listed. */
  children: BrowserNode[] | undefined;
  hasChildren: boolean;
  expanded: boolean;
}

/** The children of a workspace: name, path and whether each has children of its own. */
export type ListChildren = (
  path: string,
) => Promise<Array<{ name: string; path: string; hasChildren: boolean }>>;

export const HELP = '↑/↓: move  →/←/Space: open/close  Enter: enter workspace  q: quit';

export class TreeBrowser {
  readonly root: BrowserNode;
  #cursor = 0;
  readonly #list: ListChildren;

  constructor(rootPath: string, list: ListChildren) {
    this.root = {
      name: rootPath,
      path: rootPath,
      children: undefined,
      hasChildren: true,
      expanded: false,
    };
    this.#list = list;
  }

  /** Opens the root (the first screen shows its children). */
  async start(): Promise<void> {
    await this.#open(this.root);
  }

  /** The nodes on screen, top to bottom, with their depth. */
  visible(): Array<{ node: BrowserNode; depth: number }> {
    const out: Array<{ node: BrowserNode; depth: number }> = [];
    const walk = (node: BrowserNode, depth: number) => {
      out.push({ node, depth });
      if (node.expanded) for (const child of node.children ?? []) walk(child, depth + 1);
    };
    walk(this.root, 0);
    return out;
  }

  get current(): BrowserNode {
    const rows = this.visible();
    return (rows[Math.min(this.#cursor, rows.length - 1)] ?? rows[0])?.node ?? this.root;
  }

  async #open(node: BrowserNode): Promise<void> {
    if (node.children === undefined) {
      node.children = (await this.#list(node.path)).map((c) => ({
        name: c.name,
        path: c.path,
        children: undefined,
        hasChildren: c.hasChildren,
        expanded: false,
      }));
      node.hasChildren = node.children.length > 0;
    }
    if (node.hasChildren) node.expanded = true;
  }

  /** Handles a key: the path to enter, `quit`, or undefined to go on. */
  async press(key: Key): Promise<{ enter: string } | 'quit' | undefined> {
    const rows = this.visible();
    const node = this.current;
    switch (key) {
      case 'up':
        this.#cursor = Math.max(0, this.#cursor - 1);
        return undefined;
      case 'down':
        this.#cursor = Math.min(rows.length - 1, this.#cursor + 1);
        return undefined;
      case 'right':
        await this.#open(node);
        return undefined;
      case 'left':
      case 'backspace':
        node.expanded = false;
        return undefined;
      case 'space':
        if (node.expanded) node.expanded = false;
        else await this.#open(node);
        return undefined;
      case 'enter':
        return { enter: node.path };
      case 'quit':
        return 'quit';
      default:
        return undefined;
    }
  }

  /** The screen: a title with the path under the cursor, the tree (scrolled), the help. */
  render(rowsAvailable: number): string[] {
    const rows = this.visible();
    const height = Math.max(3, rowsAvailable - 4);
    const cursor = Math.min(this.#cursor, rows.length - 1);
    // Scrolled just enough to keep the cursor on screen.
    const start = Math.max(0, cursor - height + 1);
    const shown = rows.slice(start, start + height).map(({ node, depth }, i) => {
      const icon = node.hasChildren ? (node.expanded ? '▼ ' : '▶ ') : '  ';
      const mark = start + i === cursor ? '→ ' : '  ';
      return `${mark}${'  '.repeat(depth)}${icon}${node.name}`;
    });
    return [`kcp workspaces — ${this.current.path}`, '', ...shown, '', HELP];
  }
}

/** A terminal to browse on: its size, key presses, and drawing a whole screen. */
export interface Terminal {
  readonly rows: number;
  keys(): AsyncIterable<Key>;
  draw(lines: readonly string[]): void;
  /** Restores the terminal (the screen the user had, the cursor, cooked mode). */
  close(): void;
}

/** Lists a workspace's children, and whether each has any, as kcp's browser does. */
function lister(session: Session): ListChildren {
  const children = async (path: string): Promise<Workspace[]> => {
    try {
      return (await session.client.listWorkspaces(path)).filter(
        (w) => !w.metadata.deletionTimestamp,
      );
    } catch (err) {
      if (isNotFound(err) || isForbidden(err)) return [];
      throw err;
    }
  };
  return async (path) =>
    Promise.all(
      (await children(path)).map(async (ws) => {
        const child = parseClusterURL(ws.spec?.URL ?? '')?.path ?? joinPath(path, ws.metadata.name);
        return {
          name: ws.metadata.name,
          path: child,
          hasChildren: (await children(child)).length > 0,
        };
      }),
    );
}

export async function browseWorkspaces(
  ctx: PluginContext,
  terminal: Terminal | undefined,
): Promise<void> {
  if (!terminal)
    throw new Error(
      'interactive mode needs a terminal (stdin and stdout a TTY); `kubectl ws tree` prints the tree instead',
    );
  const session = await openSession(ctx);
  const browser = new TreeBrowser(topOf(session.current?.path ?? 'root'), lister(session));
  let chosen: string | undefined;
  try {
    await browser.start();
    terminal.draw(browser.render(terminal.rows));
    for await (const key of terminal.keys()) {
      const action = await browser.press(key);
      if (action === 'quit') break;
      if (action) {
        chosen = action.enter;
        break;
      }
      terminal.draw(browser.render(terminal.rows));
    }
  } finally {
    terminal.close();
  }
  if (chosen) await useWorkspace(ctx, `:${chosen}`);
}
