/**
 * How many reads one poll round may spend per cluster: 1.5 per 10 services watched,
 * in every round, never saved up and spent in a burst. DescribeServices takes one read
 * per 10 services; what is left pays for looks at tasks.
 */
export interface RoundBudget {
  /** DescribeServices calls this round (0: the round spends its reads on a task look). */
  readonly describe: number
  /** Task-look calls (ListTasks, DescribeTasks) this round. */
  readonly looks: number
}

export const readsPerRound = (services: number): number => Math.floor(1.5 * Math.ceil(services / 10))

/**
 * The split of one round's reads in a cluster of `services` watched services. With no
 * spare read (10 services or fewer) a look that is due takes the round's one read
 * instead of DescribeServices: the look is due because DescribeServices gave a reason.
 */
export const roundBudget = (services: number, lookDue: boolean): RoundBudget => {
  const describe = Math.ceil(services / 10)
  const spare = readsPerRound(services) - describe
  if (spare > 0) return { describe, looks: lookDue ? spare : 0 }
  return lookDue ? { describe: 0, looks: readsPerRound(services) } : { describe, looks: 0 }
}
