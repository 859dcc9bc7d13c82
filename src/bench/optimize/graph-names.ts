import type { GraphProto } from '../../core/onnx/proto.js';

/** Fresh tensor and node names for a graph rewrite: never one the graph already uses. */
export class GraphNames {
  private readonly used = new Set<string>();

  constructor(graph: GraphProto) {
    for (const v of [...(graph.input ?? []), ...(graph.output ?? []), ...(graph.valueInfo ?? [])])
      if (v.name) this.used.add(v.name);
    for (const t of graph.initializer ?? []) if (t.name) this.used.add(t.name);
    for (const n of graph.node ?? []) {
      if (n.name) this.used.add(n.name);
      for (const name of [...(n.input ?? []), ...(n.output ?? [])]) this.used.add(name);
    }
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 2; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}
