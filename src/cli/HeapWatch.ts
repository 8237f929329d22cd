/**
 * Keeps the CLI's heap near what is live. A large fleet's poll rounds make short-lived
 * garbage faster than V8 collects it on its own (it lets the heap grow to several times
 * what is live while collecting is cheap): at N = 1000 services the peak RSS was 500-650 MB
 * for well under 100 MB live. The CLI (never an embedding app) collects once the heap has
 * grown by half over what the last collection left, and past `floorMb`; checked every
 * `everyMs`. It costs the bench about a tenth more CPU and halves the peak.
 */
import * as v8 from "node:v8"
import * as vm from "node:vm"

export interface HeapWatchOptions {
  /** How often the heap is looked at; 250 ms by default. */
  readonly everyMs?: number | undefined
  /** No collection below this heap size; 48 MB by default. */
  readonly floorMb?: number | undefined
  /** Collect once the heap is this many times what the last collection left; 1.5 by default. */
  readonly growth?: number | undefined
}

export const watchHeap = (options: HeapWatchOptions = {}): void => {
  const floor = (options.floorMb ?? 48) * 1024 * 1024
  let left = v8.getHeapStatistics().used_heap_size
  let collecting = false
  setInterval(() => {
    if (collecting || v8.getHeapStatistics().used_heap_size <= Math.max(floor, (options.growth ?? 1.5) * left)) return
    collecting = true
    // Node's documented way to have V8 collect now, without changing V8's flags (which
    // would make every code cache a mismatch): an eager memory measurement.
    vm.measureMemory({ mode: "summary", execution: "eager" }).then(
      () => {
        collecting = false
        left = v8.getHeapStatistics().used_heap_size
      },
      () => {
        collecting = false
      }
    )
  }, options.everyMs ?? 250).unref()
}
