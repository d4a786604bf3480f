// Numbers, sizes, dates and counts as the pages print them ("—" where there is no value).

export function formatBytes(n) {
  if (n === null || n === undefined || !Number.isFinite(Number(n))) return "—";
  let value = Number(n);
  const units = ["B", "KB", "MB", "GB", "TB"];
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export const formatSpeed = (bytesPerSecond) => `${formatBytes(bytesPerSecond || 0)}/s`;

/** 0..1 -> "42 %" (floored, so "100 %" means done). */
export function formatPercent(fraction) {
  const value = Math.max(0, Math.min(1, Number(fraction) || 0));
  return `${Math.floor(value * 100 + 1e-9)} %`;
}

export function formatNumber(value, digits = 0) {
  if (value === null || value === undefined || value === "") return "—";
  const n = Number(value);
  return Number.isFinite(n) ? n.toLocaleString("en-US", { maximumFractionDigits: digits }) : "—";
}

export function formatDate(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** plural(3, "clip") -> "3 clips", plural(1, "clip") -> "1 clip". */
export const plural = (n, word) => `${formatNumber(n)} ${word}${n === 1 ? "" : "s"}`;
