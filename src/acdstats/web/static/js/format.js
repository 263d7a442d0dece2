// How numbers are written on screen. The browser tests format the API's answers with the
// same rules (tests/dashboard/formats.py), so what is shown is exactly what the API said.

// Whole seconds as m:ss, or h:mm:ss from one hour on ("0:18", "4:05", "1:02:03").
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.round(Number(seconds));
  const sign = s < 0 ? "-" : "";
  const a = Math.abs(s);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const ss = String(a % 60).padStart(2, "0");
  return h > 0 ? `${sign}${h}:${String(m).padStart(2, "0")}:${ss}` : `${sign}${m}:${ss}`;
}

// An integer with thousands separators ("12,345").
export function count(n) {
  if (n === null || n === undefined) return "—";
  return Math.round(Number(n)).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// n of total as a whole percent, rounded half up exactly as the API's percents
// (SPEC 6.2: (200 n + total) div (2 total)); null when total is 0.
export function percentOf(n, total) {
  if (!total) return null;
  return Math.floor((200 * n + total) / (2 * total));
}

export function percent(p) {
  return p === null || p === undefined ? "—" : `${p}%`;
}

// Local civil dates (YYYY-MM-DD) are handled as UTC midnights so that no host zone applies.
export function addDays(isoDate, days) {
  const [y, m, d] = isoDate.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

export function daysBetween(fromIso, toIso) {
  const a = Date.parse(`${fromIso}T00:00:00Z`);
  const b = Date.parse(`${toIso}T00:00:00Z`);
  return Math.round((b - a) / 86400000);
}

// 0 = Monday .. 6 = Sunday, of a civil date.
export function weekday(isoDate) {
  const day = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
  return (day + 6) % 7;
}

export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

// Today's civil date in an IANA zone (the browser's own zone data; only "which day is it").
export function todayIn(zone, now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(now);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

export function clockTime(date = new Date()) {
  return date.toTimeString().slice(0, 8);
}
