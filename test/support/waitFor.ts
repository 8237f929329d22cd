/**
 * Waits until `what()` holds: an event a test waits on (a line printed, a call recorded),
 * checked every 25 ms. The bound is no timing claim, only a way out of a test that would
 * otherwise hang: generous enough for a CI machine at load 10 on 2 cores.
 */
export const waitFor = async (
  what: () => boolean | Promise<boolean>,
  description = "the condition",
  ms = 120_000
): Promise<void> => {
  const until = Date.now() + ms
  while (!(await what())) {
    if (Date.now() > until) throw new Error(`timed out after ${ms / 1000} s waiting for ${description}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}
