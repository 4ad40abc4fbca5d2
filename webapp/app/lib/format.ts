/** Number and date formatting shared by the pages (en-US, like the exchange). */
const price = new Intl.NumberFormat("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 4 });
const whole = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

export const fmtPrice = (n: number | null | undefined) => (n === null || n === undefined ? "–" : price.format(n));
export const fmtVolume = (n: number | null | undefined) => (n === null || n === undefined ? "–" : whole.format(n));
export const fmtSigned = (n: number, digits = 2) => `${n > 0 ? "+" : n < 0 ? "−" : ""}${Math.abs(n).toFixed(digits)}`;
/** `2025-01-03T14:05:00.000Z` as `2025-01-03 14:05 UTC`. */
export const fmtTime = (iso: string | null | undefined) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : "–");
