// Reads DogStatsD datagrams as the agent does: events (`_e{title,text}:title|text|t:..|#tags`)
// and metrics (`name:value|type|#tags`), other fields (origin, sample rate) kept apart.

export interface DogEvent {
  readonly title: string
  /** With the protocol's escaped newlines read back. */
  readonly text: string
  readonly alertType: string | undefined
  readonly tags: ReadonlyArray<string>
}

export interface DogMetric {
  readonly name: string
  readonly value: number
  readonly type: string
  readonly tags: ReadonlyArray<string>
}

const fieldsOf = (rest: ReadonlyArray<string>) => {
  const tags = rest.find((f) => f.startsWith("#"))?.slice(1).split(",") ?? []
  const alertType = rest.find((f) => f.startsWith("t:"))?.slice(2)
  return { tags, alertType }
}

export const parseDatagrams = (datagrams: ReadonlyArray<string>) => {
  const events: Array<DogEvent> = []
  const metrics: Array<DogMetric> = []
  for (const datagram of datagrams.flatMap((d) => d.split("\n")).filter((d) => d !== "")) {
    const event = /^_e\{(\d+),(\d+)\}:/.exec(datagram)
    if (event) {
      const body = datagram.slice(event[0].length)
      const titleLength = Number(event[1])
      const textLength = Number(event[2])
      const title = body.slice(0, titleLength)
      const text = body.slice(titleLength + 1, titleLength + 1 + textLength)
      const { tags, alertType } = fieldsOf(body.slice(titleLength + 1 + textLength).split("|").slice(1))
      events.push({ title, text: text.replace(/\\n/g, "\n"), alertType, tags })
      continue
    }
    const [head, type, ...rest] = datagram.split("|")
    const at = head!.lastIndexOf(":")
    metrics.push({
      name: head!.slice(0, at),
      value: Number(head!.slice(at + 1)),
      type: type!,
      tags: fieldsOf(rest).tags
    })
  }
  return { events, metrics }
}
