// The per-face part of a clip's privacy report (docs/design.md §8), shown under the report's
// facts on the Clips page: how many face tracks the blur followed, the most detail any face kept
// after blurring (variance of the Laplacian inside the face's ellipse, blurred over original),
// the verifier's hits, and one row per track. A face that kept 35 % or more of its detail, or
// that the verifier found after blurring, is marked.

import { el } from "../lib/dom.js";
import { formatNumber, plural } from "../lib/format.js";

const SECTION_ID = "clip-face-report";
const MAX_ROWS = 40;
const DETAIL_LIMIT = 0.35; // the tests' bar for "hidden" (tests/unit/test_face_small.py)

function percent(value) {
  return value === null || value === undefined ? "—" : `${(Number(value) * 100).toFixed(1)} %`;
}

function trackRow(track) {
  const hits = Number(track.verifier_hits) || 0;
  const leaked = hits > 0 || (track.detail_kept != null && Number(track.detail_kept) >= DETAIL_LIMIT);
  return el(
    "tr",
    { class: leaked ? "row-error" : null, dataset: { track: track.track } },
    el("th", { scope: "row", class: "num", text: String(track.track) }),
    el("td", { class: "num nowrap", text: `${track.first_frame}–${track.last_frame}` }),
    el("td", { class: "num", text: formatNumber(track.frames) }),
    el("td", { class: "num", text: formatNumber(track.detections) }),
    el("td", { class: "num", text: `${formatNumber(track.face_px)} px` }),
    el("td", { class: "num", text: Number(track.best_score).toFixed(2) }),
    el("td", { class: "num", text: percent(track.detail_kept) }),
    el("td", { class: "num", text: formatNumber(hits) }),
  );
}

function summary(p) {
  const tracks = Array.isArray(p.tracks) ? p.tracks : [];
  const hits = Number(p.redetections) || 0;
  const parts = [plural(Number(p.tracks_found ?? tracks.length) || 0, "face track")];
  if (p.max_detail_kept != null) parts.push(`most detail kept ${percent(p.max_detail_kept)}`);
  parts.push(hits ? `${plural(hits, "verifier hit")} after blur` : "no verifier hit after blur");
  return parts.join(" · ");
}

function hitList(p) {
  const hits = Array.isArray(p.verifier_hits) ? p.verifier_hits : [];
  if (!hits.length) return null;
  return el(
    "ul",
    { class: "small face-hits" },
    ...hits.slice(0, 10).map((h) =>
      el("li", {
        text: `frame ${h.frame}: box ${(h.box || []).join(",")} score ${Number(h.score).toFixed(2)}${h.track != null ? ` (track ${h.track})` : " (no track: a face the blur never followed)"}`,
      }),
    ),
  );
}

/** Show the per-face report of `privacy` (a clip's privacy JSON) right after `anchor`. */
export function showFaceReport(anchor, privacy) {
  let section = document.getElementById(SECTION_ID);
  const p = privacy || {};
  if (!Array.isArray(p.tracks) && p.tracks_found == null) {
    if (section) section.remove(); // a report from before per-face tracks, or none yet
    return;
  }
  if (!section) {
    section = el("section", { id: SECTION_ID, class: "face-report", "aria-labelledby": `${SECTION_ID}-title` });
    anchor.after(section);
  }
  const tracks = p.tracks || [];
  const table = tracks.length
    ? el(
        "table",
        { class: "data small", id: `${SECTION_ID}-tracks` },
        el("caption", { class: "visually-hidden", text: "Face tracks of this clip" }),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            ...["Track", "Frames", "Covered", "Found", "Face", "Score", "Detail kept", "Verifier"].map((t) =>
              el("th", { scope: "col", text: t }),
            ),
          ),
        ),
        el("tbody", {}, ...tracks.slice(0, MAX_ROWS).map(trackRow)),
      )
    : null;
  section.replaceChildren(
    el("h4", { id: `${SECTION_ID}-title`, text: "Faces" }),
    el("p", { class: "small", id: `${SECTION_ID}-summary`, text: summary(p) }),
    table,
    tracks.length > MAX_ROWS ? el("p", { class: "muted small", text: `… and ${tracks.length - MAX_ROWS} more tracks` }) : null,
    hitList(p),
  );
}
