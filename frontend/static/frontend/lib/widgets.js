// Two small status widgets the tables share: a coloured state pill and a labelled progress bar.

import { el } from "./dom.js";
import { formatPercent } from "./format.js";

const LABELS = {
  no_media: "no media",
  in_progress: "in progress",
  retrying: "retrying",
};

/** A coloured status pill; its colour comes from the CSS class status-<value>. */
export function badge(value, label) {
  const text = label || LABELS[value] || String(value || "—");
  return el("span", { class: `badge status-${value || "none"}`, text });
}

/** A labelled <progress> (0..1) with the percentage beside it. */
export function progressBar(fraction, label = "Progress") {
  const value = Math.round(Math.max(0, Math.min(1, Number(fraction) || 0)) * 1000) / 10;
  return el(
    "span",
    { class: "progress-line" },
    el("progress", { max: "100", value: String(value), "aria-label": label }),
    el("span", { class: "progress-text", text: formatPercent(fraction) }),
  );
}
