// The review queue: every video the latest agreement run compared, videos with open items first
// (then lowest R), each linking to its review page.

import { get } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatNumber } from "./lib/format.js";
import { showError } from "./lib/notice.js";
import { badge } from "./lib/widgets.js";

const app = $("review-queue-app");
const projectId = app.dataset.projectId;

async function main() {
  let rows;
  try {
    rows = await get(`projects/${projectId}/review/`);
  } catch (err) {
    showError($("page-error"), `Could not load the review queue: ${err.message}`);
    return;
  }
  rows.sort((a, b) => (b.open > 0) - (a.open > 0) || (a.r ?? 2) - (b.r ?? 2));
  const body = document.querySelector("#review-table tbody");
  body.replaceChildren(...rows.map((r) => el(
    "tr", { dataset: { videoId: r.video_id } },
    el("th", { scope: "row" }, el("a", { href: `/review/${r.video_id}/`, text: r.video })),
    el("td", { text: r.labelers.join(" – ") }),
    el("td", { class: "num", text: r.r === null ? "–" : formatNumber(r.r, 3) }),
    el("td", { class: "num", text: String(r.items) }),
    el("td", { class: "num", text: String(r.open) }),
    el("td", {}, badge(r.closed ? "closed" : r.open ? "open" : "decided")),
  )));
  const open = rows.filter((r) => !r.closed).length;
  $("review-summary").textContent = rows.length
    ? `${rows.length} videos compared; ${open} not closed yet.`
    : "No video has been submitted by two labelers yet.";
  app.classList.add("ready");
}

main();
