// The simulated clock's agenda: tasks run in time order, ties in the order they were
// queued, so every simulated run replays exactly from its seed.
type Task = { at: number; seq: number; run: () => void };

const before = (a: Task, b: Task): boolean => a.at < b.at || (a.at === b.at && a.seq < b.seq);

export class TaskQueue {
  now = 0;
  private readonly heap: Task[] = [];
  private seq = 0;

  push(at: number, run: () => void): void {
    const q = this.heap;
    q.push({ at, seq: this.seq++, run });
    let k = q.length - 1;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!before(q[k]!, q[parent]!)) break;
      [q[k], q[parent]] = [q[parent]!, q[k]!];
      k = parent;
    }
  }

  /** Runs every task due by `time` (and those they queue), then sets the clock to `time`. */
  runUntil(time: number, onStep?: () => void): void {
    while (this.heap.length > 0 && this.heap[0]!.at <= time) {
      const task = this.popMin();
      this.now = task.at;
      task.run();
      onStep?.();
    }
    this.now = time;
  }

  private popMin(): Task {
    const q = this.heap;
    const top = q[0]!;
    const last = q.pop()!;
    if (q.length > 0) {
      q[0] = last;
      let k = 0;
      for (;;) {
        const l = 2 * k + 1;
        const r = l + 1;
        let m = k;
        if (l < q.length && before(q[l]!, q[m]!)) m = l;
        if (r < q.length && before(q[r]!, q[m]!)) m = r;
        if (m === k) break;
        [q[k], q[m]] = [q[m]!, q[k]!];
        k = m;
      }
    }
    return top;
  }
}
