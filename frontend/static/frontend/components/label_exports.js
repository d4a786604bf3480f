// The label exports panel (releases page): write the project's clips for another tool — the
// iMiGUE label table, MiGA per-video CSVs, ELAN .eaf files or a PYSKL pickle of the poses — as a
// job, and list the exports with their state and download. Built entirely here, into the
// element it is given, so the page only has to give it a place and the project.

import { get, post } from "../lib/api.js";
import { el } from "../lib/dom.js";
import { formatBytes, formatDate, formatNumber } from "../lib/format.js";
import { statusLine } from "../lib/notice.js";
import { Drawn, Poller } from "../lib/poll.js";
import { ACTIVE_JOB_STATES } from "../lib/states.js";
import { jobUrl } from "../lib/urls.js";
import { badge, progressBar } from "../lib/widgets.js";

const FORMATS = [
  ["imigue", "iMiGUE label table (CSV)"],
  ["miga", "MiGA: one <VVVV>_label.csv per video (zip)"],
  ["eaf", "ELAN .eaf per video, a tier per labeler and the consensus (zip)"],
  ["pyskl", "PYSKL pickle of the clips' poses"],
];
const COLUMNS = ["Export", "Status", "Clips", "File", "Left out", "Started"];

const ids = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

function stateCell(e) {
  const cell = el("td", {}, badge(e.state));
  if (ACTIVE_JOB_STATES.has(e.state)) {
    cell.append(" ", progressBar(e.progress, `Export ${e.id}`), " ", el("a", { href: jobUrl(e.id), text: `job #${e.id}` }));
  }
  if (e.state === "failed" && e.error) cell.append(el("div", { class: "row-error small", text: e.error }));
  return cell;
}

function row(e) {
  const file = e.download
    ? el("a", { href: e.download, download: e.name, text: e.name })
    : el("span", { class: "muted", text: "—" });
  const size = e.size === null || e.size === undefined ? "" : ` (${formatBytes(e.size)})`;
  const left = e.skipped_count
    ? el("span", { title: e.skipped.join("\n"), text: formatNumber(e.skipped_count) })
    : "0";
  return el("tr", { dataset: { export: e.id } },
    el("td", { text: e.description || e.format }), stateCell(e),
    el("td", { class: "num", text: e.clips === null ? "—" : formatNumber(e.clips) }),
    el("td", {}, file, size), el("td", { class: "num" }, left),
    el("td", { text: formatDate(e.created_at) }));
}

/** Build the panel in `root` for project `projectId` and start following its exports. */
export function mountLabelExports(root, projectId) {
  const select = el("select", { id: "label-export-format", name: "format" },
    ...FORMATS.map(([value, label]) => el("option", { value, text: label })));
  const subjects = el("input", { id: "label-export-train", name: "train_subjects", placeholder: "e.g. 2, 4, 5" });
  const subjectsField = el("div", { class: "field", hidden: true },
    el("label", { for: "label-export-train", text: "PYSKL training subjects (empty: every clip in xsub_train)" }), subjects);
  const button = el("button", { type: "submit", class: "primary", text: "Export labels" });
  const status = el("div", { id: "label-export-status", "aria-live": "polite" });
  const say = statusLine(status);
  const form = el("form", { id: "label-export-form", "aria-label": "Export labels" },
    el("div", { class: "field" }, el("label", { for: "label-export-format", text: "Format" }), select),
    subjectsField, button, status);
  const tbody = el("tbody", {}, el("tr", {}, el("td", { colspan: String(COLUMNS.length), class: "muted", text: "Loading…" })));
  const table = el("table", { id: "label-export-table", class: "data" },
    el("thead", {}, el("tr", {}, ...COLUMNS.map((c) => el("th", { text: c })))), tbody);
  root.replaceChildren(
    el("h2", { id: "label-exports-title", text: "Label exports for other tools" }),
    el("p", { class: "muted small", text: "The project's clips in another tool's format, written as a job; the file stays here to download. Unlike a release these hold the project's own video ids." }),
    form, table);
  root.setAttribute("aria-labelledby", "label-exports-title");

  const drawn = new Drawn();
  async function refresh() {
    let exports;
    try {
      exports = await get(`projects/${projectId}/label-exports/`);
    } catch (err) {
      say(`Exports could not be loaded: ${err.message}`, "error");
      return true;
    }
    if (drawn.changed("exports", exports)) {
      tbody.replaceChildren(...(exports.length ? exports.map(row)
        : [el("tr", {}, el("td", { colspan: String(COLUMNS.length), class: "muted", text: "No export yet." }))]));
    }
    return exports.some((e) => ACTIVE_JOB_STATES.has(e.state));
  }
  const poller = new Poller(refresh, 1500);

  select.addEventListener("change", () => {
    subjectsField.hidden = select.value !== "pyskl";
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { format: select.value };
    if (select.value === "pyskl" && ids(subjects.value).length) body.train_subjects = ids(subjects.value);
    button.disabled = true;
    try {
      const { job } = await post(`projects/${projectId}/label-exports/`, body);
      say("Writing the export — ", "ok", el("a", { href: jobUrl(job), text: `job #${job}` }));
    } catch (err) {
      say(err.message, "error");
    } finally {
      button.disabled = false;
    }
    poller.now();
  });
  poller.now();
  return poller;
}
