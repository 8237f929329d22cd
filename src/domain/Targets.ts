/** Where a service lives: the cluster as written in gehen.yml (name or ARN) and its region. */
export interface ClusterRef {
  readonly region: string
  readonly cluster: string
}

/** One ECS service of one cluster. */
export interface ServiceRef extends ClusterRef {
  readonly service: string
}

/** What one gehen run acts on, for logs and reports. */
export type TargetId =
  | { readonly kind: "service"; readonly name: string; readonly cluster: string; readonly region: string }
  | { readonly kind: "scheduled-task"; readonly name: string; readonly region: string }

export const targetKey = (t: TargetId): string =>
  t.kind === "service" ? `service/${t.region}/${t.cluster}/${t.name}` : `rule/${t.region}/${t.name}`

export const targetLabel = (t: TargetId): string =>
  t.kind === "service" ? `${t.name} (${t.cluster})` : `${t.name} (scheduled task)`
