/**
 * The XLSForm expression subset a survey codebook needs, for `constraint` and `relevant`:
 * `.` (this answer), `${item}`, numbers, 'strings', `= != < <= > >=`, `+ - * div mod`,
 * `and or`, parentheses and the functions selected(), count-selected(), string-length(),
 * regex(), not() and today(). Parsed once when the codebook is read; translated to one SQL
 * boolean expression for the validation pass (literals become bound parameters).
 */

export type Expr =
  | { kind: "self" }
  | { kind: "ref"; name: string }
  | { kind: "number"; value: number }
  | { kind: "string"; value: string }
  | { kind: "binary"; op: string; left: Expr; right: Expr }
  | { kind: "neg"; operand: Expr }
  | { kind: "call"; name: string; args: Expr[] }
  /** A column of the choices sheet, by its bare name: only in a choice_filter. */
  | { kind: "column"; name: string };

const FUNCTIONS: Record<string, number> = {
  selected: 2,
  "count-selected": 1,
  "string-length": 1,
  regex: 2,
  not: 1,
  today: 0,
};

type Token = {
  type: "num" | "str" | "ref" | "dot" | "op" | "name" | "lparen" | "rparen" | "comma";
  text: string;
  at: number;
};

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    const rest = source.slice(i);
    const ref = /^\$\{([A-Za-z_][A-Za-z0-9_.-]*)\}/.exec(rest);
    const num = /^(\d+(\.\d+)?|\.\d+)/.exec(rest);
    const op = /^(!=|<=|>=|=|<|>|\+|-|\*)/.exec(rest);
    const word = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (ref) {
      tokens.push({ type: "ref", text: ref[1]!, at });
      i += ref[0].length;
    } else if (num) {
      tokens.push({ type: "num", text: num[0], at });
      i += num[0].length;
    } else if (c === ".") {
      tokens.push({ type: "dot", text: ".", at });
      i++;
    } else if (c === "'" || c === '"') {
      const end = source.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unclosed string starting at position ${i + 1}`);
      tokens.push({ type: "str", text: source.slice(i + 1, end), at });
      i = end + 1;
    } else if (op) {
      tokens.push({ type: "op", text: op[0], at });
      i += op[0].length;
    } else if (word) {
      const type = ["and", "or", "div", "mod"].includes(word[0]) ? "op" : "name";
      tokens.push({ type, text: word[0], at });
      i += word[0].length;
    } else if (c === "(") {
      tokens.push({ type: "lparen", text: c, at });
      i++;
    } else if (c === ")") {
      tokens.push({ type: "rparen", text: c, at });
      i++;
    } else if (c === ",") {
      tokens.push({ type: "comma", text: c, at });
      i++;
    } else {
      throw new Error(`unexpected character ${JSON.stringify(c)} at position ${i + 1}`);
    }
  }
  return tokens;
}

const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  "=": 3,
  "!=": 3,
  "<": 4,
  "<=": 4,
  ">": 4,
  ">=": 4,
  "+": 5,
  "-": 5,
  "*": 6,
  div: 6,
  mod: 6,
};

/** Parse an XLSForm expression; throws a message naming the position of the problem. */
export function parseExpression(source: string, options: { choiceColumns?: boolean } = {}): Expr {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const fail = (what: string): never => {
    const t = peek();
    throw new Error(t ? `${what} at position ${t.at + 1} ('${t.text}')` : `${what} at the end`);
  };

  function primary(): Expr {
    const t = peek();
    if (!t) return fail("expected a value");
    pos++;
    switch (t.type) {
      case "num":
        return { kind: "number", value: Number(t.text) };
      case "str":
        return { kind: "string", value: t.text };
      case "ref":
        return { kind: "ref", name: t.text };
      case "dot":
        return { kind: "self" };
      case "lparen": {
        const inner = binary(0);
        if (peek()?.type !== "rparen") fail("expected ')'");
        pos++;
        return inner;
      }
      case "op":
        if (t.text === "-") return { kind: "neg", operand: primary() };
        pos--;
        return fail("unexpected operator");
      case "name": {
        if (options.choiceColumns && peek()?.type !== "lparen") return { kind: "column", name: t.text };
        const arity = FUNCTIONS[t.text];
        if (arity === undefined) {
          pos--;
          return fail(`unknown function or word '${t.text}'`);
        }
        if (peek()?.type !== "lparen") fail(`expected '(' after ${t.text}`);
        pos++;
        const args: Expr[] = [];
        if (peek()?.type !== "rparen") {
          args.push(binary(0));
          while (peek()?.type === "comma") {
            pos++;
            args.push(binary(0));
          }
        }
        if (peek()?.type !== "rparen") fail("expected ')'");
        pos++;
        if (args.length !== arity) {
          throw new Error(`${t.text}() takes ${arity} argument(s), got ${args.length}`);
        }
        return { kind: "call", name: t.text, args };
      }
      default:
        pos--;
        return fail("expected a value");
    }
  }

  function binary(minPrec: number): Expr {
    let left = primary();
    for (;;) {
      const t = peek();
      if (t?.type !== "op") break;
      const prec = PRECEDENCE[t.text];
      if (prec === undefined || prec <= minPrec) break;
      pos++;
      const right = binary(prec);
      left = { kind: "binary", op: t.text, left, right };
    }
    return left;
  }

  if (tokens.length === 0) throw new Error("empty expression");
  const expr = binary(0);
  if (pos < tokens.length) fail("unexpected text");
  return expr;
}

/** Item names an expression refers to with ${...}. */
export function referencedItems(expr: Expr): string[] {
  switch (expr.kind) {
    case "ref":
      return [expr.name];
    case "binary":
      return [...referencedItems(expr.left), ...referencedItems(expr.right)];
    case "neg":
      return referencedItems(expr.operand);
    case "call":
      return expr.args.flatMap(referencedItems);
    default:
      return [];
  }
}
