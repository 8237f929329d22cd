/** How human output looks: colour or not, decided once from the environment. */
export interface Style {
  readonly color: boolean
  readonly green: (s: string) => string
  readonly red: (s: string) => string
  readonly yellow: (s: string) => string
  readonly dim: (s: string) => string
  readonly bold: (s: string) => string
}

const wrap =
  (on: boolean, open: number, close: number) => (s: string) => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s)

export const makeStyle = (color: boolean): Style => ({
  color,
  green: wrap(color, 32, 39),
  red: wrap(color, 31, 39),
  yellow: wrap(color, 33, 39),
  dim: wrap(color, 2, 22),
  bold: wrap(color, 1, 22)
})

/**
 * Colour on a terminal, none when piped; NO_COLOR (any non-empty value) turns
 * it off and FORCE_COLOR (not "0"/"false") turns it on, as https://no-color.org asks.
 */
export const colorWanted = (env: Record<string, string | undefined>, isTTY: boolean): boolean => {
  if (env["NO_COLOR"] !== undefined && env["NO_COLOR"] !== "") return false
  const force = env["FORCE_COLOR"]
  if (force !== undefined) return force !== "0" && force !== "false"
  return isTTY && env["TERM"] !== "dumb"
}
