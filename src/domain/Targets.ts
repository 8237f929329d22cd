/** Where a service lives: the cluster as written in gehen.yml (name or ARN) and its region. */
export interface ClusterRef {
  readonly region: string
  readonly cluster: string
}

/** One ECS service of one cluster. */
export interface ServiceRef extends ClusterRef {
  readonly service: string
}

/** One EventBridge rule: its region and event bus (the default bus when absent). */
export interface RuleRef {
  readonly region: string
  readonly rule: string
  readonly eventBusName?: string | undefined
}

/** What one gehen run acts on, for logs and reports. */
export type TargetId =
  | { readonly kind: "service"; readonly name: string; readonly cluster: string; readonly region: string }
  | {
    readonly kind: "scheduled-task"
    readonly name: string
    readonly region: string
    readonly eventBusName?: string | undefined
  }

export const targetKey = (t: TargetId): string =>
  t.kind === "service"
    ? `service/${t.region}/${t.cluster}/${t.name}`
    : `rule/${t.region}/${t.eventBusName ?? "default"}/${t.name}`

export const targetLabel = (t: TargetId): string =>
  t.kind === "service" ? `${t.name} (${t.cluster})` : `${t.name} (scheduled task)`
