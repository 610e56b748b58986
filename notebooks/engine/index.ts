/** Notebooks: Markdown analyses with SQL, Vega-Lite and estimate blocks, rendered live or to files. */
export { chooseStudy } from "./chooseStudy.ts";
export { columnKind, DECIMALS, formatValue, localTime } from "./formatValue.ts";
export { findNotebook, listNotebooks, loadNotebook, NOTEBOOKS_DIR } from "./loadNotebook.ts";
export { localize } from "./localize.ts";
export { describePlace, NotebookError, type NotebookPlace } from "./NotebookError.ts";
export { parseNotebook } from "./parseNotebook.ts";
export { renderBody, shownColumns } from "./renderBody.ts";
export { renderNotebook } from "./renderNotebook.ts";
export { resolveParams } from "./resolveParams.ts";
export { runNotebook, UNSUPPRESSED } from "./runNotebook.ts";
export { snapshotStudies } from "./snapshotStudies.ts";
export { snapshotTables } from "./snapshotTables.ts";
export { NOTEBOOK_CSS, standaloneHtml } from "./standaloneHtml.ts";
export { type StudyNames, studyNames } from "./studyNames.ts";
export { studyParams } from "./studyParams.ts";
export type * from "./types.ts";
export { clientScript } from "./vendorScripts.ts";
