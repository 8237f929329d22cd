/** An ARN's last path segment (a task's, a service deployment's id), for messages. */
export const resourceId = (arn: string): string => arn.slice(arn.lastIndexOf("/") + 1)
