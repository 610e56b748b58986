import { describe, expect, it } from "vitest";
import { jsonInPieces } from "../../server/jsonInPieces.ts";

describe("jsonInPieces", () => {
  it("gives exactly JSON.stringify's bytes, for no rows, one piece and several", async () => {
    const row = (i: number) => ({
      unit: `T${i}`,
      name: '城关镇\u2028"引号"',
      estimate: i / 7,
      missing: null,
      nested: [1, { a: "b" }],
    });
    for (const n of [0, 1, 999, 1000, 1001, 2500]) {
      const rows = Array.from({ length: n }, (_, i) => row(i));
      const head = { study: "s", filters: { wave: "2026", org: null } };
      const bytes = await jsonInPieces(head, "rows", rows);
      expect(bytes.toString("utf8")).toBe(JSON.stringify({ ...head, rows }));
    }
    expect((await jsonInPieces({}, "rows", [1, 2])).toString()).toBe('{"rows":[1,2]}');
  });
});
