// The releases page: create a release (a job: its progress is polled here), list the
// project's releases with counts, the tar's sha256, the validation result and the download.

import { mountLabelExports } from "./components/label_exports.js";
import { get, post } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { formatNumber } from "./lib/format.js";
import { showError, statusLine } from "./lib/notice.js";
import { Drawn, Poller } from "./lib/poll.js";
import { jobUrl } from "./lib/urls.js";
import { badge, progressBar } from "./lib/widgets.js";

const root = $("releases-app");
const projectId = Number(root.dataset.projectId);
const form = $("release-form");
const statusBox = $("release-status");
const say = statusLine(statusBox);
const tbody = $("release-table").querySelector("tbody");
const ACTIVE = new Set(["pending", "writing"]);
const STATUS = { pending: "Pending", writing: "Writing", done: "Done", failed: "Failed" };
const drawn = new Drawn();

function validationCell(r) {
  if (r.valid === true) return el("td", { class: "ok", text: "valid" });
  if (r.valid === false) {
    const problems = r.validation || [];
    return el("td", { class: "row-error", title: problems.join("\n"), text: `${problems.length} problem(s)` });
  }
  return el("td", { class: "muted", text: "—" });
}

function statusCell(r) {
  const cell = el("td", {}, badge(r.status, STATUS[r.status]));
  if (ACTIVE.has(r.status) && r.job) {
    cell.append(" ", progressBar(r.progress || 0, `Writing ${r.name}-${r.version}`), " ",
      el("a", { href: jobUrl(r.job), text: `job #${r.job}` }));
  }
  if (r.status === "failed" && r.error) cell.append(el("div", { class: "row-error small", text: r.error }));
  return cell;
}

function row(r) {
  const sha = r.sha256 ? el("code", { title: r.sha256, text: `${r.sha256.slice(0, 16)}…` }) : "—";
  const download = r.download ? el("a", { href: r.download, download: r.tar, text: r.tar }) : "—";
  const name = `${r.name}-${r.version}` + (r.labels_only ? " (labels only)" : "");
  return el("tr", { dataset: { release: r.id } },
    el("td", { text: name }), statusCell(r),
    el("td", { class: "num", text: formatNumber(r.clips) }),
    el("td", { class: "num", text: formatNumber(r.poses) }),
    el("td", { class: "num", text: formatNumber(r.videos) }),
    el("td", { class: "num", text: formatNumber(r.subjects) }),
    el("td", {}, sha), validationCell(r), el("td", {}, download));
}

async function refresh() {
  let releases;
  try {
    releases = await get(`projects/${projectId}/releases/`);
  } catch (err) {
    showError($("page-error"), `Releases could not be loaded: ${err.message}`);
    return true;
  }
  showError($("page-error"), "");
  if (drawn.changed("releases", releases)) {
    tbody.replaceChildren(...(releases.length ? releases.map(row)
      : [el("tr", {}, el("td", { colspan: "9", class: "muted", text: "No release yet." }))]));
  }
  return releases.some((r) => ACTIVE.has(r.status));
}

const poller = new Poller(refresh, 1500);

$("release-protocol-file").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  $("release-protocol").value = await file.text();
  form.querySelector("input[value=protocol]").checked = true;
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const body = { name: data.get("name"), version: data.get("version"), licence: data.get("licence") || "" };
  if (data.get("split-source") === "protocol") {
    body.protocol = $("release-protocol").value;
    if (!body.protocol.trim()) {
      say("Paste or choose the protocol text.", "error");
      return;
    }
  } else {
    body.seed = Number(data.get("seed")) || 0;
    body.test_fraction = Number(data.get("test_fraction")) || 0.25;
  }
  const button = $("release-create");
  button.disabled = true;
  try {
    const { job, release } = await post(`projects/${projectId}/releases/`, body);
    say(`Writing ${release.name}-${release.version} — `, "ok", el("a", { href: jobUrl(job), text: `job #${job}` }));
  } catch (err) {
    // A refusal lists the clips at fault, one per line.
    statusBox.replaceChildren(el("pre", { class: "row-error", role: "alert", text: err.message }));
  } finally {
    button.disabled = false;
  }
  poller.now();
});

poller.now();
mountLabelExports($("label-exports"), projectId);
