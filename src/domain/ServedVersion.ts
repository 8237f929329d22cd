import { shaMatches } from "./GitSha.js"

/**
 * The version in a `Server` header such as `my-app-1a2b3c4`: what follows the last `-`.
 * A version may itself hold dashes (`release-2024-01-01`); {@link servesVersion} allows for that.
 */
export const versionOfServer = (server: string): string | undefined => {
  const dash = server.lastIndexOf("-")
  const version = dash < 0 ? "" : server.slice(dash + 1).trim()
  return version === "" ? undefined : version
}

/**
 * Whether a `Server` header names the wanted version: it ends in `-<wanted>` (so
 * tags with dashes match), or the part after its last `-` and the wanted sha share
 * a prefix of at least 7 characters (short and full shas).
 */
export const servesVersion = (server: string, wanted: string): boolean => {
  const header = server.trim()
  if (wanted !== "" && header.endsWith(`-${wanted}`)) return true
  const version = versionOfServer(header)
  return version !== undefined && shaMatches(version, wanted)
}
