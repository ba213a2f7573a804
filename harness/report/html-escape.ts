/**
 * Escapes text for HTML/SVG text and (double- or single-quoted) attribute values. Everything a report shows comes
 * from scenario files, definitions and execution data, so it all goes through here.
 */
export function escapeHtml(s: string): string {
  return (
    s
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;")
      // Control characters other than tab/newline/CR are invalid in HTML text; show them instead of dropping them.
      // eslint-disable-next-line no-control-regex
      .replace(/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
  );
}
