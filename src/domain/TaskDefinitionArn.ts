import * as Option from "effect/Option"

const ARN = /^arn:[a-z0-9-]+:ecs:([a-z0-9-]+):(\d{12}):task-definition\/([A-Za-z0-9_-]+):(\d+)$/

/** The family of `arn:<any partition>:ecs:<region>:<account>:task-definition/<family>:<rev>` or of `family:rev`. */
export const familyOf = (taskDefinition: string): string => {
  const m = ARN.exec(taskDefinition)
  if (m) return m[3]!
  const short = taskDefinition.includes("/")
    ? taskDefinition.slice(taskDefinition.lastIndexOf("/") + 1)
    : taskDefinition
  const colon = short.lastIndexOf(":")
  return colon === -1 ? short : short.slice(0, colon)
}

/** The region of a task-definition ARN. */
export const regionOfTaskDefinition = (taskDefinition: string): Option.Option<string> =>
  Option.fromNullable(ARN.exec(taskDefinition)?.[1])

/** `family:revision`, short for messages. */
export const shortName = (taskDefinition: string): string => {
  const m = ARN.exec(taskDefinition)
  return m ? `${m[3]}:${m[4]}` : taskDefinition
}
