/** `npm run demo` (node dist/tools/demo.mjs): exits 0 only when the demo behaved as described. */
import { bundledCliFrom } from "./cli.js"
import { runDemo } from "./demo.js"

const result = await runDemo({
  log: (line) => process.stdout.write(`${line}\n`),
  cliPath: bundledCliFrom(import.meta.dirname)
})
process.exitCode = result.ok ? 0 : 1
