/**
 * "Did you mean …?": the one nearest-word rule of gehen, for misspelt gehen.yml keys, flags,
 * commands, `--only` keys and gehen-sim's flags alike. Pure, with no Effect import, so the
 * command line can use it before anything else is loaded.
 */

/**
 * Edit distance with adjacent transpositions (optimal string alignment): an insertion, a
 * deletion, a substitution or two neighbours swapped each cost 1, so `olny` is one edit
 * from `only`, as a typist sees it.
 */
export const editDistance = (a: string, b: string): number => {
  // Three rows: the one before the previous is needed for a transposition.
  let before: Array<number> = []
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (before[j - 2] ?? 0) + 1)
      row.push(d)
    }
    before = prev
    prev = row
  }
  return prev[b.length] ?? 0
}

// Case and separators never make two words different: `dryrun` is `dry-run`, `PATH` is `path`.
const squash = (s: string) => s.toLowerCase().replace(/[-_]/g, "")

/**
 * The known word `word` is most likely a misspelling of, if any is close enough: the same
 * word but for case, `-` and `_`, or within a third of the longer word's length in edits
 * (at least one), compared without case. The closest wins; on a tie, the first known.
 */
export const nearest = (word: string, known: ReadonlyArray<string>): string | undefined =>
  known
    .map((k) => ({ k, d: squash(k) === squash(word) ? 0 : editDistance(word.toLowerCase(), k.toLowerCase()) }))
    .filter(({ d, k }) => d <= Math.max(1, Math.floor(Math.max(k.length, word.length) / 3)))
    .sort((x, y) => x.d - y.d)[0]?.k
