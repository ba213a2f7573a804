import type { StateMachineDefinition } from "../engine/types";
import type { ExecutionTrace, TakenTransition } from "./execution-trace";
import {
  END_ID,
  layoutDefinition,
  METRICS,
  START_ID,
  truncateLabel,
  type GraphLayout,
  type LayoutEdge,
  type LayoutNode,
  type Point,
} from "./graph-layout";
import { escapeHtml } from "./html-escape";

/**
 * The state machine graph as inline SVG, with the executed path drawn over it: visited states and taken
 * transitions emphasised (classes `visited`, `taken`), visit counts on revisited states (`×4`), states an error
 * left in red (`failed`), retried states marked (`retried`), the state the execution ended in marked (`terminal`),
 * Catch edges dashed, loops as curved arrows, Map/Parallel as boxes around their branches. Styling is by class;
 * the page's stylesheet (`GRAPH_CSS`) gives the colours. Every text is escaped.
 */
export interface GraphSvgOptions {
  /** Prefix for element ids (markers), unique per SVG within one page. */
  idPrefix: string;
}

/** Renders `definition` with the path of `trace` (when given). */
export function renderGraphSvg(
  definition: StateMachineDefinition,
  trace: ExecutionTrace | undefined,
  options: GraphSvgOptions,
): string {
  const layout = layoutDefinition(definition, { markers: true });
  const id = (s: string) => `${options.idPrefix}-${s}`;
  const ctx: Ctx = { trace, id, transitions: trace?.transitions ?? [] };
  const defs =
    `<defs>` +
    (["plain", "taken", "caught", "dim"] as const)
      .map(
        (k) =>
          `<marker id="${escapeHtml(id(`arrow-${k}`))}" class="arrow arrow-${k}" viewBox="0 0 10 10" refX="9" refY="5" ` +
          `markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">` +
          `<path d="M0,0 L10,5 L0,10 z"/></marker>`,
      )
      .join("") +
    `</defs>`;
  return (
    `<svg class="graph" role="img" aria-label="state machine graph" width="${layout.width}" height="${layout.height}" ` +
    `viewBox="0 0 ${layout.width} ${layout.height}">` +
    defs +
    renderLayout(layout, ctx) +
    `</svg>`
  );
}

interface Ctx {
  trace: ExecutionTrace | undefined;
  id: (s: string) => string;
  transitions: TakenTransition[];
}

function renderLayout(layout: GraphLayout, ctx: Ctx): string {
  // Untaken edges first so taken ones are drawn on top.
  const edges = layout.edges.map((e) => ({ e, taken: takenCount(e, ctx, layout) }));
  edges.sort((a, b) => Number(a.taken > 0) - Number(b.taken > 0));
  return (
    `<g class="edges">${edges.map(({ e, taken }) => renderEdge(e, taken, ctx)).join("")}</g>` +
    `<g class="nodes">${layout.nodes.map((n) => renderNode(n, ctx)).join("")}</g>`
  );
}

function takenCount(e: LayoutEdge, ctx: Ctx, layout: GraphLayout): number {
  const t = ctx.trace;
  if (!t) return 0;
  if (e.kind === "start")
    return ctx.transitions.filter((x) => x.from === undefined && x.to === e.to).reduce((n, x) => n + x.count, 0);
  if (e.kind === "end") {
    return t.end && t.terminal === e.from && (t.end.status === "SUCCEEDED" || t.end.status === "FAILED") ? 1 : 0;
  }
  const between = ctx.transitions.filter((x) => x.from === e.from && x.to === e.to);
  const wantCatch = e.kind === "catch";
  const matching = between.filter((x) => x.viaCatch === wantCatch);
  // A transition whose kind we could not tell apart (no Catch edge, or only a Catch edge) still lights the edge.
  const other = between.filter((x) => x.viaCatch !== wantCatch);
  const hasOtherKind = layout.edges.some(
    (x) => x.from === e.from && x.to === e.to && (x.kind === "catch") !== wantCatch,
  );
  const fallback = hasOtherKind ? [] : other;
  return [...matching, ...fallback].reduce((n, x) => n + x.count, 0);
}

function renderEdge(e: LayoutEdge, taken: number, ctx: Ctx): string {
  const classes = ["edge", e.kind, e.back ? "back" : "", taken > 0 ? "taken" : "", e.kind === "catch" ? "catch" : ""]
    .filter(Boolean)
    .filter((c, i, a) => a.indexOf(c) === i);
  const marker = taken > 0 ? (e.kind === "catch" ? "caught" : "taken") : ctx.trace ? "dim" : "plain";
  const title =
    `${e.from === START_ID ? "start" : e.from} → ${e.to === END_ID ? "end" : e.to}` +
    (e.title ? `\n${e.title}` : "") +
    (taken > 0 ? `\ntaken ${taken}×` : "");
  let label = "";
  if (e.label && e.labelAt) {
    const text = truncateLabel(e.label);
    label =
      `<text class="edge-label" x="${r(e.labelAt.x)}" y="${r(e.labelAt.y)}" text-anchor="middle" ` +
      `font-size="${METRICS.labelFont}">${escapeHtml(text)}</text>`;
  }
  let count = "";
  if (taken > 1) {
    const m = midpoint(e.points);
    count = `<text class="edge-count" x="${r(m.x + 6)}" y="${r(m.y - 4)}" font-size="11">×${taken}</text>`;
  }
  return (
    `<g class="${classes.join(" ")}" data-from="${escapeHtml(e.from)}" data-to="${escapeHtml(e.to)}">` +
    `<title>${escapeHtml(title)}</title>` +
    `<path d="${pathOf(e)}" marker-end="url(#${escapeHtml(ctx.id(`arrow-${marker}`))})"/>` +
    label +
    count +
    `</g>`
  );
}

function renderNode(n: LayoutNode, ctx: Ctx): string {
  const x0 = n.x - n.w / 2;
  const y0 = n.y - n.h / 2;
  const t = ctx.trace;
  if (n.kind === "start" || n.kind === "end") {
    const taken = t
      ? n.kind === "start"
        ? t.visits.length > 0
        : t.end !== undefined && (t.end.status === "SUCCEEDED" || t.end.status === "FAILED") && t.terminal !== undefined
      : false;
    const rr = n.w / 2;
    const inner = n.kind === "end" ? `<circle cx="${r(n.x)}" cy="${r(n.y)}" r="${r(rr - 4)}" class="inner"/>` : "";
    return (
      `<g class="marker ${n.kind}${taken ? " taken" : ""}"><title>${n.kind}</title>` +
      `<circle cx="${r(n.x)}" cy="${r(n.y)}" r="${r(rr)}"/>${inner}` +
      `<text x="${r(n.x + rr + 6)}" y="${r(n.y + 4)}" class="marker-label">${n.kind === "start" ? "Start" : "End"}</text></g>`
    );
  }
  const s = t?.states.get(n.id);
  const visited = s !== undefined && s.visits > 0;
  const terminal = t?.terminal === n.id;
  const classes = [
    "node",
    `type-${n.type.toLowerCase().replace(/[^a-z0-9-]/g, "")}`,
    t ? (visited ? "visited" : "unvisited") : "",
    s?.failed ? "failed" : "",
    s?.retried ? "retried" : "",
    terminal ? "terminal" : "",
    n.branches ? "container" : "",
  ].filter(Boolean);
  const title = [
    `${n.id} (${n.type}${n.detail ? ` · ${n.detail}` : ""})`,
    s ? `entered ${s.visits}×` : t ? "not entered" : "",
    s && s.attempts > 0 ? `${s.attempts} attempt${s.attempts === 1 ? "" : "s"}, ${s.failedAttempts} failed` : "",
    ...failureLines(n.id, ctx),
    terminal && t?.end ? `execution ended here: ${t.end.status}` : "",
  ].filter(Boolean);
  const detail = `${n.type} · ${n.detail}`;
  let body: string;
  if (n.branches) {
    body =
      `<rect class="box" x="0" y="0" width="${r(n.w)}" height="${r(n.h)}" rx="10"/>` +
      `<text class="name" x="12" y="20" font-size="${METRICS.nameFont}">${escapeHtml(n.id)}</text>` +
      `<text class="detail" x="${r(n.w - 12)}" y="20" text-anchor="end" font-size="${METRICS.detailFont}">${escapeHtml(detail)}</text>` +
      n.branches
        .map(
          (b) =>
            `<g class="branch" transform="translate(${r(b.dx)},${r(b.dy)})">` +
            `<rect class="branch-box" x="0" y="-14" width="${r(b.layout.width)}" height="${r(b.layout.height + 14)}" rx="8"/>` +
            `<text class="branch-title" x="8" y="-3" font-size="10">${escapeHtml(b.title)}</text>` +
            renderLayout(b.layout, ctx) +
            `</g>`,
        )
        .join("");
  } else {
    body =
      `<rect class="box" x="0" y="0" width="${r(n.w)}" height="${r(n.h)}" rx="8"/>` +
      `<text class="name" x="${r(n.w / 2)}" y="19" text-anchor="middle" font-size="${METRICS.nameFont}">${escapeHtml(n.id)}</text>` +
      `<text class="detail" x="${r(n.w / 2)}" y="36" text-anchor="middle" font-size="${METRICS.detailFont}">${escapeHtml(detail)}</text>`;
  }
  if (s && s.visits > 1) {
    const label = `×${s.visits}`;
    const bw = label.length * 7 + 10;
    body +=
      `<g class="count" transform="translate(${r(n.w - bw / 2)},0)">` +
      `<rect x="${r(-bw / 2)}" y="-9" width="${bw}" height="18" rx="9"/>` +
      `<text x="0" y="4" text-anchor="middle" font-size="11">${escapeHtml(label)}</text></g>`;
  }
  if (terminal) {
    const status = t?.end?.status ?? "RUNNING";
    const label = `■ ${status === "SUCCEEDED" ? "end" : status.toLowerCase().replace("_", " ")}`;
    const bw = label.length * 6.5 + 12;
    body +=
      `<g class="end-badge" transform="translate(${r(n.w / 2)},${r(n.h)})">` +
      `<rect x="${r(-bw / 2)}" y="-2" width="${r(bw)}" height="16" rx="8"/>` +
      `<text x="0" y="10" text-anchor="middle" font-size="10">${escapeHtml(label)}</text></g>`;
  }
  return (
    `<g class="${classes.join(" ")}" data-state="${escapeHtml(n.id)}" transform="translate(${r(x0)},${r(y0)})">` +
    `<title>${escapeHtml(title.join("\n"))}</title>${body}</g>`
  );
}

function failureLines(name: string, ctx: Ctx): string[] {
  const t = ctx.trace;
  if (!t) return [];
  const failed = t.visits.filter(
    (v) => v.name === name && v.failed && (v.error !== undefined || v.cause !== undefined),
  );
  const last = failed[failed.length - 1];
  if (!last) return [];
  const cause =
    last.cause !== undefined ? ` — ${last.cause.length > 300 ? `${last.cause.slice(0, 299)}…` : last.cause}` : "";
  return [`error: ${last.error ?? "?"}${cause}`];
}

function pathOf(e: LayoutEdge): string {
  const p = e.points;
  if (p.length === 0) return "";
  let d = `M${r(p[0]!.x)},${r(p[0]!.y)}`;
  for (let i = 0; i + 1 < p.length; i++) {
    const a = p[i]!;
    const b = p[i + 1]!;
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const ta = dir(e.tangents[i] ?? "v", dx, dy);
    const tb = dir(e.tangents[i + 1] ?? "v", dx, dy);
    // Control arms along each tangent, as long as half the distance covered in that direction: S-curves between
    // layers without overshooting (a long arm on a flat, wide edge would loop back above its start).
    const ka = ta.x !== 0 ? Math.max(Math.abs(dx) * 0.5, 24) : Math.max(Math.abs(dy) * 0.5, 12);
    const kb = tb.x !== 0 ? Math.max(Math.abs(dx) * 0.5, 24) : Math.max(Math.abs(dy) * 0.5, 12);
    d +=
      ` C${r(a.x + ta.x * ka)},${r(a.y + ta.y * ka)} ${r(b.x - tb.x * kb)},${r(b.y - tb.y * kb)} ` +
      `${r(b.x)},${r(b.y)}`;
  }
  return d;
}

function dir(t: "v" | "h", dx: number, dy: number): Point {
  return t === "v" ? { x: 0, y: dy >= 0 ? 1 : -1 } : { x: dx >= 0 ? 1 : -1, y: 0 };
}

function midpoint(points: Point[]): Point {
  if (points.length % 2 === 1) return points[(points.length - 1) / 2]!;
  const a = points[points.length / 2 - 1]!;
  const b = points[points.length / 2]!;
  return { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
}

function r(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** The graph's stylesheet, for the page that embeds the SVG. */
export const GRAPH_CSS = `
svg.graph { max-width: 100%; height: auto; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
svg.graph .edge path { fill: none; stroke: #9aa5b4; stroke-width: 1.3; }
svg.graph .edge.catch path { stroke-dasharray: 6 4; }
svg.graph .edge.taken path { stroke: #1d5fd6; stroke-width: 2.8; }
svg.graph .edge.taken.catch path { stroke: #d03030; }
svg.graph .edge-label { fill: #4a5565; paint-order: stroke; stroke: #ffffff; stroke-width: 4px; stroke-linejoin: round; }
svg.graph .edge.taken .edge-label { fill: #1d3f8a; font-weight: 600; }
svg.graph .edge-count { fill: #1d5fd6; font-weight: 700; paint-order: stroke; stroke: #ffffff; stroke-width: 4px; stroke-linejoin: round; }
svg.graph .arrow-plain path { fill: #9aa5b4; }
svg.graph .arrow-dim path { fill: #b8c0cc; }
svg.graph .arrow-taken path { fill: #1d5fd6; }
svg.graph .arrow-caught path { fill: #d03030; }
svg.graph .node .box { fill: #ffffff; stroke: #8a94a3; stroke-width: 1.3; }
svg.graph .node.container > .box { fill: #fafbfc; }
svg.graph .node .name { font-weight: 700; fill: #1f2733; }
svg.graph .node .detail { fill: #5b6675; }
svg.graph .node.unvisited { opacity: 0.55; }
svg.graph .node.unvisited .box { stroke-dasharray: 3 3; }
svg.graph .node.visited > .box { fill: #e6efff; stroke: #1d5fd6; stroke-width: 2.4; }
svg.graph .node.retried > .box { stroke: #d98a00; }
svg.graph .node.failed > .box { fill: #fde7e7; stroke: #d03030; stroke-width: 2.6; }
svg.graph .node.failed .name { fill: #a01818; }
svg.graph .node.terminal > .box { stroke-width: 4; }
svg.graph .count rect { fill: #1d5fd6; }
svg.graph .count text { fill: #ffffff; font-weight: 700; }
svg.graph .end-badge rect { fill: #1f2733; }
svg.graph .node.failed .end-badge rect { fill: #d03030; }
svg.graph .end-badge text { fill: #ffffff; font-weight: 700; }
svg.graph .branch-box { fill: none; stroke: #c3cad4; stroke-dasharray: 4 3; }
svg.graph .branch-title { fill: #7a8594; }
svg.graph .marker circle { fill: #ffffff; stroke: #8a94a3; stroke-width: 1.5; }
svg.graph .marker.start circle { fill: #8a94a3; }
svg.graph .marker.taken circle { stroke: #1d5fd6; }
svg.graph .marker.start.taken circle { fill: #1d5fd6; }
svg.graph .marker.end.taken circle.inner { fill: #1d5fd6; }
svg.graph .marker-label { fill: #5b6675; font-size: 11px; }
`;
