// The SQL console's editor, for the browser: CodeMirror 6 with SQL highlighting and completion
// of the snapshot's table and column names. Bundled with its libraries into one module
// (bundleEditor.ts, at build time), which /assets/vendor/sql-editor.js serves.

import { PostgreSQL, sql } from "@codemirror/lang-sql";
import { Compartment, EditorState, Prec } from "@codemirror/state";
import { keymap } from "@codemirror/view";
import { basicSetup, EditorView } from "codemirror";

/**
 * An editor in `parent` holding `doc`; `onRun` is called on Ctrl/Cmd+Enter. The returned
 * object reads and sets the text and sets the completion schema ({ table: [column, ...] }).
 */
export function createSqlEditor(parent, { doc, onRun, label }) {
  const language = new Compartment();
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc,
      extensions: [
        basicSetup,
        EditorView.lineWrapping,
        language.of(sql({ dialect: PostgreSQL, upperCaseKeywords: false })),
        Prec.highest(
          keymap.of([
            {
              key: "Mod-Enter",
              run: () => {
                onRun();
                return true;
              },
            },
          ]),
        ),
        EditorView.contentAttributes.of({ "aria-label": label ?? "SQL" }),
      ],
    }),
  });
  return {
    view,
    get value() {
      return view.state.doc.toString();
    },
    set value(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
    },
    setSchema(schema) {
      view.dispatch({
        effects: language.reconfigure(sql({ dialect: PostgreSQL, upperCaseKeywords: false, schema })),
      });
    },
  };
}
