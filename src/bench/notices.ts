/**
 * Compile notices collapsed for a table cell: a forced strategy that cannot
 * serve a layer falls back with one notice per layer ("conv7: pointwise
 * needs a plain 1×1 conv: kernel is 3×3, not 1×1; using direct (auto)
 * instead of pointwise"), so MobileNet under "forced pointwise" says the same
 * thing dozens of times. Notices that differ only in their layer name and
 * numbers become one group: how many, which layers, and one example.
 */

export interface NoticeGroup {
  /** How many notices the group holds. */
  count: number;
  /** The first of them, verbatim. */
  example: string;
  /** The layer each names ("conv7" in "conv7: …"), in order; empty for notices without one. */
  subjects: string[];
}

/** "layer: rest" where the layer name has no spaces; other notices have no subject. */
const SUBJECT = /^([^\s:]+): (.+)$/s;

/**
 * Groups notices that say the same thing about different layers (same text
 * once the leading "layer: " and every number are set aside), in order of
 * first appearance. Exact repeats of a notice without a subject group too.
 *
 * @example
 * collapseNotices(['c1: k 3×3; using direct', 'c2: k 5×5; using direct', 'autotune skipped']);
 * // [{ count: 2, example: 'c1: k 3×3; using direct', subjects: ['c1', 'c2'] },
 * //  { count: 1, example: 'autotune skipped', subjects: [] }]
 */
export function collapseNotices(notices: readonly string[]): NoticeGroup[] {
  const groups = new Map<string, NoticeGroup>();
  for (const notice of notices) {
    const m = SUBJECT.exec(notice);
    const key = (m ? `@: ${m[2]}` : notice).replace(/\d+(\.\d+)?/g, '#');
    const group = groups.get(key);
    if (group) {
      group.count++;
      if (m) group.subjects.push(m[1]!);
    } else groups.set(key, { count: 1, example: notice, subjects: m ? [m[1]!] : [] });
  }
  return [...groups.values()];
}

/**
 * One line per group: the example alone when it stands alone, else the
 * example with the count and the first few layers it applies to.
 *
 * @example
 * noticeLines(['c1: k 3×3; using direct', 'c2: k 5×5; using direct']);
 * // ['c1: k 3×3; using direct (×2: c1, c2)']
 */
export function noticeLines(notices: readonly string[], shownSubjects = 4): string[] {
  return collapseNotices(notices).map((g) => {
    if (g.count === 1) return g.example;
    const names = g.subjects.length ? `: ${g.subjects.slice(0, shownSubjects).join(', ')}${g.subjects.length > shownSubjects ? ', …' : ''}` : '';
    return `${g.example} (×${g.count}${names})`;
  });
}
