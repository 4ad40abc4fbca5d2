/** A fixed-width text progress bar for stderr lines: `[#####-----]  5/10`. */
export function progressBar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  const count = `${String(done).padStart(String(total).length)}/${total}`;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${count}`;
}
