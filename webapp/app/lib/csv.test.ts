import { describe, expect, it } from "vitest";
import { csvLine } from "./csv";

describe("csv", () => {
  it("quotes commas, quotes and newlines, and defuses spreadsheet formulas", () => {
    expect(csvLine(["a,b", 'say "hi"', 1.5, null, "=1+1", "line\nbreak"])).toBe('"a,b","say ""hi""",1.5,,\'=1+1,"line\nbreak"\r\n');
  });
});
