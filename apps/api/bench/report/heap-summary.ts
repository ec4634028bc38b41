// What a V8 heap snapshot holds, by what the objects are: each object and closure by its
// constructor's name, everything else (strings, arrays' backing stores, code, hidden internals)
// by its node type. Self sizes only: the bench compares two snapshots of one process, idle and
// after the load (both after a full collection), so the rows that grew name what the load left.
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

export interface HeapGroup {
  name: string;
  count: number;
  bytes: number;
}

export function heapByConstructor(path: string): Map<string, HeapGroup> {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = parsed.snapshot.meta.node_fields;
  const types = parsed.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, HeapGroup>();
  for (let i = 0; i < parsed.nodes.length; i += stride) {
    const type = types[parsed.nodes[i + typeAt]!]!;
    const name =
      type === 'object' || type === 'closure' ? parsed.strings[parsed.nodes[i + nameAt]!]! : `(${type})`;
    const group = groups.get(name) ?? { name, count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += parsed.nodes[i + sizeAt]!;
    groups.set(name, group);
  }
  return groups;
}

/** The groups that grew most from `before` to `after`, largest growth first. */
export function heapGrowth(before: string, after: string, top = 15) {
  const idle = heapByConstructor(before);
  const loaded = heapByConstructor(after);
  return [...loaded.values()]
    .map((group) => {
      const was = idle.get(group.name) ?? { count: 0, bytes: 0 };
      return {
        name: group.name,
        idleBytes: was.bytes,
        afterBytes: group.bytes,
        grewBytes: group.bytes - was.bytes,
        grewCount: group.count - was.count,
      };
    })
    .sort((a, b) => b.grewBytes - a.grewBytes)
    .slice(0, top);
}
