/**
 * A YAML editor (CodeMirror 6 with YAML highlighting), loaded on first use: it is the
 * heaviest piece of the portal and most pages never need it. Themed from the page's CSS
 * variables, which reach into its shadow root. It lives in a shadow root because there
 * CodeMirror's styles go into constructed stylesheets, which the hub's Content-Security-
 * Policy (style-src 'self') allows; in the document itself they would be a <style>
 * element, which the policy refuses, leaving the editor unstyled and its text off-screen.
 */
import { yaml } from '@codemirror/lang-yaml';
import { EditorState } from '@codemirror/state';
import { basicSetup, EditorView } from 'codemirror';
import { useEffect, useRef } from 'react';

const theme = EditorView.theme({
  '&': {
    backgroundColor: 'var(--surface)',
    color: 'var(--text)',
    border: '1px solid var(--border)',
    borderRadius: '6px',
    fontSize: '13px',
  },
  '.cm-content': { fontFamily: 'var(--mono)', caretColor: 'var(--text)' },
  '.cm-gutters': { backgroundColor: 'var(--surface-2)', color: 'var(--muted)', border: 'none' },
  '.cm-activeLine, .cm-activeLineGutter': { backgroundColor: 'var(--hover)' },
  '&.cm-focused': { outline: '2px solid var(--focus)' },
});

export default function YamlEditor({
  value,
  onChange,
  label,
  readOnly = false,
}: {
  value: string;
  onChange?: (text: string) => void;
  label: string;
  readOnly?: boolean;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;
  // The editor is created once per mount with the first value; later values are pushed
  // below as changes, which keeps the cursor and undo history.
  const initial = useRef(value);

  useEffect(() => {
    if (!host.current) return;
    const shadow = host.current.shadowRoot ?? host.current.attachShadow({ mode: 'open' });
    const editor = new EditorView({
      parent: shadow,
      root: shadow,
      state: EditorState.create({
        doc: initial.current,
        extensions: [
          basicSetup,
          yaml(),
          theme,
          EditorState.readOnly.of(readOnly),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current?.(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
  }, [readOnly, label]);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== value) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: value } });
    }
  }, [value]);

  return <div ref={host} className="yaml-editor" />;
}
