// Placeholder: the config module is being written (see Config types below, which are the contract).
export type UpdateStrategy = "current" | "latest" | "redeploy" | "none"

export interface ServiceConfig {
  /** The ECS service name (the key under `services`). */
  readonly name: string
  /** Cluster name or ARN, as written. */
  readonly cluster: string
  readonly url?: string | undefined
  /** Only these containers get the new tag; all when absent. */
  readonly containers?: ReadonlyArray<string> | undefined
}

export interface GehenConfig {
  /** The file it was read from, for messages. */
  readonly path: string
  readonly services: ReadonlyArray<ServiceConfig>
  /** EventBridge rule names. */
  readonly scheduledTasks: ReadonlyArray<string>
  readonly role?: { readonly arn: string } | undefined
  readonly timeoutMinutes: number
  readonly checkIntervalSeconds: number
  readonly updateStrategy: UpdateStrategy
  /** Most services worked on at once. */
  readonly concurrency: number
}
