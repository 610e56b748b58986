import { describe, expect, it } from "vitest";
import { allowed, type Capability } from "../../server/auth/access.ts";
import type { Principal } from "../../server/auth/authenticate.ts";
import { ROLES } from "../../server/auth/users.ts";
import { navLinks } from "../../server/routes/layout.ts";

// The navigation shows each role exactly the pages its routes let it open (the access table).
const PAGE_NEEDS: Record<string, Capability[]> = {
  "/": ["overview"],
  "/methodology": ["overview"],
  "/themes": ["overview"],
  "/sites": ["overview"],
  "/notebooks": ["overview"],
  "/releases": ["releases"],
  "/upload": ["uploads"],
  "/sql": ["sql"],
  "/admin": ["users"],
};

describe("navigation per role", () => {
  for (const role of ROLES) {
    it(`${role}: every page it may open, and no other`, () => {
      const who = { user_name: "u", role, via: "session" } as Principal;
      const hrefs = navLinks(who, "zh").map((l) => l.href);
      const expected = Object.entries(PAGE_NEEDS)
        .filter(([, needs]) => needs.every((c) => allowed(c, role)))
        .map(([href]) => href);
      expect(hrefs).toEqual(expected);
    });
  }

  it("an analyst gets SQL and notebooks, an uploader the upload page, an admin everything, in English too", () => {
    const hrefs = (role: Principal["role"]) =>
      navLinks({ user_name: "u", role, via: "session" } as Principal, "en").map((l) => l.href);
    expect(hrefs("analyst")).toEqual(expect.arrayContaining(["/sql?lang=en", "/notebooks?lang=en"]));
    expect(hrefs("analyst")).not.toContain("/upload?lang=en");
    expect(hrefs("uploader")).toContain("/upload?lang=en");
    expect(hrefs("admin")).toEqual(
      expect.arrayContaining(["/upload?lang=en", "/sql?lang=en", "/admin?lang=en", "/releases?lang=en"]),
    );
    expect(hrefs("viewer")).not.toContain("/sql?lang=en");
  });
});
