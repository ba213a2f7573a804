import { runtimeError, type StatesError } from "./errors";

/**
 * Distributed Map `ItemBatcher`: groups the (ItemSelector-processed) items into batches, each one child execution's
 * input `{ "BatchInput": …, "Items": [...] }`, as Step Functions does.
 *
 * Facts (AWS docs "ItemBatcher (Map)"; AWS-recorded executions in LocalStack's test_base_scenarios
 * test_map_item_batching_base_json_max_per_batch_jsonata and test_assign_reference_variables
 * MAP_STATE_REFERENCE_IN_MAX_PER_BATCH_PATH, commit 8b9a79f):
 * - Without `BatchInput` a batch is `{"Items": [...]}` (no BatchInput key); with it, `BatchInput` comes first.
 * - The Map's result is one entry per batch (the child executions' outputs), not per item.
 * - MaxItemsPerBatch / MaxInputBytesPerBatch must be positive integers; numeric strings count when they come
 *   from a path or a variable ("2" and "15000" in the recording). With both, a batch stops at whichever limit it
 *   reaches first; the byte size is that of the whole child input (BatchInput included) and is at most 256 KiB,
 *   the payload limit of a child execution.
 */

/** The largest child input a batch may be (AWS: MaxInputBytesPerBatch up to 256 KiB). */
export const MAX_BATCH_BYTES = 262_144;

/** The evaluated limits of an ItemBatcher; an absent one does not limit. */
export interface BatchLimits {
  maxItems?: number;
  maxBytes?: number;
}

/** One child execution's input under an ItemBatcher. */
export interface Batch {
  BatchInput?: unknown;
  Items: unknown[];
}

/**
 * Checks one evaluated limit: a positive integer (numeric strings accepted); anything else is a States.Runtime
 * naming the field and the value, since AWS requires positive integers here.
 */
export function batchLimit(field: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  let v = value;
  if (typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))) v = Number(v);
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) {
    throw runtimeError(`The ItemBatcher field ${field} must be a positive integer but was: ${JSON.stringify(value)}`);
  }
  return v;
}

/** The UTF-8 size of a value's JSON text. */
function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? "null", "utf8");
}

/**
 * Splits the items into batches in order: a batch takes items until it holds `maxItems` or the next item would
 * make the child input larger than `maxBytes` (default and ceiling {@link MAX_BATCH_BYTES}). An item that does not
 * fit in a batch by itself fails with a States.Runtime naming its index.
 */
export function batchItems(items: unknown[], batchInput: unknown, limits: BatchLimits): Batch[] {
  const maxItems = limits.maxItems ?? Number.POSITIVE_INFINITY;
  const maxBytes = Math.min(limits.maxBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
  const shell = (): Batch => (batchInput === undefined ? { Items: [] } : { BatchInput: batchInput, Items: [] });
  const emptyBytes = jsonBytes(shell());
  const batches: Batch[] = [];
  let current = shell();
  let bytes = emptyBytes;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    const itemBytes = jsonBytes(item);
    const added = (n: number) => itemBytes + (n > 0 ? 1 : 0);
    if (
      current.Items.length > 0 &&
      (current.Items.length >= maxItems || bytes + added(current.Items.length) > maxBytes)
    ) {
      batches.push(current);
      current = shell();
      bytes = emptyBytes;
    }
    if (bytes + added(current.Items.length) > maxBytes) {
      throw itemTooLarge(index, emptyBytes + itemBytes, maxBytes);
    }
    bytes += added(current.Items.length);
    current.Items.push(item);
  }
  if (current.Items.length > 0) batches.push(current);
  return batches;
}

function itemTooLarge(index: number, size: number, maxBytes: number): StatesError {
  return runtimeError(
    `The item at index ${index} makes a batch of ${size} bytes, more than the ItemBatcher allows (${maxBytes} bytes): raise MaxInputBytesPerBatch (at most ${MAX_BATCH_BYTES}) or make the item smaller`,
  );
}
