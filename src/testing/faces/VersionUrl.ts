/** The version urls the simulator serves, and the `Server` header they answer with. */

/**
 * `http://<anything>/version/<cluster>/<service>` (or `/version/<region>/<cluster>/<service>`);
 * `/version-test/...` is the service's test listener.
 */
export const parseVersionUrl = (
  url: string
):
  | {
    readonly region?: string | undefined
    readonly cluster: string
    readonly service: string
    readonly listener: "production" | "test"
  }
  | undefined =>
{
  let path: string
  try {
    path = new URL(url).pathname
  } catch {
    return undefined
  }
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent)
  if (parts[0] !== "version" && parts[0] !== "version-test") return undefined
  const listener = parts[0] === "version" ? "production" : "test"
  if (parts.length === 3 && parts[1] !== undefined && parts[2] !== undefined) {
    return { cluster: parts[1], service: parts[2], listener }
  }
  if (parts.length === 4 && parts[1] !== undefined && parts[2] !== undefined && parts[3] !== undefined) {
    return { region: parts[1], cluster: parts[2], service: parts[3], listener }
  }
  return undefined
}

/** The `Server` header a simulated service's version url answers with: `<service>-<served image tag>`. */
export const versionServerHeader = (service: string, tag: string): string => `${service}-${tag}`
