/**
 * The bytes Athena writes to the `OutputLocation` and the `ColumnInfo` it reports, reproduced from measurements of
 * real Athena (engine version 3) published by others (see README notes in the report):
 * - `<id>.csv`: a header line, every non-NULL value double-quoted with `"` doubled, NULL as an empty unquoted field,
 *   `\n` after every line (the last one too), UTF-8 without BOM; a query without rows writes only the header.
 * - `<id>.txt` (DDL, SHOW, DESCRIBE): the rows joined with `\n`, columns with a tab, no header, no final newline.
 * - `<id>.csv.metadata`: protobuf without a published schema (field numbers as read by the Athena JDBC drivers):
 *   1 = engine query id, 4 = one message per column {1 catalog, 4 name, 5 label, 6 type, 7 precision, 8 scale,
 *   9 nullable (3 = UNKNOWN), 10 case sensitive}; 7, 8 and 10 are present or not depending on the type.
 */

/** `ColumnInfo` as `GetQueryResults` returns it (and as the `.metadata` file encodes it). */
export interface AthenaColumnInfo {
  CatalogName: string;
  SchemaName: string;
  TableName: string;
  Name: string;
  Label: string;
  Type: string;
  Precision: number;
  Scale: number;
  Nullable: "UNKNOWN";
  CaseSensitive: boolean;
}

const UNBOUNDED_VARCHAR = 2_147_483_647;

/** Athena's `ColumnInfo` for a column of the given (lower-case, possibly parameterised) type. */
export function columnInfo(name: string, type: string): AthenaColumnInfo {
  // `decimal(10, 2)` → decimal, 10, 2; `timestamp(3) with time zone` → timestamp with time zone; `array(integer)` → array.
  const base = type
    .replace(/\(.*\)/, "")
    .replace(/\s+/g, " ")
    .trim();
  const params = /^[a-z0-9_ ]+\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)/.exec(type);
  const p = params?.[1] === undefined ? undefined : Number(params[1]);
  const s = params?.[2] === undefined ? undefined : Number(params[2]);
  let athenaType = base;
  let precision = 0;
  let scale = 0;
  let caseSensitive = false;
  switch (base) {
    case "tinyint":
      precision = 3;
      break;
    case "smallint":
      precision = 5;
      break;
    case "int":
    case "integer":
      athenaType = "integer";
      precision = 10;
      break;
    case "bigint":
      precision = 19;
      break;
    case "real":
    case "float":
      athenaType = "float";
      precision = 17;
      break;
    case "double":
      precision = 17;
      break;
    case "decimal":
      precision = p ?? 0;
      scale = s ?? 0;
      break;
    case "string":
    case "varchar":
      athenaType = base === "string" ? "string" : "varchar";
      precision = base === "string" ? 0 : (p ?? UNBOUNDED_VARCHAR);
      caseSensitive = base === "varchar";
      break;
    case "char":
      precision = p ?? 1;
      caseSensitive = true;
      break;
    case "varbinary":
      precision = 1_073_741_824;
      break;
    case "timestamp":
    case "timestamp with time zone":
    case "time":
    case "time with time zone":
      precision = 3;
      break;
  }
  return {
    CatalogName: "hive",
    SchemaName: "",
    TableName: "",
    Name: name,
    Label: name,
    Type: athenaType,
    Precision: precision,
    Scale: scale,
    Nullable: "UNKNOWN",
    CaseSensitive: caseSensitive,
  };
}

function quote(value: string | null): string {
  return value === null ? "" : `"${value.replace(/"/g, '""')}"`;
}

/** `<id>.csv` exactly as Athena writes it for a SELECT. */
export function formatAthenaCsv(header: string[], rows: Array<Array<string | null>>): string {
  return [header, ...rows].map((row) => row.map(quote).join(",") + "\n").join("");
}

/** `<id>.txt` as Athena writes it for DDL and utility statements: no header, tab-separated, no final newline. */
export function formatAthenaText(rows: Array<Array<string | null>>): string {
  return rows.map((row) => row.map((v) => v ?? "").join("\t")).join("\n");
}

/**
 * Reads a CSV in Athena's dialect (also plain RFC 4180): the first record is the header; quoted fields may hold
 * commas, doubled quotes and newlines; an unquoted empty field is NULL. Accepts `\n` or `\r\n`; a final newline is
 * optional.
 * @throws Error naming the line of the problem.
 */
export function parseAthenaCsv(text: string): { header: string[]; rows: Array<Array<string | null>> } {
  const records: Array<{ line: number; fields: Array<string | null> }> = [];
  let fields: Array<string | null> = [];
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const endRecord = () => {
    records.push({ line: recordLine, fields });
    fields = [];
  };
  if (text.length === 0) throw new Error("the CSV is empty; the first line must be the header");
  for (;;) {
    // At the start of a field.
    if (text[i] === '"') {
      let value = "";
      const opened = line;
      i++;
      for (;;) {
        if (i >= text.length) throw new Error(`line ${opened}: a quoted field is not closed`);
        const c = text[i]!;
        if (c === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (c === "\n") line++;
        value += c;
        i++;
      }
      fields.push(value);
      const next = text[i];
      if (next !== undefined && next !== "," && next !== "\n" && !(next === "\r" && text[i + 1] === "\n")) {
        throw new Error(
          `line ${line}: unexpected ${JSON.stringify(next)} after a closing quote (write "" for a quote)`,
        );
      }
    } else {
      let end = i;
      while (end < text.length && text[end] !== "," && text[end] !== "\n" && text[end] !== "\r") end++;
      const raw = text.slice(i, end);
      if (raw.includes('"')) throw new Error(`line ${line}: a quote inside an unquoted field (quote the whole field)`);
      if (text[end] === "\r" && text[end + 1] !== "\n") throw new Error(`line ${line}: a bare carriage return`);
      fields.push(raw === "" ? null : raw);
      i = end;
    }
    if (i >= text.length) {
      endRecord();
      break;
    }
    if (text[i] === ",") {
      i++;
      continue;
    }
    // A line break ends the record.
    i += text[i] === "\r" ? 2 : 1;
    line++;
    endRecord();
    recordLine = line;
    if (i >= text.length) break;
  }
  const [headerRecord, ...rest] = records;
  const header = headerRecord!.fields.map((name, c) => {
    if (name === null || name === "") throw new Error(`line 1: column ${c + 1} of the header has no name`);
    return name;
  });
  const rows = rest.map(({ line: at, fields: row }) => {
    if (row.length !== header.length) {
      throw new Error(`line ${at}: ${row.length} field(s), but the header has ${header.length}`);
    }
    return row;
  });
  return { header, rows };
}

function varint(out: number[], value: number): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

function lengthDelimited(out: number[], field: number, bytes: Uint8Array | number[]): void {
  varint(out, (field << 3) | 2);
  varint(out, bytes.length);
  for (const b of bytes) out.push(b);
}

function varintField(out: number[], field: number, value: number): void {
  varint(out, field << 3);
  varint(out, value);
}

/** Which of precision (7), scale (8) and case-sensitive (10) Athena writes for a type (by type, even when 0). */
function presentFields(type: string): [boolean, boolean, boolean] {
  switch (type) {
    case "tinyint":
    case "smallint":
    case "integer":
    case "bigint":
    case "double":
    case "float":
    case "decimal":
    case "varchar":
    case "char":
    case "varbinary":
    case "timestamp":
    case "time":
    case "timestamp with time zone":
    case "time with time zone":
      return [true, true, true];
    case "boolean":
    case "interval day to second":
    case "interval year to month":
      return [false, false, true];
    case "date":
      return [false, true, true];
    default:
      return [false, false, false];
  }
}

/** The `<id>.csv.metadata` companion file (protobuf) for a result with these columns. */
export function encodeResultMetadata(engineQueryId: string, columns: AthenaColumnInfo[]): Buffer {
  const utf8 = (s: string) => new TextEncoder().encode(s);
  const out: number[] = [];
  lengthDelimited(out, 1, utf8(engineQueryId));
  for (const column of columns) {
    const [hasPrecision, hasScale, hasCase] = presentFields(column.Type);
    const message: number[] = [];
    lengthDelimited(message, 1, utf8(column.CatalogName));
    lengthDelimited(message, 4, utf8(column.Name));
    lengthDelimited(message, 5, utf8(column.Label));
    lengthDelimited(message, 6, utf8(column.Type));
    if (hasPrecision) varintField(message, 7, column.Precision);
    if (hasScale) varintField(message, 8, column.Scale);
    varintField(message, 9, 3);
    if (hasCase) varintField(message, 10, column.CaseSensitive ? 1 : 0);
    lengthDelimited(out, 4, message);
  }
  return Buffer.from(out);
}

/**
 * An engine (Trino) query id in Athena's form, `20240101_120000_00042_abcde`, which is what the `.metadata` file of a
 * SELECT starts with. Derived from the completion time, a sequence number and the QueryExecutionId, so deterministic.
 */
export function engineQueryId(epochMs: number, sequence: number, queryExecutionId: string): string {
  const iso = new Date(epochMs).toISOString();
  const date = iso.slice(0, 10).replace(/-/g, "");
  const time = iso.slice(11, 19).replace(/:/g, "");
  const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  const hex = queryExecutionId.replace(/[^0-9a-f]/gi, "").padEnd(10, "0");
  let suffix = "";
  for (let k = 0; k < 5; k++) suffix += alphabet[parseInt(hex.slice(k * 2, k * 2 + 2), 16) % 36];
  return `${date}_${time}_${String(sequence % 100000).padStart(5, "0")}_${suffix}`;
}
