/**
 * "Did you mean …?" for scenario files: the candidate closest to a misspelt key, state name or enum value.
 */

/**
 * Optimal-string-alignment distance: Levenshtein plus adjacent transpositions counted as one edit, because
 * `Executoin` for `Execution` is one slip of the fingers, not two.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, d[(i - 2) * cols + j - 2]! + 1);
      }
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1]!;
}

/**
 * The candidate the user most plausibly meant, or undefined when none is close enough to be a helpful guess.
 * Accepts: a case-insensitive match; a candidate within roughly one edit per three characters; a candidate that
 * starts with what was typed (an abbreviated state name such as `CopyResults`).
 */
export function nearest(input: string, candidates: Iterable<string>): string | undefined {
  const typed = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === input) continue;
    const lower = candidate.toLowerCase();
    if (lower === typed) return candidate;
    const distance = editDistance(typed, lower);
    const limit = Math.max(1, Math.floor(Math.max(typed.length, lower.length) / 3));
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best !== undefined) return best;
  if (typed.length >= 3) {
    for (const candidate of candidates) {
      if (candidate !== input && candidate.toLowerCase().startsWith(typed)) return candidate;
    }
  }
  return undefined;
}
