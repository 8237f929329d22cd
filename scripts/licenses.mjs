// The licence texts of the packages esbuild put into a bundle, for a THIRD_PARTY_LICENSES
// file shipped beside it: bundled code is no longer in node_modules with its own LICENSE,
// and most packages carry no legal comment for esbuild's `legalComments` to keep.
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

/** `node_modules/<name>` (the innermost one, for nested copies) of each bundled file. */
const packageRoots = (metafiles) => {
  const roots = new Set()
  for (const metafile of metafiles) {
    for (const input of Object.keys(metafile.inputs)) {
      const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input)
      if (m !== null) roots.add(m[1])
    }
  }
  return [...roots]
}

const NOTICE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i

/** One section per package, sorted by name: name@version (licence), then its licence and notice files. */
export const thirdPartyLicenses = (title, metafiles) => {
  const sections = packageRoots(metafiles).map((root) => {
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
    const files = readdirSync(root).filter((f) => NOTICE_FILE.test(f)).sort()
    const texts = files.map((f) => readFileSync(join(root, f), "utf8").trim())
    const licence = typeof pkg.license === "string" ? pkg.license : "see its package"
    const body = texts.length > 0 ? texts.join("\n\n") : `${licence} (the package ships no licence file)`
    return {
      id: `${pkg.name}@${pkg.version}`,
      text: `${pkg.name}@${pkg.version} (${licence})\n${"-".repeat(72)}\n${body}\n`
    }
  })
  sections.sort((a, b) => a.id.localeCompare(b.id))
  const unique = sections.filter((s, i) => i === 0 || sections[i - 1].id !== s.id)
  return `${title}\n\n${unique.map((s) => `${"=".repeat(72)}\n${s.text}`).join("\n")}`
}
