/**
 * Durations and offsets as reports print them. Wall time is usually milliseconds; simulated time spans seconds to
 * an hour, so both share one compact Go-like notation (`42ms`, `1.3s`, `1m10s`, `1h2m3s`).
 */

/** A duration in a compact human form: `0ms`, `42ms`, `1.3s`, `10s`, `1m10s`, `1h0m5s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  // Round to tenths of a second once, then split, so 59.96s prints as 1m0s rather than 60.0s.
  const tenths = Math.round(ms / 100);
  if (tenths < 600) return `${trimZero(tenths / 10)}s`;
  const totalSeconds = tenths / 10;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds - h * 3600) / 60);
  const s = totalSeconds - h * 3600 - m * 60;
  const sec = `${trimZero(Math.round(s * 10) / 10)}s`;
  return h > 0 ? `${h}h${m}m${sec}` : `${m}m${sec}`;
}

/** An offset from the execution start as `+mm:ss.s` (`+hh:mm:ss.s` past an hour). */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? "-" : "+";
  const tenths = Math.round(Math.abs(ms) / 100);
  const h = Math.floor(tenths / 36000);
  const m = Math.floor((tenths % 36000) / 600);
  const s = (tenths % 600) / 10;
  const ss = s.toFixed(1).padStart(4, "0");
  const mm = String(m).padStart(2, "0");
  return h > 0 ? `${sign}${h}:${mm}:${ss}` : `${sign}${mm}:${ss}`;
}

/** Wall seconds for JUnit `time` attributes (three decimals, as most producers write). */
export function formatSeconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

function trimZero(n: number): string {
  const t = n.toFixed(1);
  return t.endsWith(".0") ? t.slice(0, -2) : t;
}
