import { StatesError } from "./errors";

/**
 * Distributed Map `ItemReader`: turns an S3 object (CSV, JSON, JSON Lines) or an S3 listing into the Map's items, as
 * Step Functions does. The S3 calls themselves go through the engine's integrations (`s3:getObject` returns the body
 * text, `s3:listObjectsV2` the SDK-shaped listing); this module only decides what to call and how to parse it.
 *
 * Facts (AWS docs "ItemReader (Map)"; AWS-recorded executions in LocalStack's test_base_scenarios
 * test_map_item_reader_*, commit 8b9a79f):
 * - CSV fields are strings keyed by header; a short row is padded with "", extra fields are dropped; duplicate
 *   headers fail with `States.ItemReaderFailed` "CSV headers cannot contain duplicates.".
 * - A JSON file that is not an array fails with "Attempting to map over non-iterable node.".
 * - MaxItems 0 means no limit, larger than 100,000,000 is capped, negative (via MaxItemsPath) fails with
 *   "field MaxItems must be positive".
 * - listObjectsV2 items are `{Etag, Key, LastModified (epoch seconds), Size, StorageClass}`.
 */

/** The `ReaderConfig` of an ItemReader after its JSONata / path fields were evaluated. */
export interface ReaderConfig {
  InputType?: string;
  CSVHeaderLocation?: string;
  CSVHeaders?: unknown;
  CSVDelimiter?: string;
  Transformation?: string;
  ManifestType?: string;
}

/** The S3 actions an ItemReader calls; answered by the engine's integrations. */
export type ItemReaderAction = "getObject" | "listObjectsV2";

/** Calls one S3 action through the integrations; rejects with the service's {@link StatesError}. */
export type ItemReaderCall = (action: ItemReaderAction, parameters: Record<string, unknown>) => Promise<unknown>;

/** AWS stops reading after this many items (and MaxItems 0 means this many). */
export const MAX_ITEMS_LIMIT = 100_000_000;

/** Delimiters `CSVDelimiter` accepts (AWS docs: COMMA default, PIPE, SEMICOLON, SPACE, TAB). */
export const CSV_DELIMITERS: Record<string, string> = { COMMA: ",", PIPE: "|", SEMICOLON: ";", SPACE: " ", TAB: "\t" };

/** `States.ItemReaderFailed`: the error of every failure to read the item source. */
export function itemReaderFailed(cause: string): StatesError {
  return new StatesError("States.ItemReaderFailed", cause);
}

/**
 * The effective item limit: 0 → no limit (100,000,000), above the limit → the limit. A negative value fails the Map
 * Run (AWS: test_map_item_reader_csv_max_items_paths[-1]).
 */
export function effectiveMaxItems(maxItems: number | undefined): number {
  if (maxItems === undefined || maxItems === 0) return MAX_ITEMS_LIMIT;
  if (maxItems < 0) throw itemReaderFailed("field MaxItems must be positive");
  return Math.min(maxItems, MAX_ITEMS_LIMIT);
}

/** The S3 action of an ItemReader `Resource` (`arn:<partition>:states:::s3:getObject`), or undefined. */
export function itemReaderAction(resource: unknown): ItemReaderAction | undefined {
  const m = /^arn:[^:]+:states:[^:]*:[^:]*:s3:(getObject|listObjectsV2)$/.exec(String(resource));
  return m ? (m[1] as ItemReaderAction) : undefined;
}

/**
 * Reads the items: one `getObject` parsed per `InputType`, or `listObjectsV2` pages until the listing is complete,
 * cut at `maxItems` (already {@link effectiveMaxItems}). Failures are `States.ItemReaderFailed`.
 */
export async function readItems(
  action: ItemReaderAction,
  parameters: Record<string, unknown>,
  config: ReaderConfig | undefined,
  maxItems: number,
  call: ItemReaderCall,
): Promise<unknown[]> {
  if (action === "listObjectsV2") {
    if (config?.Transformation !== undefined && config.Transformation !== "NONE") {
      throw itemReaderFailed(`ReaderConfig.Transformation '${config.Transformation}' is not supported by this engine`);
    }
    return listObjects(parameters, maxItems, call);
  }
  const inputType = config?.InputType;
  if (inputType === undefined) throw itemReaderFailed("ReaderConfig.InputType is required to read s3:getObject");
  if (config?.ManifestType !== undefined) {
    throw itemReaderFailed(`ReaderConfig.ManifestType '${config.ManifestType}' is not supported by this engine`);
  }
  const text = await getObjectText(parameters, call);
  switch (inputType) {
    case "CSV":
      return csvItems(text, config!, maxItems);
    case "JSON":
      return jsonItems(text, maxItems);
    case "JSONL":
      return jsonlItems(text, maxItems);
    default:
      throw itemReaderFailed(
        `ReaderConfig.InputType '${inputType}' is not supported by this engine (CSV, JSON, JSONL)`,
      );
  }
}

async function getObjectText(parameters: Record<string, unknown>, call: ItemReaderCall): Promise<string> {
  const out = await failAsReader(call("getObject", parameters));
  if (typeof out === "string") return out;
  if (out && typeof out === "object" && typeof (out as { Body?: unknown }).Body === "string") {
    return (out as { Body: string }).Body;
  }
  throw itemReaderFailed(`s3:getObject returned no object body for key '${String(parameters.Key)}'`);
}

/** A service failure while reading becomes `States.ItemReaderFailed` with the service's message as cause. */
async function failAsReader<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (e instanceof StatesError) {
      if (e.error === "States.ItemReaderFailed" || e.error === "States.Runtime") throw e;
      throw itemReaderFailed(e.cause ?? e.error);
    }
    throw itemReaderFailed(e instanceof Error ? e.message : String(e));
  }
}

async function listObjects(
  parameters: Record<string, unknown>,
  maxItems: number,
  call: ItemReaderCall,
): Promise<unknown[]> {
  const items: unknown[] = [];
  let token: string | undefined;
  for (;;) {
    const page = (await failAsReader(
      call("listObjectsV2", token === undefined ? parameters : { ...parameters, ContinuationToken: token }),
    )) as { Contents?: unknown[]; IsTruncated?: boolean; NextContinuationToken?: string } | undefined;
    for (const obj of page?.Contents ?? []) {
      if (items.length >= maxItems) return items;
      items.push(listedObjectItem(obj as Record<string, unknown>));
    }
    if (!page?.IsTruncated || !page.NextContinuationToken || items.length >= maxItems) return items;
    token = page.NextContinuationToken;
  }
}

/**
 * One `listObjectsV2` item as a child execution receives it (AWS docs: `{"Etag": "\"0570…\"", "Key": …,
 * "LastModified": 1668699881, "Size": 34910, "StorageClass": "STANDARD"}`): the ETag with its quotes, the
 * modification time in epoch seconds.
 */
export function listedObjectItem(obj: Record<string, unknown>): Record<string, unknown> {
  const modified = obj.LastModified;
  const ms =
    typeof modified === "number"
      ? modified * 1000
      : modified instanceof Date
        ? modified.getTime()
        : Date.parse(String(modified));
  return {
    Etag: obj.ETag ?? obj.Etag,
    Key: obj.Key,
    LastModified: Number.isFinite(ms) ? Math.floor(ms / 1000) : modified,
    Size: obj.Size,
    StorageClass: obj.StorageClass ?? "STANDARD",
  };
}

/** The items of a JSON file: its top-level array (AWS: anything else is "Attempting to map over non-iterable node."). */
export function jsonItems(text: string, maxItems: number): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw itemReaderFailed(`The JSON file could not be parsed: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!Array.isArray(value)) throw itemReaderFailed("Attempting to map over non-iterable node.");
  return value.slice(0, maxItems);
}

/** The items of a JSON Lines file: one JSON value per non-blank line. */
export function jsonlItems(text: string, maxItems: number): unknown[] {
  const items: unknown[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length && items.length < maxItems; i++) {
    const line = lines[i]!;
    if (line.trim() === "") continue;
    try {
      items.push(JSON.parse(line));
    } catch (e) {
      throw itemReaderFailed(
        `The JSONL file could not be parsed at line ${i + 1}: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }
  return items;
}

/** The items of a delimited file: one object per data row, values as strings keyed by header. */
export function csvItems(text: string, config: ReaderConfig, maxItems: number): Array<Record<string, string>> {
  const delimiterName = config.CSVDelimiter ?? "COMMA";
  const delimiter = CSV_DELIMITERS[delimiterName];
  if (delimiter === undefined) {
    throw itemReaderFailed(
      `ReaderConfig.CSVDelimiter '${delimiterName}' is not one of ${Object.keys(CSV_DELIMITERS).join(", ")}`,
    );
  }
  const rows = parseDelimited(text, delimiter);
  let headers: string[];
  let start = 0;
  const location = config.CSVHeaderLocation ?? "FIRST_ROW";
  if (location === "FIRST_ROW") {
    headers = rows[0] ?? [];
    start = 1;
  } else if (location === "GIVEN") {
    if (!Array.isArray(config.CSVHeaders) || !config.CSVHeaders.every((h) => typeof h === "string")) {
      throw itemReaderFailed("ReaderConfig.CSVHeaders must be an array of strings when CSVHeaderLocation is GIVEN");
    }
    headers = config.CSVHeaders as string[];
  } else {
    throw itemReaderFailed(`ReaderConfig.CSVHeaderLocation '${location}' is not FIRST_ROW or GIVEN`);
  }
  if (new Set(headers).size < headers.length) throw itemReaderFailed("CSV headers cannot contain duplicates.");
  const items: Array<Record<string, string>> = [];
  for (let r = start; r < rows.length && items.length < maxItems; r++) {
    const row = rows[r]!;
    const item: Record<string, string> = {};
    headers.forEach((h, i) => (item[h] = row[i] ?? ""));
    items.push(item);
  }
  return items;
}

/**
 * Splits delimited text into records and fields by AWS's documented rules: newlines separate records (blank lines
 * are skipped), double quotes enclose fields that may hold delimiters and newlines, `""` inside quotes is a quote,
 * a backslash escapes a backslash, a quote or the delimiter, and is dropped before any other character.
 */
export function parseDelimited(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let touched = false;
  let quoted = false;
  const n = text.length;
  const endRecord = () => {
    if (touched || row.length > 0) {
      row.push(field);
      rows.push(row);
    }
    row = [];
    field = "";
    touched = false;
  };
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (c === "\\") {
      // The escaped character is kept literally; a trailing backslash is dropped.
      if (i + 1 < n) field += text[++i];
      touched = true;
      continue;
    }
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
      continue;
    }
    if (c === '"') {
      quoted = true;
      touched = true;
    } else if (c === delimiter) {
      row.push(field);
      field = "";
      touched = true;
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      endRecord();
    } else {
      field += c;
      touched = true;
    }
  }
  endRecord();
  return rows;
}
