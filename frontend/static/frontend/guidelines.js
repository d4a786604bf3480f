// The guidelines page: the current general boundary rules and, grouped by the
// category's group, each category's definition, inclusion and exclusion notes and example clips.

import { get } from "./lib/api.js";
import { $, el } from "./lib/dom.js";
import { showError } from "./lib/notice.js";

const app = $("guidelines-app");
const projectId = Number(app.dataset.projectId);

function body(g) {
  if (!g) return [el("p", { class: "muted small", text: "No guideline written yet." })];
  return [
    el("p", { class: "definition", text: g.definition || "—" }),
    g.inclusion ? el("p", {}, el("strong", { text: "Counts: " }), g.inclusion) : null,
    g.exclusion ? el("p", {}, el("strong", { text: "Does not count: " }), g.exclusion) : null,
    g.example_clips.length ? el("p", { class: "small" }, el("strong", { text: "Example clips: " }),
      g.example_clips.join(", ")) : null,
    el("p", { class: "muted small", text: `Version ${g.version}` }),
  ];
}

async function main() {
  let guidelines;
  let categories;
  try {
    [guidelines, categories] = await Promise.all([
      get(`projects/${projectId}/guidelines/`), get(`projects/${projectId}/categories/`),
    ]);
  } catch (err) {
    showError($("page-error"), `Could not load the guidelines: ${err.message}`);
    return;
  }
  const byCode = new Map(guidelines.map((g) => [g.category_code, g]));
  $("general-rules").replaceChildren(...body(byCode.get(null)).filter(Boolean));
  const groups = new Map();
  for (const c of categories) {
    if (!groups.has(c.group)) groups.set(c.group, []);
    groups.get(c.group).push(c);
  }
  $("category-groups").replaceChildren(...[...groups].map(([group, cats]) => el(
    "section", { class: "card guideline-group", dataset: { group } },
    el("h2", { text: group || "Other" }),
    ...cats.map((c) => el(
      "article", { class: "guideline", dataset: { category: c.code } },
      el("h3", { text: `C${c.code} ${c.name}` }),
      ...body(byCode.get(c.code)).filter(Boolean),
    )),
  )));
  app.classList.add("ready");
}

main();
