/** `StatementType` and `SubstatementType` of a query, and which result file Athena writes for it. */
export interface StatementKind {
  statementType: "DML" | "DDL" | "UTILITY";
  /** Left out for statements whose value is not known from measurements of real Athena. */
  substatementType?: string;
  /** SELECT-like statements write `<id>.csv` with a header; DDL and utility statements `<id>.txt` without. */
  resultFile: "csv" | "txt";
}

/** Skips leading whitespace and comments (`-- ...`, `/* ... *\/`), as Athena does before classifying. */
function stripLeading(query: string): string {
  let rest = query;
  for (;;) {
    const trimmed = rest.trimStart();
    if (trimmed.startsWith("--")) {
      const nl = trimmed.indexOf("\n");
      rest = nl < 0 ? "" : trimmed.slice(nl + 1);
    } else if (trimmed.startsWith("/*")) {
      const end = trimmed.indexOf("*/");
      rest = end < 0 ? "" : trimmed.slice(end + 2);
    } else {
      return trimmed;
    }
  }
}

const RULES: Array<[RegExp, StatementKind]> = [
  [/^(select|with|values|table)\b/, { statementType: "DML", substatementType: "SELECT", resultFile: "csv" }],
  [/^\(/, { statementType: "DML", substatementType: "SELECT", resultFile: "csv" }],
  [/^explain\b/, { statementType: "DML", substatementType: "EXPLAIN", resultFile: "csv" }],
  [/^insert\b/, { statementType: "DML", substatementType: "INSERT", resultFile: "csv" }],
  [/^update\b/, { statementType: "DML", substatementType: "UPDATE", resultFile: "csv" }],
  [/^delete\b/, { statementType: "DML", substatementType: "DELETE", resultFile: "csv" }],
  [/^merge\b/, { statementType: "DML", substatementType: "MERGE", resultFile: "csv" }],
  [
    /^create\s+(external\s+)?table\b[\s\S]*\bas\b\s*(\(\s*)?(select|with|values)\b/,
    { statementType: "DDL", substatementType: "CREATE_TABLE_AS_SELECT", resultFile: "txt" },
  ],
  [/^create\s+(external\s+)?table\b/, { statementType: "DDL", substatementType: "CREATE_TABLE", resultFile: "txt" }],
  [/^create\s+(database|schema)\b/, { statementType: "DDL", substatementType: "CREATE_DATABASE", resultFile: "txt" }],
  [/^create\s+(or\s+replace\s+)?view\b/, { statementType: "DDL", substatementType: "CREATE_VIEW", resultFile: "txt" }],
  [/^drop\s+table\b/, { statementType: "DDL", substatementType: "DROP_TABLE", resultFile: "txt" }],
  [/^drop\s+(database|schema)\b/, { statementType: "DDL", substatementType: "DROP_DATABASE", resultFile: "txt" }],
  [/^(create|drop|alter|msck)\b/, { statementType: "DDL", resultFile: "txt" }],
  [/^show\s+tables\b/, { statementType: "UTILITY", substatementType: "SHOW_TABLES", resultFile: "txt" }],
  [
    /^show\s+(databases|schemas)\b/,
    { statementType: "UTILITY", substatementType: "SHOW_DATABASES", resultFile: "txt" },
  ],
  [/^show\s+columns\b/, { statementType: "UTILITY", substatementType: "SHOW_COLUMNS", resultFile: "txt" }],
  [/^show\s+partitions\b/, { statementType: "UTILITY", substatementType: "SHOW_PARTITIONS", resultFile: "txt" }],
  [/^show\s+create\s+table\b/, { statementType: "UTILITY", substatementType: "SHOW_CREATE_TABLE", resultFile: "txt" }],
  [/^(describe|desc)\b/, { statementType: "UTILITY", substatementType: "DESCRIBE_TABLE", resultFile: "txt" }],
  [/^show\b/, { statementType: "UTILITY", resultFile: "txt" }],
];

/**
 * Classifies a query by its leading keywords the way `GetQueryExecution` reports it. The emulator runs no SQL; this
 * only decides the reported types and the result file's name. Unknown statements count as DML (a `.csv` result).
 */
export function classifyStatement(query: string): StatementKind {
  const head = stripLeading(query).toLowerCase();
  for (const [pattern, kind] of RULES) if (pattern.test(head)) return kind;
  return { statementType: "DML", resultFile: "csv" };
}
