// The consoles' one door to the API: the session cookie authenticates, the CSRF
// cookie is echoed on every change, an expired access token is refreshed once and
// the call retried, and an ended session goes back to the sign-in page.

const messages = JSON.parse(document.getElementById("js-messages")?.textContent || "{}");

/** The page's translation of `key` (handed over by the server), `{name}` filled from params. */
export function t(key, params = {}) {
  let text = messages[key] ?? key;
  for (const [name, value] of Object.entries(params)) text = text.replaceAll(`{${name}}`, String(value));
  return text;
}

/** The page's language, e.g. "zh-CN" or "en", for Intl formatting. */
export const language = document.documentElement.lang || "zh-CN";
/** The organisation's time zone, in which every time on the consoles is shown. */
export const timeZone = document.documentElement.dataset.timezone || "Asia/Shanghai";

function cookie(name) {
  const found = document.cookie.split("; ").find((part) => part.startsWith(name + "="));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : "";
}

let refreshing = null;
async function refreshSession() {
  // One refresh at a time, however many calls found the token expired together.
  refreshing ??= fetch("/console/session/refresh", { credentials: "same-origin" })
    .then((answer) => answer.ok)
    .finally(() => { refreshing = null; });
  return refreshing;
}

function signInAgain() {
  const here = location.pathname + location.search;
  location.assign("/console/sign-in?next=" + encodeURIComponent(here));
}

/**
 * Call the API. `json` is sent as a JSON body, `body` as is (FormData…).
 * Resolves to {status, ok, body, headers}; error statuses resolve too (body is the
 * API's error object with its machine-readable `status`).
 */
export async function api(method, path, { json, body, headers = {} } = {}) {
  const send = () => {
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
    if (json !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(json);
    } else if (body !== undefined) {
      init.body = body;
    }
    if (!["GET", "HEAD"].includes(method)) init.headers["X-CSRF-TOKEN"] = cookie("csrf_access_token");
    return fetch(path, init);
  };
  let answer = await send();
  if (answer.status === 401) {
    if (await refreshSession()) answer = await send();
    if (answer.status === 401) {
      signInAgain();
      return new Promise(() => {});   // the page is going away
    }
  }
  const text = await answer.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  return { status: answer.status, ok: answer.ok, body: data, headers: answer.headers };
}

/** A time of day in the organisation's zone, e.g. "14:05". */
export function formatTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(language, { timeZone, hour: "2-digit", minute: "2-digit", hour12: false })
    .format(new Date(iso));
}

/** A date and time in the organisation's zone. */
export function formatDateTime(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(language, { timeZone, dateStyle: "medium", timeStyle: "short", hour12: false })
    .format(new Date(iso));
}

/** Today's date (YYYY-MM-DD) in the organisation's zone. */
export function todayInZone() {
  return new Intl.DateTimeFormat("en-CA", { timeZone }).format(new Date());
}

/** Build an element: el("li", {class: "x", dataset: {id: 1}}, "text", child…). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
