// What the views share: the request window, answers taken apart, sections, error messages.
import { ApiError, MissingFeature, downloadCsv } from "../api.js";
import { h, notice } from "../dom.js";
import { addDays, percentOf } from "../format.js";

// The window of the URL's period as request parameters (local times with `timezone`).
export function windowParams(ctx) {
  const params = { from_date: `${ctx.period.from} 00:00:00`, to_date: `${ctx.period.to} 00:00:00` };
  if (ctx.features.timezone) params.timezone = ctx.zone;
  return params;
}

export function queueParam(ctx) {
  return ctx.queues ? { acd_queue_id: ctx.queues } : {};
}

// Trends are by hour for a day or two, else by day.
export function trendAggregation(ctx) {
  return ctx.period.days <= 2 ? "hour" : "day";
}

// Every bucket of the period in order (so that empty days show as zero in charts), with the
// label and key of each. API buckets that share a key (the repeated hour of a fall-back
// night) fall into one slot.
export function slots(ctx, aggregation) {
  const list = [];
  for (let d = ctx.period.from; d < ctx.period.to; d = addDays(d, 1)) {
    if (aggregation === "hour") {
      for (let hour = 0; hour < 24; hour++) {
        list.push({ key: `${d} ${hour}`, label: `${d.slice(5)} ${String(hour).padStart(2, "0")}h` });
      }
    } else {
      list.push({ key: d, label: d.slice(5) });
    }
  }
  return list;
}

export function slotKey(bucket) {
  return bucket.hour === undefined || bucket.hour === null ? bucket.date : `${bucket.date} ${bucket.hour}`;
}

export function bucketLabel(bucket) {
  let text = bucket.date || "";
  if (bucket.hour !== undefined && bucket.hour !== null) {
    text += `${text ? " " : ""}${String(bucket.hour).padStart(2, "0")}:00`;
  }
  if (bucket.utc_offset) text += ` (${bucket.utc_offset})`;
  return text;
}

// An item object's field, or null when the item is absent.
export function stat(record, item, field) {
  const value = record?.[item];
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return value;
  if (Array.isArray(value)) return value[0]?.[field] ?? null;
  return value[field] ?? null;
}

// The first service-level threshold of a queue record: {threshold, n, percent}. The server
// may send Voximplant's fraction (--service-level-as-fraction): shown as a percent too.
export function firstServiceLevel(record) {
  const sl = record?.SL?.[0];
  if (!sl) return null;
  const total = record.TC;
  const asPercent = percentOf(sl.call_count, total);
  const value = Number(sl.service_level);
  const percent = value === asPercent || !total ? value : Math.round(value * 10000) / 100;
  return { threshold: sl.acceptable_waiting_time, n: sl.call_count, percent };
}

export function section(title, ...content) {
  const id = `h-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return h("section", { class: "panel", "aria-labelledby": id }, h("h2", { id }, title), ...content);
}

export function problem(err) {
  if (err instanceof ApiError) {
    return notice(err.missingMethod ? "missing" : "error", err.explain());
  }
  if (err instanceof MissingFeature) return notice("missing", err.message);
  return notice("error", `Something went wrong on this page: ${err.message}`);
}

// A "Download CSV" button for the request behind a table.
export function csvButton(ctx, label, method, params, filename) {
  const status = h("span", { class: "csv-status", "aria-live": "polite" });
  const button = h(
    "button",
    {
      type: "button",
      class: "csv",
      "data-focus-key": `csv-${filename}`,
      onclick: async () => {
        status.textContent = "";
        status.className = "csv-status";
        button.disabled = true;
        try {
          await downloadCsv(ctx.session, method, params, filename);
          status.textContent = `Saved ${filename}`;
        } catch (err) {
          status.className = "csv-status csv-error";
          status.textContent = err instanceof ApiError ? err.explain() : err.message;
        } finally {
          button.disabled = false;
        }
      },
    },
    `Download CSV${label ? `: ${label}` : ""}`,
  );
  return h("div", { class: "csv-row" }, button, status);
}

export function fileStem(ctx) {
  return `${ctx.period.from}_${ctx.period.last}`;
}

// A small definition list of figures, e.g. under a chart.
export function tiles(items) {
  return h(
    "div",
    { class: "tiles" },
    items.map((item) =>
      h(
        "div",
        { class: "tile", "data-tile": item.key },
        h("div", { class: "tile-label" }, item.label),
        h("div", { class: "tile-value" }, item.value),
        h("div", { class: "tile-note" }, item.note || "\u00a0"),
      ),
    ),
  );
}
