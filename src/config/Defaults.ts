import type { GehenConfig, UpdateStrategy } from "./Types.js"

/** Defaults for the optional settings of gehen.yml. */
export const configDefaults = {
  timeoutMinutes: 5,
  checkIntervalSeconds: 15,
  updateStrategy: "current",
  concurrency: 10,
  preflight: true
} as const satisfies Partial<GehenConfig>

export const updateStrategies: ReadonlyArray<UpdateStrategy> = ["current", "latest", "redeploy", "none"]

export const isUpdateStrategy = (s: string): s is UpdateStrategy =>
  (updateStrategies as ReadonlyArray<string>).includes(s)
