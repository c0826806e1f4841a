import type { Condition } from '../../../src/apimachinery/meta.ts';

/** Status conditions as a table: type, status, reason, message, when it last changed. */
export function Conditions({ conditions }: { conditions: readonly Condition[] }) {
  if (conditions.length === 0) return <p className="muted">No conditions reported yet.</p>;
  return (
    <div className="scroll-x">
      <table className="simple-table">
        <caption className="visually-hidden">Status conditions</caption>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Message</th>
            <th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {conditions.map((c) => (
            <tr key={c.type}>
              <td>{c.type}</td>
              <td>
                <span className={`status status-${c.status.toLowerCase()}`}>{c.status}</span>
              </td>
              <td>{c.reason ?? ''}</td>
              <td>{c.message ?? ''}</td>
              <td>{c.lastTransitionTime ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
