// The launcher's code cache beside the bundle, for the Node running this script (see
// src/launcher.ts): `npm run build` makes one, and the tests' global set-up makes one for
// each other Node that runs them over the same build.
import { spawnSync } from "node:child_process"
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

/**
 * Runs `gehen deploy --dry-run` of one service against a closed loopback port with the
 * launcher in its build mode, which writes the cache beside the bundle at exit. The run
 * fails (nothing answers); what it compiled on the way is what a deploy's start needs.
 */
export async function writeCodeCache(cliDir) {
  const launcher = resolve(cliDir, "gehen.cjs")
  const dir = await mkdtemp(join(tmpdir(), "gehen-build-cache-"))
  try {
    const config = join(dir, "gehen.yml")
    await writeFile(config, "services:\n  api:\n    cluster: build\n    url: http://127.0.0.1:1/version\n")
    const r = spawnSync(process.execPath, [launcher, "deploy", "--gitsha", "0000000", "--path", config, "--dry-run"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        NO_COLOR: "1",
        GEHEN_WRITE_CODE_CACHE: "1",
        AWS_ENDPOINT_URL: "http://127.0.0.1:1",
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "AKIDBUILDCODECACHE",
        AWS_SECRET_ACCESS_KEY: "build-code-cache",
        AWS_CONFIG_FILE: join(dir, "none"),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
        AWS_MAX_ATTEMPTS: "1",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true"
      },
      stdio: "pipe",
      timeout: 60_000
    })
    const made = (await readdir(cliDir)).filter((f) => f.startsWith(`main-${process.version}-`) && f.endsWith(".cache"))
    if (made.length !== 1) {
      throw new Error(`no code cache was written (exit ${r.status ?? r.signal}): ${r.stderr?.toString().slice(-2000)}`)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
