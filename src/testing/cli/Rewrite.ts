/**
 * `--rewrite-urls`: a copy of the team's gehen.yml whose services' urls are the simulator's
 * version urls, everything else (comments, settings, key order) as written, so the
 * rehearsal runs the real file.
 */
import { isMap, isScalar, parseDocument } from "yaml"

/**
 * `text` with `services.<key>.url` replaced by `urls.get(key)` where the file gives a url
 * (a service without one stays unchecked, as in the real deploy), under a header naming
 * where it came from.
 */
export const rewriteUrls = (text: string, urls: ReadonlyMap<string, string>, header: string): string => {
  const doc = parseDocument(text)
  const services = doc.get("services", true)
  if (isMap(services)) {
    for (const pair of services.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key)
      const url = urls.get(key)
      if (url !== undefined && isMap(pair.value) && pair.value.has("url")) pair.value.set("url", url)
    }
  }
  return `${header.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n")}\n${doc.toString()}`
}
