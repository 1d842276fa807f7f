// The chart of what the client saw around each failover, as plain SVG: one panel per
// protocol and event (each with its own time axis, since CARP takes seconds and VRRP at
// 50 ms a tenth of one), one lane per trial, green where replies came, the outage
// outlined in red, the event at 0. Pure (unit-tested).
import { replyRuns } from './outage.js';

export interface Lane {
  label: string;
  /** Reply times relative to the event, ms. */
  replies: readonly number[];
  outage?: { from: number; to: number; ms: number };
  /** Shown instead of an outage when the trial failed. */
  error?: string;
}

export interface Panel {
  title: string;
  fromMs: number;
  toMs: number;
  lanes: readonly Lane[];
  /** Vertical reference lines, e.g. the protocol's Master_Down_Interval. */
  marks?: readonly { ms: number; label: string }[];
}

const WIDTH = 1000;
const LABEL_W = 310;
const RIGHT_PAD = 20;
const PLOT_W = WIDTH - LABEL_W - RIGHT_PAD;
const LANE_H = 12;
const LANE_GAP = 4;
const PANEL_HEAD = 26;
const AXIS_H = 26;
const PANEL_GAP = 16;
const TOP = 44;

export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** 1, 2 or 5 times a power of ten, giving about `ticks` intervals over the span. */
export function niceStep(span: number, ticks = 8): number {
  if (!(span > 0)) return 1;
  const raw = span / ticks;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

/** Seconds on a long axis (CARP), milliseconds on a short one (VRRP at 50 ms). */
export function formatTick(ms: number, step: number): string {
  if (step < 250) return `${Math.round(ms)} ms`;
  const decimals = step % 1000 === 0 ? 0 : step % 100 === 0 ? 1 : 2;
  return `${+(ms / 1000).toFixed(decimals)} s`;
}

/** The window a panel should show: a little before the event, a little past the latest outage. */
export function panelWindow(lanes: readonly Lane[], beforeMs = 200, afterMs = 200): { fromMs: number; toMs: number } {
  const ends = lanes.map((l) => l.outage?.to ?? 0);
  const last = Math.max(100, ...ends) + afterMs;
  const step = niceStep(last + beforeMs);
  return { fromMs: -beforeMs, toMs: Math.ceil(last / step) * step };
}

const f = (n: number): string => (Math.round(n * 10) / 10).toString();

function renderPanel(p: Panel, top: number): { svg: string[]; height: number } {
  const span = p.toMs - p.fromMs;
  const x = (ms: number): number => LABEL_W + ((Math.min(Math.max(ms, p.fromMs), p.toMs) - p.fromMs) / span) * PLOT_W;
  const msPerPx = span / PLOT_W;
  const out: string[] = [];
  const lanesTop = top + PANEL_HEAD;
  const lanesH = p.lanes.length * (LANE_H + LANE_GAP);
  out.push(`<text x="10" y="${top + 17}" class="title">${escapeXml(p.title)}</text>`);

  const step = niceStep(span);
  for (let t = Math.ceil(p.fromMs / step) * step; t <= p.toMs + 1e-9; t += step) {
    out.push(`<line x1="${f(x(t))}" y1="${lanesTop - 2}" x2="${f(x(t))}" y2="${lanesTop + lanesH}" class="grid"/>`);
    out.push(`<text x="${f(x(t))}" y="${lanesTop + lanesH + 14}" class="tick">${formatTick(t, step)}</text>`);
  }

  p.lanes.forEach((lane, i) => {
    const y = lanesTop + i * (LANE_H + LANE_GAP);
    out.push(`<text x="${LABEL_W - 8}" y="${y + LANE_H - 2}" class="label">${escapeXml(lane.label)}</text>`);
    out.push(`<rect x="${LABEL_W}" y="${y}" width="${PLOT_W}" height="${LANE_H}" class="lane"/>`);
    // Replies closer than a few pings or a pixel apart are drawn as one bar.
    for (const [a, b] of replyRuns(lane.replies.filter((t) => t >= p.fromMs && t <= p.toMs), Math.max(15, msPerPx))) {
      const x1 = x(a);
      out.push(`<rect x="${f(x1)}" y="${y}" width="${f(Math.max(1, x(b) - x1))}" height="${LANE_H}" class="reply"/>`);
    }
    if (lane.outage) {
      const x1 = x(lane.outage.from);
      const x2 = x(lane.outage.to);
      out.push(`<rect x="${f(x1)}" y="${y - 1}" width="${f(Math.max(1, x2 - x1))}" height="${LANE_H + 2}" class="gap"/>`);
      const text = `${Math.round(lane.outage.ms)} ms`;
      const room = x2 - x1 > 8 * text.length;
      out.push(`<text x="${f(room ? (x1 + x2) / 2 : x2 + 4)}" y="${y + LANE_H - 2}" class="${room ? 'gaptext mid' : 'gaptext'}">${text}</text>`);
    } else if (lane.error) {
      out.push(`<text x="${LABEL_W + 4}" y="${y + LANE_H - 2}" class="gaptext">${escapeXml(`failed: ${lane.error.split('\n')[0]!.slice(0, 90)}`)}</text>`);
    }
  });
  out.push(`<line x1="${f(x(0))}" y1="${lanesTop - 4}" x2="${f(x(0))}" y2="${lanesTop + lanesH}" class="event"/>`);
  for (const m of p.marks ?? []) {
    if (m.ms < p.fromMs || m.ms > p.toMs) continue;
    out.push(`<line x1="${f(x(m.ms))}" y1="${lanesTop - 4}" x2="${f(x(m.ms))}" y2="${lanesTop + lanesH}" class="mark"/>`);
    out.push(`<text x="${f(x(m.ms))}" y="${lanesTop - 6}" class="marktext">${escapeXml(m.label)}</text>`);
  }
  return { svg: out, height: PANEL_HEAD + lanesH + AXIS_H };
}

export function renderChart(title: string, subtitle: string, panels: readonly Panel[]): string {
  const body: string[] = [];
  let y = TOP;
  for (const p of panels) {
    const r = renderPanel(p, y);
    body.push(...r.svg);
    y += r.height + PANEL_GAP;
  }
  const height = y + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    '<style>',
    '.title{font-size:14px;font-weight:bold}.sub{font-size:11px;fill:#555}',
    '.label{font-size:11px;text-anchor:end}.tick{font-size:10px;fill:#555;text-anchor:middle}',
    '.lane{fill:#eee}.reply{fill:#2e9d4b}.gap{fill:none;stroke:#d33;stroke-width:1.5}',
    '.gaptext{font-size:10px;fill:#b00}.mid{text-anchor:middle}',
    '.mark{stroke:#36c;stroke-width:1;stroke-dasharray:2 2}.marktext{font-size:10px;fill:#36c;text-anchor:end}',
    '.grid{stroke:#ddd;stroke-width:1}.event{stroke:#000;stroke-width:1.5;stroke-dasharray:4 3}',
    '</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="18" class="title">${escapeXml(title)}</text>`,
    `<text x="10" y="34" class="sub">${escapeXml(subtitle)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
