// Operators: one sortable row per operator (calls, speed of answer, handling, status time);
// a click opens one operator's days, status time and the offers behind the numbers.
import { call, result, statusDetail } from "../api.js";
import { barsAndLine, lines } from "../chart.js";
import { clear, h, notice } from "../dom.js";
import { count, duration, percentOf } from "../format.js";
import { href, replaceParams } from "../route.js";
import { table } from "../table.js";
import {
  bucketLabel, csvButton, fileStem, problem, queueParam, section, slotKey, slots, stat, tiles,
  trendAggregation, windowParams,
} from "./common.js";

export const CALL_ITEMS = "AC;UAC;SA;TT;ACW;HT";
export const STATUSES = ["READY", "IN_SERVICE", "AFTER_SERVICE", "DND"];
const STATUS_LABELS = {
  OFFLINE: "Offline", ONLINE: "Online", READY: "Ready", BANNED: "Banned",
  IN_SERVICE: "In service", AFTER_SERVICE: "After service", TIMEOUT: "Timeout", DND: "Break (DND)",
};
const ALL_STATUSES = Object.keys(STATUS_LABELS);

function statusSums(record) {
  const detail = statusDetail(record);
  const sums = {};
  for (const name of ALL_STATUSES) if (detail[name]) sums[name] = detail[name].sum;
  return sums;
}

const id = (row) => Number(row.id);

export const OPERATOR_COLUMNS = [
  { key: "id", label: "Operator", kind: "id", title: "user_id", value: id,
    href: (row) => href(["operators", row.id]) },
  { key: "AC", label: "Answered", kind: "count", title: "AC: answered offers", value: (r) => r.AC, firstDir: "desc" },
  { key: "UAC", label: "Unanswered", kind: "count", title: "UAC: offers that ended unanswered", value: (r) => r.UAC, firstDir: "desc" },
  { key: "SA_avg", label: "SA avg", kind: "duration", title: "Speed of answer, average (SA avg)", value: (r) => r.SA_avg, firstDir: "desc" },
  { key: "SA_p90", label: "SA p90", kind: "duration", title: "Speed of answer, 90th percentile (SA p90)", value: (r) => r.SA_p90, firstDir: "desc" },
  { key: "TT_avg", label: "Talk avg", kind: "duration", title: "Talk time per call (TT avg)", value: (r) => r.TT_avg, firstDir: "desc" },
  { key: "ACW_avg", label: "ACW avg", kind: "duration", title: "After-call work per call with ACW (ACW avg)", value: (r) => r.ACW_avg, firstDir: "desc" },
  { key: "HT_avg", label: "AHT", kind: "duration", title: "Handling time per call (HT avg = talk + ACW)", value: (r) => r.HT_avg, firstDir: "desc" },
  { key: "READY", label: "Ready", kind: "duration", title: "Time in READY", value: (r) => r.READY, firstDir: "desc" },
  { key: "IN_SERVICE", label: "In service", kind: "duration", title: "Time in IN_SERVICE", value: (r) => r.IN_SERVICE, firstDir: "desc" },
  { key: "AFTER_SERVICE", label: "After service", kind: "duration", title: "Time in AFTER_SERVICE", value: (r) => r.AFTER_SERVICE, firstDir: "desc" },
  { key: "DND", label: "Break", kind: "duration", title: "Time in DND (on a break)", value: (r) => r.DND, firstDir: "desc" },
];

// One row per operator from the two answers (either may be missing: null).
export function operatorRows(stats, status) {
  const rows = new Map();
  const row = (userId) => {
    const key = String(userId);
    if (!rows.has(key)) {
      rows.set(key, { id: key, AC: 0, UAC: 0, SA_avg: null, SA_p90: null, TT_avg: null,
                      ACW_avg: null, HT_avg: null, READY: null, IN_SERVICE: null,
                      AFTER_SERVICE: null, DND: null });
    }
    return rows.get(key);
  };
  for (const group of stats || []) {
    const s = group.statistics[0] || {};
    const r = row(group.user_id);
    r.AC = s.AC ?? 0;
    r.UAC = s.UAC ?? 0;
    r.SA_avg = s.SA && s.SA.count ? s.SA.avg : null;
    r.SA_p90 = s.SA && s.SA.count && "p90" in s.SA ? s.SA.p90 : null;
    r.TT_avg = s.TT && s.TT.count ? s.TT.avg : null;
    r.ACW_avg = s.ACW && s.ACW.count ? s.ACW.avg : null;
    r.HT_avg = s.HT && s.HT.count ? s.HT.avg : null;
  }
  for (const group of status || []) {
    const r = row(group.user_id);
    const sums = statusSums(group.statistics[0] || {});
    for (const name of STATUSES) r[name] = sums[name] ?? 0;
  }
  return [...rows.values()];
}

export async function renderOperators(ctx, main) {
  const base = { ...windowParams(ctx), ...queueParam(ctx) };
  const statsParams = { ...base, user_id: "all", report: CALL_ITEMS, percentiles: "90" };
  const statusParams = { ...windowParams(ctx), user_id: "all", acd_status: STATUSES.join(";") };
  const [stats, status] = await Promise.allSettled([
    result(ctx.session, "GetACDOperatorStatistics", statsParams),
    result(ctx.session, "GetACDOperatorStatusStatistics", statusParams),
  ]);
  if (!ctx.isCurrent()) return;
  const notes = [];
  if (stats.status === "rejected") notes.push(problem(stats.reason));
  if (status.status === "rejected") {
    notes.push(status.reason.missingMethod
      ? notice("missing", "Ready, in service, after service and break times need GetACDOperatorStatusStatistics, which this server does not have yet.")
      : problem(status.reason));
  }
  const rows = operatorRows(stats.value, status.value);
  const withCalls = (stats.value || []).some((g) => g.statistics[0]?.SA?.count);
  const hasP90 = (stats.value || []).some((g) => g.statistics[0]?.SA && "p90" in g.statistics[0].SA);
  if (withCalls && !hasP90) {
    notes.push(notice("missing", "SA p90 needs the percentiles extension, which this server does not have yet."));
  }
  const holder = h("div");
  const draw = () => {
    const wanted = (ctx.params.get("q") || "").trim();
    const shown = wanted ? rows.filter((r) => r.id.includes(wanted)) : rows;
    clear(holder).append(
      table({
        id: "operators-table",
        caption: `${count(shown.length)} operators${wanted ? ` matching “${wanted}”` : ""}, ${ctx.periodText}`,
        columns: OPERATOR_COLUMNS,
        rows: shown,
        rowId: id,
        sort: ctx.params.get("sort") || "id",
        dir: ctx.params.get("dir") || "asc",
        page: ctx.params.get("page") || 0,
        empty: wanted ? "No operator matches." : "No operator had calls or status changes in this period.",
        onState: (state) => {
          ctx.params.set("sort", state.sort);
          ctx.params.set("dir", state.dir);
          ctx.params.set("page", String(state.page));
          replaceParams({ sort: state.sort, dir: state.dir, page: state.page || null });
        },
      }),
    );
  };
  let timer = null;
  const input = h("input", {
    type: "search", id: "operator-search", value: ctx.params.get("q") || "", inputmode: "numeric",
    placeholder: "e.g. 1001", "data-focus-key": "operator-search",
    oninput: (event) => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const value = event.target.value;
        ctx.params.set("q", value);
        ctx.params.set("page", "0");
        replaceParams({ q: value || null, page: null });
        draw();
      }, 150);
    },
  });
  draw();
  const stem = fileStem(ctx);
  clear(main).append(
    h("h1", {}, "Operators"),
    ...notes,
    section(
      "Operators",
      h("div", { class: "toolbar" },
        h("label", { for: "operator-search" }, "Find operator "), input,
        csvButton(ctx, "calls", "GetACDOperatorStatistics", statsParams, `operators-calls_${stem}.csv`),
        csvButton(ctx, "status time", "GetACDOperatorStatusStatistics", statusParams, `operators-status_${stem}.csv`)),
      holder,
    ),
  );
}

const OFFERS_PAGE = 25;

export async function renderOperator(ctx, main, userId) {
  const base = { ...windowParams(ctx), ...queueParam(ctx), user_id: userId };
  const aggregation = trendAggregation(ctx);
  const totalsParams = { ...base, report: CALL_ITEMS, percentiles: "90" };
  const dailyParams = { ...totalsParams, aggregation };
  const statusBase = { ...windowParams(ctx), user_id: userId };
  const statusDaily = { ...statusBase, aggregation };
  const offset = Math.max(0, Number(ctx.params.get("offset")) || 0);
  const offersParams = { ...base, count: OFFERS_PAGE, offset };
  const settled = await Promise.allSettled([
    result(ctx.session, "GetACDOperatorStatistics", totalsParams),
    result(ctx.session, "GetACDOperatorStatistics", dailyParams),
    result(ctx.session, "GetACDOperatorStatusStatistics", statusBase),
    result(ctx.session, "GetACDOperatorStatusStatistics", statusDaily),
    call(ctx.session, "GetACDOffers", offersParams),
  ]);
  if (!ctx.isCurrent()) return;
  const [totals, daily, statusTotals, statusByDay, offers] = settled;
  const stem = `operator-${userId}_${fileStem(ctx)}`;
  const s = totals.value?.[0]?.statistics?.[0] || null;
  const st = statusTotals.value?.[0] ? statusSums(statusTotals.value[0].statistics[0] || {}) : null;
  const items = [
    { key: "AC", label: "Answered", value: count(s?.AC ?? 0), note: `${count(s?.UAC ?? 0)} unanswered` },
    { key: "SA", label: "Speed of answer", value: duration(s?.SA?.count ? s.SA.avg : null),
      note: s?.SA && "p90" in s.SA ? `p90 ${duration(s.SA.p90)}` : "average" },
    { key: "TT", label: "Talk time", value: duration(s?.TT?.sum ?? 0), note: `avg ${duration(s?.TT?.count ? s.TT.avg : null)}` },
    { key: "HT", label: "Handling time", value: duration(s?.HT?.count ? s.HT.avg : null), note: "average (AHT)" },
  ];
  if (st) {
    for (const name of STATUSES) {
      items.push({ key: name, label: STATUS_LABELS[name], value: duration(st[name] ?? 0), note: "in the period" });
    }
  }
  const parts = [
    h("p", {}, h("a", { href: href(["operators"]) }, "← All operators")),
    h("h1", {}, `Operator ${userId}`),
    totals.status === "rejected" ? problem(totals.reason) : tiles(items),
  ];

  // Calls by day (or hour).
  if (daily.status === "rejected") parts.push(section("Calls", problem(daily.reason)));
  else {
    const buckets = daily.value?.[0]?.statistics || [];
    const slotList = slots(ctx, aggregation);
    const at = new Map(slotList.map((slot, i) => [slot.key, i]));
    const answered = slotList.map(() => 0);
    const offered = slotList.map(() => 0);
    for (const b of buckets) {
      const i = at.get(slotKey(b));
      if (i === undefined) continue;
      answered[i] += b.AC;
      offered[i] += b.AC + b.UAC;
    }
    const rate = offered.map((n, i) => (n ? percentOf(answered[i], n) : null));
    const rows = buckets.map((b) => ({ id: bucketLabel(b), AC: b.AC, UAC: b.UAC,
      SA_avg: b.SA.count ? b.SA.avg : null, SA_p90: "p90" in b.SA && b.SA.count ? b.SA.p90 : null,
      TT_avg: b.TT.count ? b.TT.avg : null, TT_sum: b.TT.sum, ACW_avg: b.ACW.count ? b.ACW.avg : null,
      HT_avg: b.HT.count ? b.HT.avg : null }));
    parts.push(section(
      aggregation === "hour" ? "Calls by hour" : "Calls by day",
      barsAndLine({ title: `Answered calls and answer rate of operator ${userId}`,
        labels: slotList.map((x) => x.label),
        bars: { label: "Answered", values: answered }, line: { label: "Answered of offered", values: rate } }),
      csvButton(ctx, "", "GetACDOperatorStatistics", dailyParams, `${stem}_calls.csv`),
      table({
        id: "operator-days", caption: `Calls of operator ${userId} by ${aggregation}`,
        columns: [
          { key: "id", label: aggregation === "hour" ? "Hour" : "Day", kind: "text", value: (r) => r.id },
          { key: "AC", label: "Answered", kind: "count", value: (r) => r.AC },
          { key: "UAC", label: "Unanswered", kind: "count", value: (r) => r.UAC },
          { key: "SA_avg", label: "SA avg", kind: "duration", value: (r) => r.SA_avg },
          { key: "SA_p90", label: "SA p90", kind: "duration", value: (r) => r.SA_p90 },
          { key: "TT_avg", label: "Talk avg", kind: "duration", value: (r) => r.TT_avg },
          { key: "TT_sum", label: "Talk total", kind: "duration", value: (r) => r.TT_sum },
          { key: "ACW_avg", label: "ACW avg", kind: "duration", value: (r) => r.ACW_avg },
          { key: "HT_avg", label: "AHT", kind: "duration", value: (r) => r.HT_avg },
        ],
        rows, rowId: (r) => r.id, sort: "id", empty: "No calls in this period.",
      }),
    ));
  }

  // Status time by day (or hour).
  if (statusByDay.status === "rejected") parts.push(section("Status time", problem(statusByDay.reason)));
  else {
    const buckets = statusByDay.value?.[0]?.statistics || [];
    const present = ALL_STATUSES.filter((name) => buckets.some((b) => statusDetail(b)[name]));
    const slotList = slots(ctx, aggregation);
    const at = new Map(slotList.map((slot, i) => [slot.key, i]));
    const charted = STATUSES.map((name) => ({ label: STATUS_LABELS[name], values: slotList.map(() => 0) }));
    for (const b of buckets) {
      const i = at.get(slotKey(b));
      if (i === undefined) continue;
      const detail = statusDetail(b);
      STATUSES.forEach((name, k) => { charted[k].values[i] += (detail[name]?.sum ?? 0) / 3600; });
    }
    const rows = buckets.map((b) => {
      const detail = statusDetail(b);
      const r = { id: bucketLabel(b) };
      for (const name of present) r[name] = detail[name]?.sum ?? 0;
      return r;
    });
    parts.push(section(
      aggregation === "hour" ? "Status time by hour" : "Status time by day",
      lines({ title: `Hours per status of operator ${userId}`, labels: slotList.map((x) => x.label), series: charted }),
      csvButton(ctx, "", "GetACDOperatorStatusStatistics", statusDaily, `${stem}_status.csv`),
      table({
        id: "operator-status", caption: `Time per status of operator ${userId} by ${aggregation}`,
        columns: [
          { key: "id", label: aggregation === "hour" ? "Hour" : "Day", kind: "text", value: (r) => r.id },
          ...present.map((name) => ({ key: name, label: STATUS_LABELS[name], kind: "duration", title: name, value: (r) => r[name] })),
        ],
        rows, rowId: (r) => r.id, sort: "id", empty: "No status changes in this period.",
      }),
    ));
  }

  // The offers behind the numbers, paged by the server.
  if (offers.status === "rejected") parts.push(section("Offers", problem(offers.reason)));
  else {
    const doc = offers.value;
    const total = doc.total_count ?? doc.result.length;
    const first = doc.result.length ? offset + 1 : 0;
    const pageHref = (o) => href(["operators", userId], { offset: o || null });
    parts.push(section(
      "Offers",
      h("p", {}, `The offers counted above, in the order they rang. ${count(total)} in all.`),
      csvButton(ctx, "this page", "GetACDOffers", offersParams, `${stem}_offers_${offset}.csv`),
      table({
        id: "operator-offers", caption: `Offers to operator ${userId}, rows ${count(first)}–${count(offset + doc.result.length)} of ${count(total)}`,
        columns: [
          { key: "offered_at", label: "Offered", kind: "text", value: (r) => r.offered_at },
          { key: "acd_queue_id", label: "Queue", kind: "text", value: (r) => r.acd_queue_id },
          { key: "request_id", label: "Request", kind: "text", value: (r) => r.request_id },
          { key: "answered_at", label: "Answered", kind: "text", value: (r) => r.answered_at },
          { key: "ended_at", label: "Ended", kind: "text", value: (r) => r.ended_at },
          { key: "SA", label: "SA", kind: "duration", value: (r) => r.SA },
          { key: "TT", label: "TT", kind: "duration", value: (r) => r.TT },
          { key: "ACW", label: "ACW", kind: "duration", value: (r) => r.ACW },
          { key: "HT", label: "HT", kind: "duration", value: (r) => r.HT },
        ],
        rows: doc.result.map((r, i) => ({ ...r, n: offset + i })), rowId: (r) => r.n,
        empty: "No offers in this period.",
      }),
      h("nav", { class: "pager", "aria-label": "Offer pages" },
        offset > 0 ? h("a", { href: pageHref(Math.max(0, offset - OFFERS_PAGE)), class: "button", "data-focus-key": "offers-prev" }, "← Previous") : null,
        h("span", { class: "pager-text" }, `Rows ${count(first)}–${count(offset + doc.result.length)} of ${count(total)}`),
        offset + doc.result.length < total ? h("a", { href: pageHref(offset + OFFERS_PAGE), class: "button", "data-focus-key": "offers-next" }, "Next →") : null),
    ));
  }
  clear(main).append(...parts);
}
