// Page and media addresses. The server reverses each page's URL with the id 0 into a data
// attribute ("/jobs/0/", data-job-url on <body>, data-run-url on a page's root…), so no route is
// spelled twice; urlWithId() puts the real id in its place.

import { apiUrl } from "./api.js";

/** "/jobs/0/" and 42 -> "/jobs/42/": the template's trailing id segment replaced by `id`. */
export function urlWithId(template, id) {
  return template.replace(/0\/?$/, `${id}/`);
}

/** The job page of job `id`. */
export function jobUrl(id) {
  return urlWithId((document.body && document.body.dataset.jobUrl) || "/jobs/0/", id);
}

/** The constant-frame-rate proxy of video `id` (what the frame-exact player plays). */
export const proxyUrl = (videoId) => apiUrl(`videos/${videoId}/proxy/`);
