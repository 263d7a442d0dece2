// Everything a view shows is named by the URL (view, period, zone, filters, sort, page), so a
// view can be bookmarked and shared: #/operators/1001?period=last7&tz=Europe%2FBerlin
import { addDays, daysBetween, todayIn } from "./format.js";

export const PERIODS = {
  today: "Today",
  yesterday: "Yesterday",
  last7: "Last 7 days",
  last30: "Last 30 days",
  thismonth: "This month",
  lastmonth: "Last month",
  custom: "Custom dates",
};
export const DEFAULT_PERIOD = "last7";
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function current() {
  const hash = location.hash.replace(/^#\/?/, "");
  const [path, query = ""] = hash.split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  return { parts: parts.length ? parts : ["overview"], params: new URLSearchParams(query) };
}

// The href of a view: path parts and parameters, keeping the current period, zone and
// filters unless changes say otherwise (a null value removes a parameter).
export function href(parts, changes = {}, keep = ["period", "from", "to", "tz", "queue"]) {
  const now = current().params;
  const params = new URLSearchParams();
  for (const name of keep) if (now.has(name)) params.set(name, now.get(name));
  for (const [name, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") params.delete(name);
    else params.set(name, String(value));
  }
  const query = params.toString();
  return `#/${parts.map(encodeURIComponent).join("/")}${query ? `?${query}` : ""}`;
}

export function go(parts, changes, keep) {
  const target = href(parts, changes, keep);
  if (location.hash !== target) location.hash = target;
}

// Replace parameters of the current view without a new history entry (sort, page).
export function replaceParams(changes) {
  const { parts } = current();
  const all = [...current().params.keys()];
  history.replaceState(null, "", href(parts, changes, all));
}

// The period of the URL as civil dates [from, to) in the zone.
export function period(params, zone, now = new Date()) {
  let name = params.get("period") || DEFAULT_PERIOD;
  if (!(name in PERIODS)) name = DEFAULT_PERIOD;
  const today = todayIn(zone, now);
  const firstOfMonth = `${today.slice(0, 8)}01`;
  let from;
  let to;
  switch (name) {
    case "today":
      [from, to] = [today, addDays(today, 1)];
      break;
    case "yesterday":
      [from, to] = [addDays(today, -1), today];
      break;
    case "last30":
      [from, to] = [addDays(today, -29), addDays(today, 1)];
      break;
    case "thismonth":
      [from, to] = [firstOfMonth, addDays(today, 1)];
      break;
    case "lastmonth": {
      const prev = addDays(firstOfMonth, -1);
      [from, to] = [`${prev.slice(0, 8)}01`, firstOfMonth];
      break;
    }
    case "custom": {
      const a = params.get("from");
      const b = params.get("to");
      if (a && b && DATE.test(a) && DATE.test(b) && a <= b) {
        [from, to] = [a, addDays(b, 1)];
      } else {
        name = DEFAULT_PERIOD;
        [from, to] = [addDays(today, -6), addDays(today, 1)];
      }
      break;
    }
    default:
      [from, to] = [addDays(today, -6), addDays(today, 1)];
  }
  const days = daysBetween(from, to);
  return { name, from, to, last: addDays(to, -1), days, live: name === "today" };
}
