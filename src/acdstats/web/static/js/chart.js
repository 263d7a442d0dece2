// Charts with uPlot (vendored, see vendor/uplot/VERSION). Every chart sits beside a table of
// the same numbers, so nothing is only in pixels.
import { h } from "./dom.js";

export const COLORS = {
  bars: "#2f6db3",
  barsFill: "rgba(47, 109, 179, 0.35)",
  line: "#b4410c",
  series: ["#2f6db3", "#b4410c", "#1f7a4d", "#7b3fa0", "#8a6d00"],
};

const ORDINAL_STEPS = [1, 2, 3, 4, 6, 7, 12, 14, 24, 28, 48, 56, 96, 168];

function sizeOf(el) {
  return { width: Math.max(320, el.clientWidth || 640), height: 260 };
}

// uPlot needs its element in the document to measure it: draw once it is attached.
function mount(holder, build) {
  const draw = () => {
    const plot = build(sizeOf(holder));
    const observer = new ResizeObserver(() => plot.setSize(sizeOf(holder)));
    observer.observe(holder);
  };
  if (!globalThis.uPlot) {
    holder.append(h("p", { class: "notice notice-error" }, "The chart library did not load."));
    return holder;
  }
  requestAnimationFrame(function wait() {
    if (holder.isConnected) draw();
    else requestAnimationFrame(wait);
  });
  return holder;
}

function xAxis(labels) {
  return {
    values: (u, splits) => splits.map((i) => labels[i] ?? ""),
    incrs: ORDINAL_STEPS,
    space: 60,
    stroke: "#333",
    grid: { stroke: "#e3e6ea" },
    ticks: { stroke: "#c9ced6" },
  };
}

// Bars (counts, left axis) and a line (a percent 0..100, right axis) over ordinal buckets.
export function barsAndLine({ title, labels, bars, line }) {
  const holder = h("div", { class: "chart", role: "img", "aria-label": title });
  return mount(holder, (size) => {
    const xs = labels.map((_, i) => i);
    const opts = {
      ...size,
      scales: {
        x: { time: false, range: (u, min, max) => [min - 0.6, max + 0.6] },
        n: { range: (u, min, max) => [0, Math.max(1, max) * 1.1] },
        pct: { range: [0, 100] },
      },
      axes: [
        xAxis(labels),
        { scale: "n", stroke: "#333", grid: { stroke: "#e3e6ea" }, label: bars.label, size: 60 },
        { scale: "pct", side: 1, stroke: "#333", grid: { show: false }, label: line.label,
          values: (u, splits) => splits.map((v) => `${v}%`), size: 60 },
      ],
      series: [
        { label: "When", value: (u, i) => labels[i] ?? "" },
        { label: bars.label, scale: "n", stroke: COLORS.bars, fill: COLORS.barsFill, width: 1,
          paths: uPlot.paths.bars({ size: [0.7, 48] }), points: { show: false } },
        { label: line.label, scale: "pct", stroke: COLORS.line, width: 2,
          value: (u, v) => (v === null || v === undefined ? "—" : `${v}%`), spanGaps: false },
      ],
      legend: { live: true },
    };
    return new uPlot(opts, [xs, bars.values, line.values], holder);
  });
}

// Several lines of durations in hours over ordinal buckets.
export function lines({ title, labels, series, unit = "h" }) {
  const holder = h("div", { class: "chart", role: "img", "aria-label": title });
  return mount(holder, (size) => {
    const xs = labels.map((_, i) => i);
    const opts = {
      ...size,
      scales: { x: { time: false, range: (u, min, max) => [min - 0.5, max + 0.5] },
                y: { range: (u, min, max) => [0, Math.max(0.1, max) * 1.1] } },
      axes: [xAxis(labels), { stroke: "#333", grid: { stroke: "#e3e6ea" }, label: unit, size: 60 }],
      series: [
        { label: "When", value: (u, i) => labels[i] ?? "" },
        ...series.map((s, i) => ({ label: s.label, stroke: COLORS.series[i % COLORS.series.length],
                                   width: 2, value: (u, v) => (v === null || v === undefined ? "—" : v.toFixed(2)) })),
      ],
    };
    return new uPlot(opts, [xs, ...series.map((s) => s.values)], holder);
  });
}
