/** A placeholder that holds the space its content will take, announced to screen readers. */
export function Loading({ label, lines = 3 }: { label: string; lines?: number }) {
  return (
    <div className="loading" role="status" aria-live="polite" aria-label={label}>
      {Array.from({ length: lines }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholder lines have no identity
        <div key={i} className="skeleton-line" />
      ))}
    </div>
  );
}
