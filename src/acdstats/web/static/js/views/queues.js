// Overview and Queues: the figures of GetACDQueueStatistics (and occupancy from the status
// statistics), the same tiles and trend for all queues or for one.
import { call, result, statusDetail } from "../api.js";
import { barsAndLine } from "../chart.js";
import { clear, h, notice } from "../dom.js";
import { count, duration, percent, percentOf, WEEKDAYS, weekday } from "../format.js";
import { href, replaceParams } from "../route.js";
import { table } from "../table.js";
import {
  bucketLabel, csvButton, fileStem, firstServiceLevel, problem, queueParam, section, slotKey,
  slots, stat, tiles, trendAggregation, windowParams,
} from "./common.js";

// The tiles of one queue record (the whole period), or of an empty period (null).
export function queueTiles(record, occupancy) {
  const tc = record?.TC ?? 0;
  const sl = firstServiceLevel(record);
  const abandoned = stat(record, "AT", "count") ?? 0;
  const items = [
    { key: "calls", label: "Calls", value: count(tc), note: `${count(stat(record, "AC", "count") ?? 0)} answered` },
    { key: "service-level", label: sl ? `Service level (${sl.threshold} s)` : "Service level",
      value: percent(sl && tc ? sl.percent : null),
      note: sl ? `${count(sl.n)} answered within ${sl.threshold} s` : "no calls" },
    { key: "asa", label: "Average speed of answer", value: duration(stat(record, "SA", "count") ? stat(record, "SA", "avg") : null),
      note: "from offer to answer" },
    { key: "wait", label: "Average wait", value: duration(tc ? stat(record, "WT", "avg") : null), note: "every call, in queue" },
    { key: "abandon", label: "Abandon rate", value: percent(percentOf(abandoned, tc)),
      note: `${count(abandoned)} ${abandoned === 1 ? "caller" : "callers"} gave up` },
    { key: "aht", label: "Average handling time", value: duration(stat(record, "HT", "count") ? stat(record, "HT", "avg") : null),
      note: "talk + after-call work" },
  ];
  if (occupancy !== undefined) items.push(occupancy);
  return tiles(items);
}

// Occupancy: in service + after service over logged-in time (every status but OFFLINE), all
// operators, from GetACDOperatorStatusStatistics group=aggregation, aggregation=none.
export function occupancyTile(statusAnswer) {
  const sums = {};
  for (const group of statusAnswer || []) {
    for (const record of group.statistics) {
      for (const [name, item] of Object.entries(statusDetail(record))) {
        sums[name] = (sums[name] ?? 0) + item.sum;
      }
    }
  }
  const busy = (sums.IN_SERVICE ?? 0) + (sums.AFTER_SERVICE ?? 0);
  const loggedIn = Object.entries(sums).filter(([name]) => name !== "OFFLINE").reduce((a, [, v]) => a + v, 0);
  return { key: "occupancy", label: "Occupancy", value: percent(percentOf(busy, loggedIn)),
           note: `${duration(busy)} busy of ${duration(loggedIn)} logged in` };
}

function trendSection(ctx, title, buckets, aggregation, params, filename) {
  const slotList = slots(ctx, aggregation);
  const at = new Map(slotList.map((slot, i) => [slot.key, i]));
  const calls = slotList.map(() => 0);
  const within = slotList.map(() => 0);
  for (const b of buckets) {
    const i = at.get(slotKey(b));
    if (i === undefined) continue;
    calls[i] += b.TC;
    within[i] += b.SL?.[0]?.call_count ?? 0;
  }
  const level = calls.map((n, i) => (n ? percentOf(within[i], n) : null));
  const threshold = buckets[0]?.SL?.[0]?.acceptable_waiting_time;
  const rows = buckets.map((b) => {
    const sl = firstServiceLevel(b);
    return { id: bucketLabel(b), TC: b.TC, AC: stat(b, "AC", "count"), SL: sl ? sl.percent : null,
             SA: stat(b, "SA", "count") ? stat(b, "SA", "avg") : null, WT: stat(b, "WT", "avg") };
  });
  return section(
    title,
    barsAndLine({ title: `${title}: calls and service level`, labels: slotList.map((s) => s.label),
                  bars: { label: "Calls", values: calls },
                  line: { label: threshold ? `Service level (${threshold} s)` : "Service level", values: level } }),
    csvButton(ctx, "", "GetACDQueueStatistics", params, filename),
    table({
      id: "trend-table", caption: `${title} (${ctx.periodText})`,
      columns: [
        { key: "id", label: aggregation === "hour" ? "Hour" : "Day", kind: "text", value: (r) => r.id },
        { key: "TC", label: "Calls", kind: "count", value: (r) => r.TC },
        { key: "AC", label: "Answered", kind: "count", value: (r) => r.AC },
        { key: "SL", label: threshold ? `SL ${threshold} s` : "SL", kind: "percent", value: (r) => r.SL },
        { key: "SA", label: "ASA", kind: "duration", value: (r) => r.SA },
        { key: "WT", label: "Avg wait", kind: "duration", value: (r) => r.WT },
      ],
      rows, rowId: (r) => r.id, sort: "id", empty: "No calls in this period.",
    }),
  );
}

// Calls by weekday (rows) and local hour of day (columns), summed over the period.
export function heatMap(buckets, zone) {
  const grid = WEEKDAYS.map(() => Array(24).fill(0));
  for (const b of buckets) grid[weekday(b.date)][b.hour] += b.TC;
  const max = Math.max(0, ...grid.flat());
  const level = (n) => (n === 0 ? 0 : Math.min(5, 1 + Math.floor((5 * (n - 1)) / Math.max(1, max))));
  return h(
    "div",
    { class: "heat-holder" },
    h(
      "table",
      { class: "heat", id: "heat-map" },
      h("caption", {}, `Calls by weekday and hour of day (${zone})`),
      h("thead", {}, h("tr", {}, h("td", {}), Array.from({ length: 24 }, (_, hour) =>
        h("th", { scope: "col" }, String(hour).padStart(2, "0"))))),
      h("tbody", {}, WEEKDAYS.map((day, d) =>
        h("tr", { "data-day": day }, h("th", { scope: "row" }, day), grid[d].map((n, hour) =>
          h("td", { class: `heat-${level(n)}`, "data-hour": hour, title: `${day} ${hour}:00–${hour + 1}:00: ${n} calls` },
            n ? count(n) : ""))))),
    ),
  );
}

export async function renderOverview(ctx, main) {
  const base = { ...windowParams(ctx), ...queueParam(ctx) };
  const aggregation = trendAggregation(ctx);
  const trendParams = { ...base, aggregation };
  const hourParams = { ...base, aggregation: "hour", report: "TC" };
  const statusParams = { ...windowParams(ctx), user_id: "all", group: "aggregation" };
  const [totals, trend, hours, status] = await Promise.allSettled([
    result(ctx.session, "GetACDQueueStatistics", base),
    result(ctx.session, "GetACDQueueStatistics", trendParams),
    aggregation === "hour" ? Promise.resolve(null) : result(ctx.session, "GetACDQueueStatistics", hourParams),
    result(ctx.session, "GetACDOperatorStatusStatistics", statusParams),
  ]);
  if (!ctx.isCurrent()) return;
  const parts = [h("h1", {}, "Overview")];
  const occupancy = status.status === "fulfilled" ? occupancyTile(status.value)
    : { key: "occupancy", label: "Occupancy", value: "—", note: "needs GetACDOperatorStatusStatistics" };
  if (status.status === "rejected") parts.push(problem(status.reason));
  if (totals.status === "rejected") {
    parts.push(problem(totals.reason));
    parts.push(notice("missing", "Calls, service level, waiting and abandonment come from GetACDQueueStatistics; the Operators view works without it."));
    if (status.status === "fulfilled") parts.push(tiles([occupancy]));
  } else {
    const record = totals.value[0] || null;
    if (!record) parts.push(notice("info", `No calls in this period (${ctx.periodText}).`));
    parts.push(queueTiles(record, occupancy));
    parts.push(csvButton(ctx, "totals", "GetACDQueueStatistics", base, `queues-total_${fileStem(ctx)}.csv`));
  }
  if (trend.status === "fulfilled") {
    parts.push(trendSection(ctx, aggregation === "hour" ? "Calls by hour" : "Calls by day", trend.value,
      aggregation, trendParams, `queues-by-${aggregation}_${fileStem(ctx)}.csv`));
    const hourly = aggregation === "hour" ? trend.value : hours.value;
    if (hourly) parts.push(section("When calls come", heatMap(hourly, ctx.zone)));
    else if (hours.status === "rejected") parts.push(section("When calls come", problem(hours.reason)));
  }
  clear(main).append(...parts);
}

const QUEUE_COLUMNS = (threshold) => [
  { key: "id", label: "Queue", kind: "id", title: "acd_queue_id", value: (r) => r.id,
    format: (v) => (v === null ? "none" : String(v)), href: (r) => (r.id === null ? null : href(["queues", r.id])) },
  { key: "TC", label: "Calls", kind: "count", title: "TC: queue calls", value: (r) => r.TC, firstDir: "desc" },
  { key: "AC", label: "Answered", kind: "count", title: "AC: answered calls", value: (r) => r.AC, firstDir: "desc" },
  { key: "UAC", label: "Unanswered", kind: "count", title: "UAC: abandoned and moved calls", value: (r) => r.UAC, firstDir: "desc" },
  { key: "RC", label: "Rejected", kind: "count", title: "RC: rejected calls", value: (r) => r.RC, firstDir: "desc" },
  { key: "SL", label: threshold ? `SL ${threshold} s` : "SL", kind: "percent", title: "Service level at the first threshold", value: (r) => r.SL },
  { key: "SA", label: "ASA", kind: "duration", title: "Average speed of answer (SA avg)", value: (r) => r.SA, firstDir: "desc" },
  { key: "WT", label: "Avg wait", kind: "duration", title: "Average waiting time (WT avg)", value: (r) => r.WT, firstDir: "desc" },
  { key: "WT_max", label: "Max wait", kind: "duration", title: "Longest wait (WT max)", value: (r) => r.WT_max, firstDir: "desc" },
  { key: "abandon", label: "Abandon rate", kind: "percent", title: "Abandoned calls (AT count) of all calls", value: (r) => r.abandon, firstDir: "desc" },
  { key: "HT", label: "AHT", kind: "duration", title: "Average handling time (HT avg)", value: (r) => r.HT, firstDir: "desc" },
  { key: "QL", label: "Max queue", kind: "count", title: "Longest queue (QL max)", value: (r) => r.QL, firstDir: "desc" },
];

export function queueRow(record) {
  const sl = firstServiceLevel(record);
  return {
    id: record.acd_queue_id === undefined ? "all" : record.acd_queue_id,
    TC: record.TC, AC: stat(record, "AC", "count"), UAC: stat(record, "UAC", "count"), RC: stat(record, "RC", "count"),
    SL: sl && record.TC ? sl.percent : null,
    SA: stat(record, "SA", "count") ? stat(record, "SA", "avg") : null,
    WT: record.TC ? stat(record, "WT", "avg") : null, WT_max: record.TC ? stat(record, "WT", "max") : null,
    abandon: "AT" in record ? percentOf(stat(record, "AT", "count"), record.TC) : null,
    HT: stat(record, "HT", "count") ? stat(record, "HT", "avg") : null,
    QL: record.TC ? stat(record, "QL", "max") : null,
  };
}

export async function renderQueues(ctx, main) {
  const params = { ...windowParams(ctx), ...queueParam(ctx), by_queue: "true" };
  const parts = [h("h1", {}, "Queues")];
  let answer;
  try {
    answer = await result(ctx.session, "GetACDQueueStatistics", params);
  } catch (err) {
    if (!ctx.isCurrent()) return;
    clear(main).append(...parts, problem(err));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (answer.length && !("acd_queue_id" in answer[0])) {
    parts.push(notice("missing", "This server's GetACDQueueStatistics has no per-queue split (by_queue) yet: the row below is all queues together."));
  }
  const rows = answer.map(queueRow);
  const threshold = answer[0]?.SL?.[0]?.acceptable_waiting_time;
  parts.push(section(
    "Queues",
    csvButton(ctx, "", "GetACDQueueStatistics", params, `queues_${fileStem(ctx)}.csv`),
    table({
      id: "queues-table", caption: `${count(rows.length)} queues, ${ctx.periodText}`,
      columns: QUEUE_COLUMNS(threshold), rows, rowId: (r) => (r.id === null ? Infinity : r.id),
      sort: ctx.params.get("sort") || "id", dir: ctx.params.get("dir") || "asc", page: ctx.params.get("page") || 0,
      empty: "No calls entered a queue in this period.",
      onState: (state) => {
        ctx.params.set("sort", state.sort);
        ctx.params.set("dir", state.dir);
        ctx.params.set("page", String(state.page));
        replaceParams({ sort: state.sort, dir: state.dir, page: state.page || null });
      },
    }),
  ));
  clear(main).append(...parts);
}

export async function renderQueue(ctx, main, queueId) {
  const base = { ...windowParams(ctx), acd_queue_id: queueId };
  const aggregation = trendAggregation(ctx);
  const trendParams = { ...base, aggregation };
  const offset = Math.max(0, Number(ctx.params.get("offset")) || 0);
  const callsParams = { ...base, count: CALLS_PAGE, offset };
  const [totals, trend, calls] = await Promise.allSettled([
    result(ctx.session, "GetACDQueueStatistics", base),
    result(ctx.session, "GetACDQueueStatistics", trendParams),
    call(ctx.session, "GetACDQueueCalls", callsParams),
  ]);
  if (!ctx.isCurrent()) return;
  const parts = [h("p", {}, h("a", { href: href(["queues"]) }, "← All queues")), h("h1", {}, `Queue ${queueId}`)];
  if (totals.status === "rejected") parts.push(problem(totals.reason));
  else {
    if (!totals.value.length) parts.push(notice("info", `No calls entered queue ${queueId} in this period (${ctx.periodText}).`));
    parts.push(queueTiles(totals.value[0] || null));
  }
  if (trend.status === "fulfilled") {
    parts.push(trendSection(ctx, aggregation === "hour" ? "Calls by hour" : "Calls by day", trend.value,
      aggregation, trendParams, `queue-${queueId}-by-${aggregation}_${fileStem(ctx)}.csv`));
  }
  parts.push(callsSection(ctx, queueId, calls, callsParams, offset));
  clear(main).append(...parts);
}

const CALLS_PAGE = 25;

// The queue calls behind the numbers (GetACDQueueCalls), paged by the server.
function callsSection(ctx, queueId, settled, params, offset) {
  if (settled.status === "rejected") return section("Queue calls", problem(settled.reason));
  const doc = settled.value;
  const total = doc.total_count ?? doc.result.length;
  const first = doc.result.length ? offset + 1 : 0;
  const last = offset + doc.result.length;
  const pageHref = (o) => href(["queues", queueId], { offset: o || null });
  const text = (key, label) => ({ key, label, kind: "text", value: (r) => r[key] });
  const time = (key, label) => ({ key, label, kind: "duration", value: (r) => r[key] });
  return section(
    "Queue calls",
    h("p", {}, `The calls counted above, in the order they entered the queue. ${count(total)} in all.`),
    csvButton(ctx, "this page", "GetACDQueueCalls", params, `queue-${queueId}_${fileStem(ctx)}_calls_${offset}.csv`),
    table({
      id: "queue-calls", caption: `Calls of queue ${queueId}, rows ${count(first)}–${count(last)} of ${count(total)}`,
      columns: [
        text("entered_at", "Entered"), text("outcome", "Outcome"), text("request_id", "Request"),
        { key: "user_id", label: "Operator", kind: "text", value: (r) => r.user_id,
          href: (r) => (r.user_id === null || r.user_id === undefined ? null : href(["operators", String(r.user_id)])) },
        text("wait_ended_at", "Wait ended"), time("WT", "WT"), time("SA", "SA"), time("AT", "AT"),
        time("TT", "TT"), time("ACW", "ACW"), time("HT", "HT"),
        { key: "QL", label: "QL", kind: "count", value: (r) => r.QL },
      ],
      rows: doc.result.map((r, i) => ({ ...r, n: offset + i })), rowId: (r) => r.n,
      empty: "No calls entered this queue in this period.",
    }),
    h("nav", { class: "pager", "aria-label": "Call pages" },
      offset > 0 ? h("a", { href: pageHref(Math.max(0, offset - CALLS_PAGE)), class: "button" }, "← Previous") : null,
      h("span", { class: "pager-text" }, `Rows ${count(first)}–${count(last)} of ${count(total)}`),
      last < total ? h("a", { href: pageHref(offset + CALLS_PAGE), class: "button" }, "Next →") : null),
  );
}
