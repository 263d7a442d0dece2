// platform_api calls, exactly as any client makes them: POST /platform_api/{Method} with a
// url-encoded form and Authorization: Bearer <JWT>. No private endpoints.

export const STATISTICS_ROLES = "Owner, Admin, Developer, Supervisor or User manager";

export class ApiError extends Error {
  constructor(method, code, msg) {
    super(msg);
    this.method = method;
    this.code = code;
  }

  get missingMethod() {
    return this.code === 103;
  }

  // What a person reads: the server's own words, with the code, and what to do about it.
  explain() {
    switch (this.code) {
      case 103:
        return `This server has no ${this.method} yet, so this part cannot be shown.`;
      case 104:
        return `This key may not read statistics: it needs the ${STATISTICS_ROLES} role. The server said: ${this.message} (error 104)`;
      case 100:
        return `The server does not accept this key: ${this.message} (error 100). Is it the right credentials.json, and is the key enabled?`;
      case 456:
        return `The token has expired: ${this.message} (error 456). Paste a new token or sign in with credentials.json.`;
      case 340:
        return `Too many requests for this key: ${this.message} (error 340). Try again in a moment.`;
      default:
        return `${this.method}: ${this.message} (error ${this.code})`;
    }
  }
}

// A method's answer does not have what this page needs (an extension this server lacks).
export class MissingFeature extends Error {}

function form(params) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") body.append(name, String(value));
  }
  return body;
}

async function post(session, method, params) {
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(`/platform_api/${method}`, {
        method: "POST",
        headers: { Authorization: `Bearer ${await session.bearer()}` },
        body: form(params),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (err) {
      throw new ApiError(method, 0, `the server cannot be reached (${err.message})`);
    }
    if (response.headers.get("content-type")?.startsWith("application/json")) {
      const doc = await response.clone().json();
      const code = doc?.error?.code;
      if ((code === 455 || code === 456) && attempt === 0) {
        if (session.syncClock(response.headers.get("date"))) continue;
      }
      if (doc?.error) throw new ApiError(method, code, doc.error.msg);
      if (!response.ok) throw new ApiError(method, response.status, response.statusText);
    } else if (!response.ok) {
      throw new ApiError(method, response.status, `HTTP ${response.status} ${response.statusText}`);
    }
    return response;
  }
}

// The whole JSON document ({result, ...}) of one call.
export async function call(session, method, params) {
  const response = await post(session, method, params);
  return response.json();
}

export async function result(session, method, params) {
  return (await call(session, method, params)).result;
}

// The CSV export of a call (format=csv, SPEC 8.4) as a Blob.
export async function csv(session, method, params) {
  const response = await post(session, method, { ...params, format: "csv" });
  if (!response.headers.get("content-type")?.startsWith("text/csv")) {
    throw new MissingFeature(
      `This server's ${method} answers JSON where CSV was asked for (format=csv): it has no CSV export yet.`,
    );
  }
  return response.blob();
}

export async function downloadCsv(session, method, params, filename) {
  const blob = await csv(session, method, params);
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// The one object of a status record's acd_status (an array of one, or the bare object that
// the server option status_detail_as_object sends).
export function statusDetail(record) {
  const detail = record.acd_status;
  return Array.isArray(detail) ? detail[0] || {} : detail || {};
}
