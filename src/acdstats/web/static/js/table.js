// A sortable, paged table. Only one page of rows is ever in the document, so thousands of
// operators sort and page at once; sorting runs over all rows in memory.
import { clear, h } from "./dom.js";
import { count, duration, percent } from "./format.js";

export const PAGE_SIZE = 50;

const FORMATS = {
  count: count,
  duration: duration,
  percent: percent,
  text: (v) => (v === null || v === undefined ? "—" : String(v)),
};

function compare(a, b) {
  const missingA = a === null || a === undefined;
  const missingB = b === null || b === undefined;
  if (missingA || missingB) return missingA === missingB ? 0 : missingA ? 1 : -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), "en", { numeric: true });
}

// spec: {id, caption, columns: [{key, label, title, kind, value(row), href(row)}], rows,
//        rowId(row), sort, dir, page, onState({sort, dir, page}), empty}
export function table(spec) {
  const holder = h("div", { class: "table-holder", id: spec.id });
  const state = {
    sort: spec.columns.some((c) => c.key === spec.sort) ? spec.sort : null,
    dir: spec.dir === "desc" ? "desc" : "asc",
    page: Math.max(0, Number(spec.page) || 0),
  };
  const render = (focusKey) => {
    clear(holder);
    holder.append(...build(spec, state, (changes, key) => {
      Object.assign(state, changes);
      spec.onState?.({ ...state });
      render(key);
    }));
    if (focusKey) holder.querySelector(`[data-focus-key="${focusKey}"]`)?.focus();
  };
  render();
  return holder;
}

function sorted(spec, state) {
  const rows = [...spec.rows];
  const column = spec.columns.find((c) => c.key === state.sort);
  if (column) {
    const sign = state.dir === "desc" ? -1 : 1;
    const id = spec.rowId;
    rows.sort((a, b) => {
      const va = column.value(a);
      const vb = column.value(b);
      const missing = (v) => v === null || v === undefined;
      if (missing(va) || missing(vb)) return compare(va, vb) || compare(id(a), id(b));
      return sign * compare(va, vb) || compare(id(a), id(b));
    });
  }
  return rows;
}

function build(spec, state, change) {
  const rows = sorted(spec, state);
  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const page = Math.min(state.page, pages - 1);
  const shown = rows.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);
  const head = h(
    "tr",
    {},
    spec.columns.map((column) => {
      const active = state.sort === column.key;
      const next = active && state.dir === "asc" ? "desc" : "asc";
      const arrow = active ? (state.dir === "asc" ? " ▲" : " ▼") : "";
      return h(
        "th",
        {
          scope: "col",
          class: column.kind === "text" || column.kind === "id" ? "" : "num",
          "aria-sort": active ? (state.dir === "asc" ? "ascending" : "descending") : "none",
          title: column.title,
        },
        h(
          "button",
          {
            type: "button",
            class: "sort",
            "data-focus-key": `sort-${column.key}`,
            "aria-label": `${column.label}: sort ${next === "asc" ? "ascending" : "descending"}`,
            onclick: () =>
              change({ sort: column.key, dir: active ? next : column.firstDir || "asc", page: 0 }, `sort-${column.key}`),
          },
          column.label,
          h("span", { "aria-hidden": "true" }, arrow),
        ),
      );
    }),
  );
  const body = h(
    "tbody",
    {},
    shown.map((row) =>
      h(
        "tr",
        { "data-id": String(spec.rowId(row)) },
        spec.columns.map((column, index) => {
          const value = column.value(row);
          const text = (column.format || FORMATS[column.kind] || FORMATS.text)(value);
          const link = column.href?.(row);
          const cell = link ? h("a", { href: link }, text) : text;
          const attrs = {
            "data-col": column.key,
            class: column.kind === "text" || column.kind === "id" ? "" : "num",
            title: column.kind === "duration" && value !== null && value !== undefined ? `${value} s` : null,
          };
          return index === 0 ? h("th", { scope: "row", ...attrs }, cell) : h("td", attrs, cell);
        }),
      ),
    ),
  );
  const parts = [
    h(
      "table",
      { class: "data" },
      spec.caption ? h("caption", {}, spec.caption) : null,
      h("thead", {}, head),
      body,
    ),
  ];
  if (!rows.length) parts.push(h("p", { class: "empty" }, spec.empty || "No rows."));
  if (rows.length > PAGE_SIZE) parts.push(pager(rows.length, page, pages, change));
  return parts;
}

function pager(total, page, pages, change) {
  const first = page * PAGE_SIZE + 1;
  const last = Math.min(total, (page + 1) * PAGE_SIZE);
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h(
      "button",
      { type: "button", disabled: page === 0, "data-focus-key": "prev", onclick: () => change({ page: page - 1 }, "prev") },
      "← Previous",
    ),
    h("span", { class: "pager-text", "aria-live": "polite" }, `Rows ${count(first)}–${count(last)} of ${count(total)} · page ${page + 1} of ${pages}`),
    h(
      "button",
      { type: "button", disabled: page >= pages - 1, "data-focus-key": "next", onclick: () => change({ page: page + 1 }, "next") },
      "Next →",
    ),
  );
}
