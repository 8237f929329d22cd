/** The messages between the bench and its simulator process (simProcess.ts, simClient.ts). */
import type { SimCall } from "../../src/testing/index.js"

export type SimRequest =
  | {
    readonly op: "seed"
    readonly services: number
    readonly clusterSize: number
    readonly desiredCount: number
    readonly rolloutSeconds: number
    readonly strategy: "ROLLING" | "BLUE_GREEN"
  }
  | { readonly op: "calls" }
  | { readonly op: "lastRolloutDone" }
  | { readonly op: "usage" }
  | { readonly op: "close" }

export type SimReply =
  | { readonly op: "seeded"; readonly url: string }
  | { readonly op: "calls"; readonly calls: ReadonlyArray<SimCall> }
  | { readonly op: "lastRolloutDone"; readonly at: number | undefined }
  | { readonly op: "usage"; readonly cpuSeconds: number; readonly peakRssKb: number }
