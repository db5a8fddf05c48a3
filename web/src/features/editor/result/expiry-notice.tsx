/** The time as people read it here: "14:32" today, with the date when it is another day. */
export function formatUntil(at: Date, now: Date = new Date()): string {
  const sameDay = at.toDateString() === now.toDateString();
  return sameDay
    ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : at.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * Until when the result can be downloaded, in local time. Not a live region: the Download link
 * points at it with aria-describedby, so it is read with the link rather than announced.
 */
export function ExpiryNotice({ id, expiresAt }: { id: string; expiresAt: string }) {
  const at = new Date(expiresAt);
  if (Number.isNaN(at.getTime())) return null;
  return (
    <p className="hint expiry" id={id}>
      Download available until <time dateTime={expiresAt}>{formatUntil(at)}</time>.
    </p>
  );
}
