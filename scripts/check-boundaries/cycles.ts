// Import cycles: Tarjan's strongly connected components, then one shortest cycle through each
// component (the component's first file by name), so each tangle is reported once, readably.

export interface Edge {
  to: string;
  line: number;
}

/** One step of a cycle: `from` imports the next step's file at `line`. */
export interface CycleStep {
  from: string;
  line: number;
}

/** One cycle per strongly connected component that has one (size > 1, or a file importing itself). */
export function findCycles(graph: ReadonlyMap<string, readonly Edge[]>): CycleStep[][] {
  return components(graph)
    .filter((c) => c.length > 1 || (graph.get(c[0]!) ?? []).some((e) => e.to === c[0]))
    .map((c) => shortestCycle(graph, new Set(c), [...c].sort()[0]!));
}

function components(graph: ReadonlyMap<string, readonly Edge[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  // Iterative, so a deep import chain cannot overflow the call stack.
  for (const start of [...graph.keys()].sort()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next); low.set(start, next); next++; stack.push(start); onStack.add(start);
    while (work.length > 0) {
      const top = work[work.length - 1]!;
      const edges = graph.get(top.node) ?? [];
      if (top.edge < edges.length) {
        const to = edges[top.edge++]!.to;
        if (!index.has(to)) {
          index.set(to, next); low.set(to, next); next++; stack.push(to); onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(top.node, Math.min(low.get(top.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(top.node)!));
      if (low.get(top.node) === index.get(top.node)) {
        const component: string[] = [];
        let member: string;
        do { member = stack.pop()!; onStack.delete(member); component.push(member); } while (member !== top.node);
        out.push(component);
      }
    }
  }
  return out;
}

/** Breadth-first from `start` back to itself, staying inside the component. */
function shortestCycle(graph: ReadonlyMap<string, readonly Edge[]>, inside: Set<string>, start: string): CycleStep[] {
  const via = new Map<string, CycleStep>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const edge of graph.get(node) ?? []) {
      if (!inside.has(edge.to)) continue;
      if (edge.to === start) return unwind(via, start, { from: node, line: edge.line });
      if (via.has(edge.to)) continue;
      via.set(edge.to, { from: node, line: edge.line });
      queue.push(edge.to);
    }
  }
  throw new Error(`no cycle through ${start} (not a cyclic component)`);
}

function unwind(via: Map<string, CycleStep>, start: string, last: CycleStep): CycleStep[] {
  const steps = [last];
  let node = last.from;
  while (node !== start) {
    const step = via.get(node)!;
    steps.unshift(step);
    node = step.from;
  }
  return steps;
}
