/**
 * What the demo and the bench share: running the bundled CLI against the simulator
 * with nothing read from the user's AWS setup.
 */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/** `dist/cli/gehen.cjs`, seen from `dist/tools/` (the bundled demo or bench). */
export const bundledCliFrom = (bundleDir: string): string => join(bundleDir, "..", "cli", "gehen.cjs")

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), prefix))

/**
 * The CLI's environment: the SDK pointed at the simulator with dummy credentials,
 * HOME and the AWS config files isolated so no real profile or SSO session is used.
 * Only terminal settings pass through (not e.g. GITHUB_STEP_SUMMARY, which the CLI writes to).
 */
export const simulatorEnv = (
  endpoint: string,
  home: string,
  extra: Readonly<Record<string, string>> = {}
): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"] ?? "",
    HOME: home,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: "AKIDSIMULATOR",
    AWS_SECRET_ACCESS_KEY: "simulator-secret",
    AWS_REGION: "us-east-1",
    AWS_CONFIG_FILE: join(home, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "no-credentials"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true"
  }
  for (const key of ["TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR"]) {
    const value = process.env[key]
    if (value !== undefined) env[key] = value
  }
  return { ...env, ...extra }
}
