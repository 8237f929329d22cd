import { execFileSync } from "node:child_process"

/** The subprocess tests run the bundled CLI: bundle it from the current sources first (about a second). */
export default function setup() {
  execFileSync(process.execPath, ["scripts/bundle.mjs"], { stdio: "inherit" })
}
