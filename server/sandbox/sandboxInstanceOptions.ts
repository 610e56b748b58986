import type { ChildSettings } from "./protocol.ts";

/**
 * DuckDB options for the sandbox's own instance over a snapshot file.
 *
 * Order matters: DuckDB applies them one by one, so `temp_directory` must come before
 * `enable_external_access=false` (afterwards it is refused with a bare "Failed to set
 * config"), and `lock_configuration` must come last. With external access off DuckDB still
 * allows the database file itself (its `allowed_paths`), nothing else: no file, directory,
 * URL, ATTACH, COPY, INSTALL or LOAD. `memory_limit` bounds DuckDB's buffer manager only;
 * one huge value (`repeat('x', 1e9)`) is allocated outside it, which is why the server also
 * watches the child's resident memory and kills it above a ceiling.
 */
export function sandboxInstanceOptions(settings: ChildSettings): Record<string, string> {
  return {
    access_mode: "READ_ONLY",
    // no spilling: an empty temp directory plus a zero budget, so big sorts fail in memory
    temp_directory: "",
    max_temp_directory_size: "0B",
    memory_limit: settings.memoryLimit,
    threads: String(settings.threads),
    enable_external_access: "false",
    autoinstall_known_extensions: "false",
    autoload_known_extensions: "false",
    allow_community_extensions: "false",
    allow_unsigned_extensions: "false",
    lock_configuration: "true",
  };
}
