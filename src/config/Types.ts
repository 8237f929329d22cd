/** What gehen.yml says, once read and checked. */

export type UpdateStrategy = "current" | "latest" | "redeploy" | "none"

export interface ServiceConfig {
  /** The key under `services` in gehen.yml: unique in the file, used in messages. */
  readonly key: string
  /** The ECS service name: `name:` when given, else the key. */
  readonly name: string
  /** Cluster name or ARN, as written. */
  readonly cluster: string
  readonly url?: string | undefined
  /** The url of the service's test listener (blue/green): checked before gehen lets a paused deployment go on. */
  readonly testUrl?: string | undefined
  /** Only these containers get the new tag; when absent, all of them (if they all run one tag). */
  readonly containers?: ReadonlyArray<string> | undefined
}

export interface ScheduledTaskConfig {
  /** The key under `scheduledTasks` in gehen.yml (a rule name or a rule ARN), used in messages. */
  readonly key: string
  /** The EventBridge rule name. */
  readonly rule: string
  /** From the rule ARN or `region:`; absent: the default region. */
  readonly region?: string | undefined
  /** From the rule ARN or `eventBusName:`; absent: the default event bus. */
  readonly eventBusName?: string | undefined
  /** Only these containers get the new tag; when absent, all of them (if they all run one tag). */
  readonly containers?: ReadonlyArray<string> | undefined
}

export interface GehenConfig {
  /** The file it was read from, for messages. */
  readonly path: string
  readonly services: ReadonlyArray<ServiceConfig>
  readonly scheduledTasks: ReadonlyArray<ScheduledTaskConfig>
  readonly role?: { readonly arn: string } | undefined
  readonly timeoutMinutes: number
  readonly checkIntervalSeconds: number
  readonly updateStrategy: UpdateStrategy
  /** Most services worked on at once. */
  readonly concurrency: number
  /** After a confirmed deploy, keep this many releases of each deployed family (and what is in use); absent: keep all. */
  readonly keepRevisions?: number | undefined
  /** Check urls and images before any change (default true). */
  readonly preflight?: boolean | undefined
}
