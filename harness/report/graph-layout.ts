import type { StateDefinition } from "../engine/types";

/**
 * A small layered (Sugiyama-style) layout of a state machine definition, enough to draw a ~10–40 state workflow
 * legibly without a graph library:
 *
 * 1. edges from `Next`, Choice rules and `Default`, `Catch` and the start/end markers;
 * 2. back edges (loops) found by a depth-first walk from `StartAt` that follows normal transitions before Catch
 *    transitions, so a poll loop's `CountPoll → WaitBeforePoll` is the back edge, not the main flow;
 * 3. layers by longest path over the remaining acyclic graph (plain BFS depth would put a Catch target next to the
 *    start: one Catch edge from the first state is a shortcut), so error handlers sink below the happy path;
 * 4. edges longer than one layer get dummy points, so they route around states instead of through them;
 * 5. order within layers by a few barycenter sweeps (Choice branches start side by side in rule order), positions
 *    by averaging neighbours and resolving overlaps;
 * 6. Map and Parallel states are boxes containing the layouts of their branches (recursively).
 *
 * The result is plain geometry; `graph-svg.ts` turns it into SVG.
 */

export type EdgeKind = "start" | "next" | "choice" | "default" | "catch" | "end";

export interface Point {
  x: number;
  y: number;
}

export interface LayoutNode {
  /** State name (unique in a state machine), or `⟨start⟩` / `⟨end⟩` markers of the top-level scope. */
  id: string;
  kind: "state" | "start" | "end";
  /** ASL state type (`Task`, `Choice`, …); `Start`/`End` for markers. */
  type: string;
  /** Second line: what the state does (`lambda:invoke`, `Wait 10s`, …). */
  detail: string;
  /** Centre. */
  x: number;
  y: number;
  w: number;
  h: number;
  layer: number;
  /** Map/Parallel: the layouts of its branches (Map has one), positioned relative to this node's top-left. */
  branches?: Array<{ layout: GraphLayout; dx: number; dy: number; title: string }>;
}

export interface LayoutEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  /** Short label drawn on the edge (Choice conditions, `Default`). */
  label?: string;
  /** Full text for a tooltip (the whole condition, the Catch's ErrorEquals). */
  title?: string;
  /** A loop: drawn from a lower layer back up. */
  back: boolean;
  /** Polyline the curve goes through, first point on `from`, last on `to`. */
  points: Point[];
  /** Tangent at each point, to draw smooth curves: `v` vertical, `h` horizontal. */
  tangents: Array<"v" | "h">;
  /** Where the label goes. */
  labelAt?: Point;
}

export interface GraphLayout {
  width: number;
  height: number;
  nodes: LayoutNode[];
  edges: LayoutEdge[];
}

/** Geometry constants, exported so the SVG renderer uses the same metrics. */
export const METRICS = {
  nameFont: 13,
  detailFont: 11,
  /** Approximate advance of a monospace glyph, as a fraction of the font size. */
  charWidth: 0.62,
  nodeHeight: 46,
  padX: 14,
  layerGap: 58,
  nodeGap: 36,
  dummyWidth: 10,
  margin: 24,
  markerSize: 22,
  branchHeader: 34,
  branchPad: 14,
  labelFont: 10,
} as const;

export const START_ID = "⟨start⟩";
export const END_ID = "⟨end⟩";

interface Scope {
  StartAt: string;
  States: Record<string, StateDefinition>;
}

interface WorkEdge {
  from: string;
  to: string;
  kind: EdgeKind;
  label?: string;
  title?: string;
  back: boolean;
}

interface WorkNode {
  id: string;
  kind: "state" | "start" | "end" | "dummy";
  type: string;
  detail: string;
  w: number;
  h: number;
  /** Width reserved for spacing (a label drawn above it can be wider than the node). */
  space: number;
  layer: number;
  order: number;
  x: number;
  branches?: LayoutNode["branches"];
}

const textWidth = (s: string, font: number) => Math.ceil(s.length * font * METRICS.charWidth);

/** Lays out a definition (or a branch of one). `markers` adds the start and end circles (top level only). */
export function layoutDefinition(def: Scope, options: { markers?: boolean } = {}): GraphLayout {
  const markers = options.markers ?? true;
  const states = def.States && typeof def.States === "object" ? def.States : {};
  const names = Object.keys(states);
  const nodes = new Map<string, WorkNode>();

  for (const name of names) {
    const s = states[name]!;
    const detail = describeState(s);
    const branchLayouts = nestedScopes(s).map((b) => ({
      layout: layoutDefinition(b.scope, { markers: false }),
      title: b.title,
    }));
    let w =
      Math.max(textWidth(name, METRICS.nameFont), textWidth(`${s.Type} · ${detail}`, METRICS.detailFont)) +
      2 * METRICS.padX;
    let h: number = METRICS.nodeHeight;
    let branches: LayoutNode["branches"];
    if (branchLayouts.length > 0) {
      const inner =
        branchLayouts.reduce((n, b) => n + b.layout.width, 0) + METRICS.branchPad * (branchLayouts.length + 1);
      const innerH = Math.max(...branchLayouts.map((b) => b.layout.height)) + 16;
      w = Math.max(w, inner);
      h = METRICS.branchHeader + innerH + METRICS.branchPad;
      let dx = (w - inner) / 2 + METRICS.branchPad;
      branches = branchLayouts.map((b) => {
        const placed = { layout: b.layout, dx, dy: METRICS.branchHeader + 16, title: b.title };
        dx += b.layout.width + METRICS.branchPad;
        return placed;
      });
    }
    nodes.set(name, {
      id: name,
      kind: "state",
      type: String(s.Type),
      detail,
      w,
      h,
      space: w,
      layer: 0,
      order: 0,
      x: 0,
      ...(branches ? { branches } : {}),
    });
  }
  const start = def.StartAt;
  if (markers) {
    const m = METRICS.markerSize;
    nodes.set(START_ID, {
      id: START_ID,
      kind: "start",
      type: "Start",
      detail: "",
      w: m,
      h: m,
      space: m,
      layer: 0,
      order: 0,
      x: 0,
    });
    nodes.set(END_ID, {
      id: END_ID,
      kind: "end",
      type: "End",
      detail: "",
      w: m,
      h: m,
      space: m,
      layer: 0,
      order: 0,
      x: 0,
    });
  }

  // 1. Edges, merged per (from, to, kind).
  const edges: WorkEdge[] = [];
  const add = (from: string, to: unknown, kind: EdgeKind, label?: string, title?: string) => {
    if (typeof to !== "string" || !nodes.has(to) || !nodes.has(from)) return;
    const same = edges.find((e) => e.from === from && e.to === to && e.kind === kind);
    if (same) {
      if (label) same.label = same.label ? `${same.label} | ${label}` : label;
      if (title) same.title = same.title ? `${same.title}\n${title}` : title;
      return;
    }
    edges.push({ from, to, kind, ...(label ? { label } : {}), ...(title ? { title } : {}), back: false });
  };
  if (markers) add(START_ID, start, "start");
  for (const name of names) {
    const s = states[name]!;
    if (s.Type === "Choice") {
      for (const rule of Array.isArray(s.Choices) ? (s.Choices as Array<Record<string, unknown>>) : []) {
        const full = describeCondition(rule);
        add(name, rule.Next, "choice", full, full);
      }
      add(name, s.Default, "default", "Default", "Default: no rule matched");
    } else {
      add(name, s.Next, "next");
    }
    for (const c of Array.isArray(s.Catch) ? (s.Catch as Array<Record<string, unknown>>) : []) {
      const errs = Array.isArray(c.ErrorEquals) ? (c.ErrorEquals as unknown[]).join(", ") : "?";
      add(name, c.Next, "catch", undefined, `Catch [${errs}]`);
    }
    if (markers && (s.End === true || s.Type === "Succeed" || s.Type === "Fail")) add(name, END_ID, "end");
  }

  // An end marker nothing reaches (a machine that never ends) is left out.
  if (nodes.has(END_ID) && !edges.some((e) => e.to === END_ID)) nodes.delete(END_ID);

  // 2. Back edges: DFS, normal transitions first, catches last; roots = start, then the rest in definition order.
  const outgoing = new Map<string, WorkEdge[]>();
  for (const e of edges) outgoing.set(e.from, [...(outgoing.get(e.from) ?? []), e]);
  for (const list of outgoing.values()) list.sort((a, b) => kindRank(a.kind) - kindRank(b.kind));
  const stateOf = new Map<string, 1 | 2>();
  const discovery: string[] = [];
  const dfs = (root: string) => {
    const stack: Array<{ id: string; i: number }> = [{ id: root, i: 0 }];
    stateOf.set(root, 1);
    discovery.push(root);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const out = outgoing.get(top.id) ?? [];
      if (top.i >= out.length) {
        stateOf.set(top.id, 2);
        stack.pop();
        continue;
      }
      const e = out[top.i++]!;
      const st = stateOf.get(e.to);
      if (st === 1) e.back = true;
      else if (st === undefined) {
        stateOf.set(e.to, 1);
        discovery.push(e.to);
        stack.push({ id: e.to, i: 0 });
      }
    }
  };
  const roots = [markers ? START_ID : start, ...names, ...(markers ? [END_ID] : [])];
  for (const r of roots) if (nodes.has(r) && !stateOf.has(r)) dfs(r);

  // 3. Longest-path layers over forward edges (Kahn order).
  const forward = edges.filter((e) => !e.back && e.from !== e.to);
  const indeg = new Map<string, number>([...nodes.keys()].map((k) => [k, 0]));
  for (const e of forward) indeg.set(e.to, (indeg.get(e.to) ?? 0) + 1);
  const queue = discovery.filter((id) => indeg.get(id) === 0);
  const rank = new Map(discovery.map((id, i) => [id, i]));
  while (queue.length > 0) {
    const id = queue.shift()!;
    const n = nodes.get(id)!;
    for (const e of forward.filter((f) => f.from === id)) {
      const t = nodes.get(e.to)!;
      t.layer = Math.max(t.layer, n.layer + 1);
      indeg.set(e.to, indeg.get(e.to)! - 1);
      if (indeg.get(e.to) === 0) {
        queue.push(e.to);
        queue.sort((a, b) => rank.get(a)! - rank.get(b)!);
      }
    }
  }
  // The end marker sits one layer below the lowest state that ends.

  // 4. Dummy nodes along edges spanning more than one layer (back edges: along the reversed direction).
  const chains = new Map<WorkEdge, WorkNode[]>();
  let dummyCount = 0;
  for (const e of edges) {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    const lo = Math.min(a.layer, b.layer);
    const hi = Math.max(a.layer, b.layer);
    const chain: WorkNode[] = [];
    for (let l = lo + 1; l < hi; l++) {
      const d: WorkNode = {
        id: `⟨d${dummyCount++}⟩`,
        kind: "dummy",
        type: "",
        detail: "",
        w: METRICS.dummyWidth,
        h: 0,
        space: METRICS.dummyWidth,
        layer: l,
        order: 0,
        x: 0,
      };
      nodes.set(d.id, d);
      chain.push(d);
    }
    // Chains run top to bottom; a forward edge goes down, a back edge up.
    chains.set(e, chain);
  }
  // Choice labels are drawn above their target: reserve their width.
  for (const e of edges) {
    if (!e.label || e.back) continue;
    const t = nodes.get(e.to)!;
    t.space = Math.max(t.space, textWidth(truncateLabel(e.label), METRICS.labelFont) + 8);
  }

  // Layer lists and neighbour lists over unit-length segments.
  const layerCount = Math.max(0, ...[...nodes.values()].map((n) => n.layer)) + 1;
  const layers: WorkNode[][] = Array.from({ length: layerCount }, () => []);
  const up = new Map<string, string[]>();
  const down = new Map<string, string[]>();
  const link = (hiId: string, loId: string) => {
    down.set(hiId, [...(down.get(hiId) ?? []), loId]);
    up.set(loId, [...(up.get(loId) ?? []), hiId]);
  };
  for (const e of edges) {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    const [top, bottom] = a.layer <= b.layer ? [a, b] : [b, a];
    if (top.layer === bottom.layer) continue;
    const ids = [top.id, ...chains.get(e)!.map((d) => d.id), bottom.id];
    for (let i = 0; i + 1 < ids.length; i++) link(ids[i]!, ids[i + 1]!);
  }
  const seen = new Set<string>();
  const place = (id: string) => {
    if (seen.has(id)) return;
    seen.add(id);
    const n = nodes.get(id)!;
    layers[n.layer]!.push(n);
    for (const d of down.get(id) ?? []) place(d);
  };
  for (const id of discovery) place(id);
  for (const id of nodes.keys()) place(id);
  layers.forEach((l) => l.forEach((n, i) => (n.order = i)));

  // 5a. Ordering: barycenter sweeps, keeping the order with the fewest crossings.
  const crossings = () => {
    let c = 0;
    for (let l = 0; l + 1 < layerCount; l++) {
      const segs: Array<[number, number]> = [];
      for (const n of layers[l]!) for (const d of down.get(n.id) ?? []) segs.push([n.order, nodes.get(d)!.order]);
      for (let i = 0; i < segs.length; i++)
        for (let j = i + 1; j < segs.length; j++) {
          const [a1, b1] = segs[i]!;
          const [a2, b2] = segs[j]!;
          if ((a1 - a2) * (b1 - b2) < 0) c++;
        }
    }
    return c;
  };
  const snapshot = () => layers.map((l) => l.map((n) => n.id));
  let best = { cost: crossings(), order: snapshot() };
  for (let iter = 0; iter < 8; iter++) {
    const downward = iter % 2 === 0;
    const seq = downward ? [...layers.keys()].slice(1) : [...layers.keys()].reverse().slice(1);
    for (const l of seq) {
      const layer = layers[l]!;
      const bary = new Map<WorkNode, number>();
      for (const n of layer) {
        const nb = (downward ? up.get(n.id) : down.get(n.id)) ?? [];
        bary.set(n, nb.length > 0 ? nb.reduce((s, id) => s + nodes.get(id)!.order, 0) / nb.length : n.order);
      }
      layer.sort((a, b) => bary.get(a)! - bary.get(b)! || a.order - b.order);
      layer.forEach((n, i) => (n.order = i));
    }
    const cost = crossings();
    if (cost < best.cost) best = { cost, order: snapshot() };
  }
  best.order.forEach((ids, l) => {
    layers[l] = ids.map((id) => nodes.get(id)!);
    layers[l]!.forEach((n, i) => (n.order = i));
  });

  // 5b. x positions: pack, then pull towards neighbours (down and up sweeps), resolving overlaps.
  const gapBetween = (a: WorkNode, b: WorkNode) =>
    a.space / 2 + b.space / 2 + (a.kind === "dummy" || b.kind === "dummy" ? METRICS.nodeGap / 2.5 : METRICS.nodeGap);
  const resolve = (layer: WorkNode[], desired: number[]) => {
    const n = layer.length;
    const left = [...desired];
    for (let i = 1; i < n; i++) left[i] = Math.max(left[i]!, left[i - 1]! + gapBetween(layer[i - 1]!, layer[i]!));
    const right = [...desired];
    for (let i = n - 2; i >= 0; i--)
      right[i] = Math.min(right[i]!, right[i + 1]! - gapBetween(layer[i]!, layer[i + 1]!));
    const mid = left.map((v, i) => (v + right[i]!) / 2);
    for (let i = 1; i < n; i++) mid[i] = Math.max(mid[i]!, mid[i - 1]! + gapBetween(layer[i - 1]!, layer[i]!));
    layer.forEach((node, i) => (node.x = mid[i]!));
  };
  for (const layer of layers) {
    let x = 0;
    layer.forEach((n, i) => {
      if (i > 0) x += gapBetween(layer[i - 1]!, n);
      n.x = x;
    });
    const shift = -x / 2;
    layer.forEach((n) => (n.x += shift));
  }
  for (let iter = 0; iter < 6; iter++) {
    const downward = iter % 2 === 0;
    const seq = downward ? [...layers.keys()].slice(1) : [...layers.keys()].reverse().slice(1);
    for (const l of seq) {
      const layer = layers[l]!;
      const desired = layer.map((n) => {
        const nb = [
          ...((downward ? up.get(n.id) : down.get(n.id)) ?? []),
          ...(iter >= 2 ? ((downward ? down.get(n.id) : up.get(n.id)) ?? []) : []),
        ];
        return nb.length > 0 ? nb.reduce((s, id) => s + nodes.get(id)!.x, 0) / nb.length : n.x;
      });
      resolve(layer, desired);
    }
  }

  // 5c. y positions: one row per layer, as tall as its tallest node.
  const rowHeight = layers.map((l) => Math.max(0, ...l.map((n) => n.h)));
  const rowTop: number[] = [];
  let y = METRICS.margin;
  for (let l = 0; l < layerCount; l++) {
    rowTop.push(y);
    y += rowHeight[l]! + METRICS.layerGap;
  }
  const cy = (n: WorkNode) => rowTop[n.layer]! + rowHeight[n.layer]! / 2;
  const minX = Math.min(...[...nodes.values()].map((n) => n.x - n.space / 2));
  const maxX = Math.max(...[...nodes.values()].map((n) => n.x + n.space / 2));
  const backCount = edges.filter((e) => e.back).length;
  const dx = METRICS.margin - minX;
  for (const n of nodes.values()) n.x += dx;
  const width = Math.ceil(maxX - minX + 2 * METRICS.margin + (backCount > 0 ? 40 : 0));
  const height = Math.ceil(y - METRICS.layerGap + METRICS.margin);

  // 6. Edge geometry.
  const ports = new Map<string, { out: WorkEdge[]; in: WorkEdge[] }>();
  for (const e of edges) {
    if (e.back || e.from === e.to) continue;
    ports.set(e.from, { out: [...(ports.get(e.from)?.out ?? []), e], in: ports.get(e.from)?.in ?? [] });
    ports.set(e.to, { out: ports.get(e.to)?.out ?? [], in: [...(ports.get(e.to)?.in ?? []), e] });
  }
  const firstHop = (e: WorkEdge, from: "from" | "to") => {
    const chain = chains.get(e)!;
    const hop = from === "from" ? (chain[0] ?? nodes.get(e.to)!) : (chain[chain.length - 1] ?? nodes.get(e.from)!);
    return hop.x;
  };
  const portX = (n: WorkNode, list: WorkEdge[], e: WorkEdge, side: "out" | "in") => {
    if (list.length <= 1 || n.kind !== "state") return n.x;
    const sorted = [...list].sort(
      (a, b) => firstHop(a, side === "out" ? "from" : "to") - firstHop(b, side === "out" ? "from" : "to"),
    );
    const i = sorted.indexOf(e);
    const usable = Math.min(n.w - 24, 24 * (list.length - 1));
    return n.x - usable / 2 + (usable * i) / (list.length - 1);
  };
  const out: LayoutEdge[] = [];
  let loopIndex = 0;
  for (const e of edges) {
    const a = nodes.get(e.from)!;
    const b = nodes.get(e.to)!;
    const chain = chains.get(e)!;
    let points: Point[];
    let tangents: Array<"v" | "h">;
    if (!e.back && a.layer < b.layer) {
      const p = ports.get(e.from)!;
      const q = ports.get(e.to)!;
      points = [
        { x: portX(a, p.out, e, "out"), y: cy(a) + a.h / 2 },
        ...chain.map((d) => ({ x: d.x, y: cy(d) })),
        { x: portX(b, q.in, e, "in"), y: cy(b) - b.h / 2 },
      ];
      tangents = points.map(() => "v");
    } else if (e.from === e.to) {
      const x = a.x + a.w / 2;
      points = [
        { x, y: cy(a) - 8 },
        { x: x + 26, y: cy(a) },
        { x, y: cy(a) + 8 },
      ];
      tangents = ["h", "v", "h"];
    } else {
      // A loop (or a same-layer edge): leave and enter by the sides facing the route, curve through the dummies.
      loopIndex++;
      const route = [...chain].reverse(); // bottom-up
      const via =
        route.length > 0 ? route.map((d) => d.x) : [Math.max(a.x + a.w / 2, b.x + b.w / 2) + 30 + 14 * loopIndex];
      const right = via[0]! >= a.x;
      const sx = right ? a.x + a.w / 2 : a.x - a.w / 2;
      const lastVia = via[via.length - 1]!;
      const tx = lastVia >= b.x ? b.x + b.w / 2 : b.x - b.w / 2;
      if (route.length > 0) {
        points = [{ x: sx, y: cy(a) }, ...route.map((d) => ({ x: d.x, y: cy(d) })), { x: tx, y: cy(b) }];
      } else {
        points = [
          { x: sx, y: cy(a) },
          { x: lastVia, y: (cy(a) + cy(b)) / 2 },
          { x: tx, y: cy(b) },
        ];
      }
      tangents = points.map((_, i) => (i === 0 || i === points.length - 1 ? "h" : "v"));
    }
    const last = points[points.length - 1]!;
    const labelAt =
      e.label && !e.back
        ? { x: last.x, y: last.y - 14 }
        : e.label
          ? { x: points[1]?.x ?? last.x, y: points[1]?.y ?? last.y }
          : undefined;
    out.push({
      from: e.from,
      to: e.to,
      kind: e.kind,
      ...(e.label ? { label: e.label } : {}),
      ...(e.title ? { title: e.title } : {}),
      back: e.back,
      points,
      tangents,
      ...(labelAt ? { labelAt } : {}),
    });
  }

  const laidOut: LayoutNode[] = [...nodes.values()]
    .filter((n) => n.kind !== "dummy")
    .map((n) => ({
      id: n.id,
      kind: n.kind as LayoutNode["kind"],
      type: n.type,
      detail: n.detail,
      x: n.x,
      y: cy(n),
      w: n.w,
      h: n.h,
      layer: n.layer,
      ...(n.branches ? { branches: n.branches } : {}),
    }));
  const rightmost = Math.max(0, ...out.flatMap((e) => e.points.map((p) => p.x)));
  return { width: Math.max(width, Math.ceil(rightmost + METRICS.margin)), height, nodes: laidOut, edges: out };
}

function kindRank(k: EdgeKind): number {
  return k === "catch" ? 2 : k === "end" ? 3 : k === "default" ? 1 : 0;
}

/** Branch scopes of a Map (ItemProcessor / Iterator) or Parallel (Branches) state. */
function nestedScopes(s: StateDefinition): Array<{ scope: Scope; title: string }> {
  const ok = (v: unknown): v is Scope =>
    v !== null &&
    typeof v === "object" &&
    typeof (v as Scope).StartAt === "string" &&
    typeof (v as Scope).States === "object";
  if (s.Type === "Map") {
    const p = s.ItemProcessor ?? s.Iterator;
    return ok(p) ? [{ scope: p, title: "each item" }] : [];
  }
  if (s.Type === "Parallel" && Array.isArray(s.Branches)) {
    return (s.Branches as unknown[]).filter(ok).map((b, i) => ({ scope: b, title: `branch ${i + 1}` }));
  }
  return [];
}

/** What a state does, in a few words: `lambda:invoke`, `athena:getQueryExecution`, `10s`, `2 branches`. */
export function describeState(s: StateDefinition): string {
  switch (s.Type) {
    case "Task": {
      const r = typeof s.Resource === "string" ? s.Resource : "";
      const integration = /^arn:[^:]+:states:::(?:aws-sdk:)?(.+)$/.exec(r);
      if (integration) return integration[1]!;
      const fn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:(.+)$/.exec(r);
      if (fn) return `λ ${fn[1]}`;
      const act = /^arn:[^:]+:states:[^:]*:[^:]*:activity:(.+)$/.exec(r);
      if (act) return `activity ${act[1]}`;
      return r || "task";
    }
    case "Wait":
      if (s.Seconds !== undefined) return `${typeof s.Seconds === "number" ? `${s.Seconds}s` : String(s.Seconds)}`;
      if (s.Timestamp !== undefined) return `until ${String(s.Timestamp)}`;
      return String(s.SecondsPath ?? s.TimestampPath ?? "wait");
    case "Choice": {
      const n = Array.isArray(s.Choices) ? s.Choices.length : 0;
      return `${n} rule${n === 1 ? "" : "s"}${s.Default ? " + default" : ""}`;
    }
    case "Map": {
      const mode = (s.ItemProcessor as { ProcessorConfig?: { Mode?: string } } | undefined)?.ProcessorConfig?.Mode;
      return mode === "DISTRIBUTED" ? "distributed" : "inline";
    }
    case "Parallel": {
      const n = Array.isArray(s.Branches) ? s.Branches.length : 0;
      return `${n} branch${n === 1 ? "" : "es"}`;
    }
    case "Fail":
      return typeof s.Error === "string" ? s.Error : typeof s.ErrorPath === "string" ? s.ErrorPath : "fail";
    case "Pass":
      return s.Result !== undefined
        ? "result"
        : s.Parameters !== undefined || s.Output !== undefined
          ? "transform"
          : "pass";
    case "Succeed":
      return "succeed";
    default:
      return "";
  }
}

const OPS: Array<[RegExp, string]> = [
  [/^(String|Numeric|Boolean|Timestamp)Equals(Path)?$/, "=="],
  [/^(String|Numeric|Timestamp)LessThanEquals(Path)?$/, "<="],
  [/^(String|Numeric|Timestamp)LessThan(Path)?$/, "<"],
  [/^(String|Numeric|Timestamp)GreaterThanEquals(Path)?$/, ">="],
  [/^(String|Numeric|Timestamp)GreaterThan(Path)?$/, ">"],
  [/^StringMatches$/, "~"],
];

/** A Choice rule as a short readable condition: `State == "SUCCEEDED"`, `State ∈ {QUEUED, RUNNING} & PollCount >= 60`. */
export function describeCondition(rule: Record<string, unknown>): string {
  if (typeof rule.Condition === "string") return rule.Condition.replace(/^\{%\s*|\s*%\}$/g, "");
  if (Array.isArray(rule.Or)) {
    const kids = rule.Or as Array<Record<string, unknown>>;
    const set = equalitySet(kids);
    return set ?? kids.map((k) => wrap(describeCondition(k))).join(" | ");
  }
  if (Array.isArray(rule.And))
    return (rule.And as Array<Record<string, unknown>>).map((k) => wrap(describeCondition(k))).join(" & ");
  if (rule.Not && typeof rule.Not === "object")
    return `!${wrap(describeCondition(rule.Not as Record<string, unknown>))}`;
  const v = shortPath(String(rule.Variable ?? "?"));
  for (const [k, val] of Object.entries(rule)) {
    if (k === "Variable" || k === "Next") continue;
    for (const [re, op] of OPS)
      if (re.test(k)) return `${v} ${op} ${k.endsWith("Path") ? shortPath(String(val)) : JSON.stringify(val)}`;
    if (k === "IsPresent") return val ? `${v} present` : `${v} absent`;
    if (k === "IsNull") return val ? `${v} is null` : `${v} not null`;
    if (/^Is(String|Numeric|Boolean|Timestamp)$/.test(k))
      return `${v} ${val ? "is" : "not"} ${k.slice(2).toLowerCase()}`;
  }
  return "rule";
}

function equalitySet(kids: Array<Record<string, unknown>>): string | undefined {
  if (kids.length < 2) return undefined;
  const vars = new Set(kids.map((k) => k.Variable));
  if (vars.size !== 1 || kids.some((k) => Object.keys(k).length !== 2 || k.StringEquals === undefined))
    return undefined;
  return `${shortPath(String(kids[0]!.Variable))} ∈ {${kids.map((k) => String(k.StringEquals)).join(", ")}}`;
}

function wrap(s: string): string {
  return / [|&] /.test(s) ? `(${s})` : s;
}

/** `$.queryStatus.State` → `State`: the last segment reads best on a small label; the tooltip keeps the rest. */
function shortPath(p: string): string {
  const m = /([A-Za-z_$][\w$]*)(?:\[[^\]]*\])?$/.exec(p);
  return m ? m[1]! : p;
}

/** Labels longer than this are cut on the graph (the full text stays in the tooltip). */
export const MAX_LABEL = 34;

export function truncateLabel(s: string): string {
  return s.length > MAX_LABEL ? `${s.slice(0, MAX_LABEL - 1)}…` : s;
}
