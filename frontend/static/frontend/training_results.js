// A labeler's training results: per project, each closed round's score against the
// reference answer (R, onset/offset error, confusions) and R over the rounds as a small line.

import { formatR } from "./components/charts.js";
import { progressLine } from "./components/training_chart.js";
import { get } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatDate } from "./lib/format.js";
import { showError } from "./lib/notice.js";

const fmt = (x, digits = 1) => (x === null || x === undefined ? "—" : Number(x).toFixed(digits));

function roundRow(r) {
  const s = r.score;
  const confusions = s ? s.confusions.map((c) => `C${c.labeler} for C${c.reference} ×${c.count}`).join(", ") : "";
  return el(
    "tr", { dataset: { round: r.round } },
    el("td", { class: "num", text: String(r.round) }),
    el("th", { scope: "row", text: r.name }),
    el("td", { text: formatDate(r.closed_at) }),
    el("td", { class: "num r", text: s ? formatR(s.r) : "—", dataset: { r: s ? s.r ?? "" : "" } }),
    el("td", { class: "num", text: s ? `${s.matches} / ${s.n_reference}` : "—" }),
    el("td", { class: "num", text: s ? String(s.n_labeler) : String(r.segments) }),
    el("td", { class: "num", text: s ? fmt(s.onset_error) : "—" }),
    el("td", { class: "num", text: s ? fmt(s.offset_error) : "—" }),
    el("td", { class: "small", text: s ? confusions || "none" : "no reference answer" }),
  );
}

async function loadProject(section) {
  const body = section.querySelector(".results-body");
  try {
    const data = await get("training/results/", { project: section.dataset.projectId });
    if (!data.rounds.length) {
      body.replaceChildren(el("p", { class: "empty", text: "No closed training round yet." }));
      return;
    }
    const table = el("table", { class: "data compact results-table" },
      el("thead", {}, el("tr", {}, ...["#", "Round", "Closed", "R", "Matched / reference", "Your segments",
        "Onset error (frames)", "Offset error (frames)", "Your category where the reference differs"]
        .map((t, k) => el("th", { scope: "col", class: [0, 3, 4, 5, 6, 7].includes(k) ? "num" : "", text: t })))),
      el("tbody", {}, ...data.rounds.map(roundRow)));
    body.replaceChildren(
      el("div", { class: "results-layout" },
        el("div", { class: "table-wrap" }, table),
        el("figure", { class: "progress" }, progressLine(data.rounds),
          el("figcaption", { class: "muted small", text: "R against the reference, round by round" }))),
    );
  } catch (err) {
    body.replaceChildren(el("p", { class: "alert error", text: `Could not load: ${err.message}` }));
  }
}

async function main() {
  const sections = [...document.querySelectorAll(".training-project")];
  try {
    await Promise.all(sections.map(loadProject));
  } catch (err) {
    showError($("page-error"), err.message);
  }
  $("results-app").classList.add("ready");
}

main();
