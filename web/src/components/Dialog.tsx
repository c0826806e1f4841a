/**
 * A modal dialog on the native <dialog> element: focus moves into it and is held there,
 * Escape closes it, and the page behind is inert — the browser does all of that. When it
 * closes the focus goes back to where it was (the button that opened it): the browser does
 * that only for a dialog closed in place, and these leave the page when their parent stops
 * rendering them.
 */
import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { Provider } from '../api/hub.ts';

/** What a dialog about one provider in one workspace (Enable, Disable) is given. */
export interface ProviderDialogProps {
  readonly workspace: string;
  readonly provider: Provider;
  readonly onClose: () => void;
}

export function Dialog({
  open,
  title,
  onClose,
  children,
}: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  // What had the focus when the dialog first rendered: it gets it back when the dialog goes.
  const [opener] = useState(() =>
    document.activeElement instanceof HTMLElement ? document.activeElement : null,
  );
  useEffect(
    () => () => {
      if (opener?.isConnected) opener.focus();
    },
    [opener],
  );
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onClose={onClose}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      {open ? (
        <>
          <h2 id={titleId}>{title}</h2>
          {children}
        </>
      ) : null}
    </dialog>
  );
}
