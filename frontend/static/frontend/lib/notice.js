// Telling the user what happened: the page's notice box (#page-notice), an error box, and a
// one-line status under a form's button.

import { $, el } from "./dom.js";

const hideTimers = new WeakMap(); // box -> the timer that hides it

/**
 * Show `content` (text, or an array of text and nodes) in the page's notice box, styled by `kind`
 * ("" or "error"); empty content hides it. With `hideAfter` (ms) the box hides itself again.
 */
export function notice(content, kind = "", { box = $("page-notice"), hideAfter = 0 } = {}) {
  const parts = Array.isArray(content) ? content : [content];
  box.replaceChildren(...parts);
  box.className = `alert ${kind}`;
  box.hidden = !parts.some(Boolean);
  clearTimeout(hideTimers.get(box));
  if (hideAfter && !box.hidden) hideTimers.set(box, setTimeout(() => (box.hidden = true), hideAfter));
}

/** Show (or, with an empty message, hide) an alert box. */
export function showError(box, message) {
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

/**
 * A writer of one status line into `box`: say(text, kind, ...nodes) with kind "ok" (green),
 * "error" (an alert) or "" (plain, small).
 */
export function statusLine(box) {
  return (text, kind = "", ...extra) => {
    const cls = kind === "error" ? "row-error" : kind === "ok" ? "ok" : "muted small";
    box.replaceChildren(el("p", { class: cls, role: kind === "error" ? "alert" : null }, text, ...extra));
  };
}
