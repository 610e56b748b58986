/**
 * The file name as the user gave it, for showing and storing only: the last path segment
 * (either slash), control characters removed, at most 200 characters. Never used as a path.
 */
export function displayName(name: string): string {
  const last =
    name
      .split(/[\\/]/)
      .filter((p) => p !== "" && p !== "." && p !== "..")
      .pop() ?? "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  const clean = last.replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 200);
  return clean || "upload";
}
