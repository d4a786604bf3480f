// A small fetch wrapper for MG Studio's REST API: same-origin session auth, the CSRF token from
// the `csrftoken` cookie, JSON in and out, and readable errors from DRF's `detail`/field errors.

const body = typeof document !== "undefined" ? document.body : null;
export const API_ROOT = (body && body.dataset.apiRoot) || "/api/";

/** An API call that did not succeed: `status` is the HTTP status (0 = network), `data` the body. */
export class ApiError extends Error {
  constructor(message, status = 0, data = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.data = data;
  }

  /** True when trying the same request again may work (network, timeout, 5xx, 429). */
  get transient() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export function getCookie(name) {
  const cookies = typeof document !== "undefined" ? document.cookie : "";
  for (const part of cookies ? cookies.split(";") : []) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return "";
}

export function csrfToken() {
  // Fallback for CSRF_USE_SESSIONS / HttpOnly cookies: the hidden input of the sign-out form.
  const input = typeof document !== "undefined" && document.querySelector("input[name=csrfmiddlewaretoken]");
  return getCookie("csrftoken") || (input ? input.value : "");
}

/** Turn a DRF error body into one sentence: detail, non-field errors, then "field: message". */
export function errorMessage(data, status = 0, statusText = "") {
  const flat = (value) => {
    if (value == null) return [];
    if (Array.isArray(value)) return value.flatMap(flat);
    if (typeof value === "object") {
      return Object.entries(value).flatMap(([key, inner]) => {
        if (key === "detail" || key === "non_field_errors") return flat(inner);
        if (key === "code" || key === "expected_offset") return [];
        return flat(inner).map((message) => `${key}: ${message}`);
      });
    }
    return [String(value)];
  };
  const messages = data && typeof data === "object" ? flat(data) : [];
  if (messages.length) return messages.join("; ");
  if (typeof data === "string" && data.trim() && data.length < 300 && !data.includes("<")) {
    return data.trim();
  }
  if (status === 0) return "The server could not be reached. Check your connection.";
  if (status === 403) return "You are not allowed to do this (or your session has expired).";
  if (status === 404) return "Not found.";
  if (status === 413) return "The request is too large for the server.";
  return `The server answered ${status}${statusText ? ` ${statusText}` : ""}.`;
}

/** Join API_ROOT and a path, and add query parameters (skipping null/undefined values). */
export function apiUrl(path, query = null) {
  const absolute = /^https?:\/\//.test(path) || path.startsWith("/");
  const url = new URL(absolute ? path : API_ROOT + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined) url.searchParams.set(key, value);
  }
  return url.toString();
}

/**
 * Call the API. Options: method, query, json (sent as JSON), body (sent as-is, e.g. a Blob),
 * contentType, signal. Resolves to the parsed JSON body (null when empty); rejects with ApiError.
 */
export async function request(path, options = {}) {
  const { method = "GET", query = null, json, body, contentType, signal } = options;
  const headers = { Accept: "application/json" };
  let payload = body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(json);
  } else if (contentType) {
    headers["Content-Type"] = contentType;
  }
  if (!["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase())) {
    headers["X-CSRFToken"] = csrfToken();
  }
  let response;
  try {
    response = await fetch(apiUrl(path, query), {
      method,
      headers,
      body: payload,
      credentials: "same-origin",
      signal,
    });
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(errorMessage(null, 0), 0, null);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!response.ok) {
    throw new ApiError(errorMessage(data, response.status, response.statusText), response.status, data);
  }
  return data;
}

export const get = (path, query) => request(path, { query });
export const post = (path, json) => request(path, { method: "POST", json: json ?? {} });
export const patch = (path, json) => request(path, { method: "PATCH", json: json ?? {} });

/** Every result of a paginated list endpoint, following `next` links (capped by maxPages). */
export async function getAll(path, query = null, maxPages = 50) {
  let page = await get(path, query);
  if (Array.isArray(page)) return page; // an unpaginated list
  const results = [...(page.results || [])];
  for (let n = 1; page.next && n < maxPages; n += 1) {
    page = await get(page.next);
    results.push(...(page.results || []));
  }
  return results;
}
