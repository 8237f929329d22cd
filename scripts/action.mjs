// The GitHub Action's committed CLI (action.yml runs action/run.mjs on the runner's Node,
// which runs action/dist/gehen.cjs): `npm run build:action` writes action/dist/ (main.cjs,
// gehen.cjs and THIRD_PARTY_LICENSES.txt) from the sources; `--check` builds into a
// temporary directory instead and fails, naming the files, when the committed copy
// differs, so CI never lets a stale Action through. The build is deterministic (see
// scripts/cliBundle.mjs): the same sources give the same bytes on Node 20, 22 and 24.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { buildCli } from "./cliBundle.mjs"
import { thirdPartyLicenses } from "./licenses.mjs"

export const ACTION_DIST = "action/dist"

/** Builds the Action's files into `outdir`. */
export const buildAction = async (outdir) => {
  const { cli } = await buildCli(outdir)
  await writeFile(
    join(outdir, "THIRD_PARTY_LICENSES.txt"),
    thirdPartyLicenses(
      "Third-party code bundled into action/dist/main.cjs (the gehen CLI the GitHub Action runs), with its licences.",
      [cli]
    )
  )
}

/** The files of `fresh` and `committed` that differ or exist in one only; empty when they are the same. */
export const differences = async (fresh, committed) => {
  const list = async (dir) => (await readdir(dir).catch(() => [])).sort()
  const names = [...new Set([...(await list(fresh)), ...(await list(committed))])].sort()
  const out = []
  for (const name of names) {
    const [a, b] = await Promise.all([
      readFile(join(fresh, name)).catch(() => undefined),
      readFile(join(committed, name)).catch(() => undefined)
    ])
    if (a === undefined) out.push(`${name}: committed, but the build makes no such file`)
    else if (b === undefined) out.push(`${name}: built, but not committed`)
    else if (!a.equals(b)) out.push(`${name}: differs from the build (${b.length} bytes committed, ${a.length} built)`)
  }
  return out
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (process.argv.includes("--check")) {
    const dir = await mkdtemp(join(tmpdir(), "gehen-action-check-"))
    try {
      await buildAction(dir)
      const found = await differences(dir, ACTION_DIST)
      if (found.length > 0) {
        process.stderr.write(
          `${ACTION_DIST} is stale: rebuild it with \`npm run build:action\` and commit it.\n${
            found.map((f) => `  ${f}\n`).join("")
          }`
        )
        process.exitCode = 1
      } else {
        process.stdout.write(`${ACTION_DIST} is what the sources build (Node ${process.version})\n`)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  } else {
    await rm(ACTION_DIST, { recursive: true, force: true })
    await buildAction(ACTION_DIST)
    process.stdout.write(`${ACTION_DIST}: built\n`)
  }
}
