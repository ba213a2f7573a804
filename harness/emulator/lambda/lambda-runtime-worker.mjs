// @ts-check
/**
 * The Node.js Lambda runtime, as it runs inside one execution environment (a worker thread started by
 * `execution-environment.ts`). Plain JavaScript on purpose: worker threads run outside jest/tsx, so this file must be
 * loadable by bare Node without a TypeScript loader.
 *
 * It re-implements, from its observable behaviour, what AWS's Node.js runtime interface client
 * (aws/aws-lambda-nodejs-runtime-interface-client) does between the Runtime API and the handler:
 * - handler resolution (`dir/file.nested.fn`, extension-less / `.js` / `.mjs` / `.cjs`, package.json `type: module`,
 *   `Runtime.ImportModuleError`, `Runtime.HandlerNotFound`, `Runtime.MalformedHandlerName`,
 *   `Runtime.UserCodeSyntaxError`; nodejs24.x rejects callback handlers with `Runtime.CallbackHandlerDeprecated`);
 * - the invocation contract: async handlers settle the invocation when their promise settles; callback handlers
 *   complete once the event loop is empty unless `context.callbackWaitsForEmptyEventLoop = false`; a non-async handler
 *   that neither returns a promise nor calls back completes with `null` once the loop is empty; an async handler whose
 *   promise can never settle (empty loop) fails with `Runtime.NodeJsExit`;
 * - error documents `{errorType, errorMessage, trace}`; an uncaught exception or unhandled rejection during an
 *   invocation is reported as that invocation's error and then kills the environment (exit 129 / 128);
 * - console lines in the runtime's text format (`<ISO time>\t<request id>\t<LEVEL>\t<message>`).
 *
 * Messages to the parent: `ready`, `init-error`, `log`, `result`, `fatal`. Messages from the parent: `invoke`.
 */
import { parentPort, workerData } from "node:worker_threads";
import fs from "node:fs";
import path from "node:path";
import util from "node:util";
import v8 from "node:v8";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

if (!parentPort) throw new Error("lambda-runtime-worker.mjs must run in a worker thread");
const port = parentPort;
/** CommonJS loading of handler modules, as the runtime does it. */
const loadCommonJs = createRequire(import.meta.url);

/** @type {{ taskRoot: string; handler: string; runtime: string; functionName: string; functionVersion: string; memorySize: number; logGroupName: string; logStreamName: string }} */
const spec = workerData;

/**
 * How long the loop must stay empty before the runtime's "loop drained" outcome applies to a handler that has not
 * completed (thread-pool work such as zlib or crypto is invisible to getActiveResourcesInfo, so a short gap is not
 * proof). Not needed once the handler called back and only waits for the loop to drain.
 */
const NODEJS_EXIT_CONFIRM_MS = 200;
/** How often the loop is looked at once a callback handler has called back (its completion waits on the loop). */
const POLL_MS = 1;
/**
 * How often the loop is looked at while the handler has not completed: only the confirmed outcome can come of it
 * then, and polling every millisecond would wake the thread throughout every invocation (CPU the host pays for).
 */
const CONFIRM_POLL_MS = 10;

/**
 * The invocation in progress.
 * @type {null | { id: string; done: boolean; onEmpty: null | (() => void); emptySince: number; emptyNeedsConfirm: boolean; timer?: NodeJS.Timeout }}
 */
let current = null;

// ---------------------------------------------------------------------------------------------------------------
// Output capture: everything the handler prints belongs to the invocation in progress (or to init).

/** @param {string} text */
function emit(text) {
  port.postMessage({ t: "log", id: current ? current.id : null, text });
}

/**
 * @param {unknown} chunk
 * @param {unknown} encoding
 * @param {unknown} cb
 */
function captureWrite(chunk, encoding, cb) {
  emit(typeof chunk === "string" ? chunk : Buffer.from(/** @type {Uint8Array} */ (chunk)).toString("utf8"));
  const done = typeof encoding === "function" ? encoding : cb;
  if (typeof done === "function") process.nextTick(done);
  return true;
}
process.stdout.write = /** @type {any} */ (captureWrite);
process.stderr.write = /** @type {any} */ (captureWrite);

/**
 * @param {string} level
 * @returns {(...args: unknown[]) => void}
 */
function consoleLine(level) {
  return (...args) => {
    emit(`${new Date().toISOString()}\t${current ? current.id : "undefined"}\t${level}\t${util.format(...args)}\n`);
  };
}
console.log = consoleLine("INFO");
console.info = consoleLine("INFO");
console.warn = consoleLine("WARN");
console.error = consoleLine("ERROR");
console.debug = consoleLine("DEBUG");
console.trace = (...args) => {
  const stack = (new Error().stack ?? "").split("\n").slice(2).join("\n");
  consoleLine("TRACE")(`Trace: ${util.format(...args)}\n${stack}`);
};

// ---------------------------------------------------------------------------------------------------------------
// Error documents

/**
 * @param {string} name  without the `Runtime.` prefix
 * @param {string} message
 */
function runtimeError(name, message) {
  const err = new Error(message);
  err.name = `Runtime.${name}`;
  // Re-capture so that the first stack line carries the runtime name, as the runtime's own error classes do.
  err.stack = `${err.name}: ${message}\n${(new Error().stack ?? "").split("\n").slice(2).join("\n")}`;
  return err;
}

/** @param {unknown} value */
function isErrorLike(value) {
  if (typeof value !== "object" || value === null) return false;
  const v = /** @type {Record<string, unknown>} */ (value);
  return typeof v.name === "string" && typeof v.message === "string" && typeof v.stack === "string";
}

/**
 * The runtime's JSON error document.
 * @param {unknown} err
 * @returns {{ errorType: string; errorMessage: string; trace?: string[] }}
 */
function toErrorDocument(err) {
  try {
    if (util.types.isNativeError(err) || isErrorLike(err)) {
      const e = /** @type {Error} */ (err);
      return { errorType: e.name, errorMessage: e.message, trace: String(e.stack).split("\n") };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch {
    return {
      errorType: "handled",
      errorMessage:
        "callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack",
    };
  }
}

/**
 * The log line the runtime prints for a failed invocation (`Invoke Error`, `Uncaught Exception`, …).
 * @param {string} label
 * @param {unknown} err
 */
function logError(label, err) {
  const doc = toErrorDocument(err);
  const formatted = { errorType: doc.errorType, errorMessage: doc.errorMessage, stack: doc.trace ?? [] };
  emit(
    `${new Date().toISOString()}\t${current ? current.id : "undefined"}\tERROR\t${label} \t${JSON.stringify(formatted)}\n`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Handler loading

/** @param {string} folder */
function packageTypeIsModule(folder) {
  for (let dir = folder; ;) {
    if (dir.endsWith(`${path.sep}node_modules`)) return false;
    const pj = path.join(dir, "package.json");
    if (fs.existsSync(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, "utf8")).type === "module";
      } catch {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return false;
    dir = parent;
  }
}

/** @param {string} file */
function requireIfExists(file) {
  return fs.existsSync(file) ? loadCommonJs(file) : undefined;
}

/** @param {string} file */
async function importIfExists(file) {
  return fs.existsSync(file) ? import(pathToFileURL(file).href) : undefined;
}

/**
 * @param {string} moduleRoot
 * @param {string} moduleName
 */
async function loadModule(moduleRoot, moduleName) {
  const base = path.resolve(spec.taskRoot, moduleRoot, moduleName);
  const extensionless = requireIfExists(base);
  if (extensionless) return extensionless;
  const esm = packageTypeIsModule(path.dirname(base));
  if (!esm) {
    const cjs = requireIfExists(`${base}.js`);
    if (cjs) return cjs;
  }
  const loaded =
    (esm && (await importIfExists(`${base}.js`))) ||
    (await importIfExists(`${base}.mjs`)) ||
    requireIfExists(`${base}.cjs`);
  if (loaded) return loaded;
  return loadCommonJs(
    loadCommonJs.resolve(moduleName, { paths: [spec.taskRoot, path.join(spec.taskRoot, moduleRoot)] }),
  );
}

/** @returns {Promise<Function>} */
async function loadHandler() {
  const full = spec.handler;
  if (full.includes("..")) {
    throw runtimeError(
      "MalformedHandlerName",
      `'${full}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const handlerString = path.posix.basename(full);
  const moduleRoot = full.substring(0, full.indexOf(handlerString));
  const match = /^([^.]*)\.(.*)$/.exec(handlerString);
  if (!match || match[1] === undefined || match[2] === undefined)
    throw runtimeError("MalformedHandlerName", "Bad handler");
  const [, moduleName, handlerPath] = match;

  /** @type {any} */
  let mod;
  try {
    mod = await loadModule(moduleRoot, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) {
      const err = runtimeError("UserCodeSyntaxError", String(e));
      err.stack = e.stack;
      throw err;
    }
    const code = /** @type {{ code?: unknown }} */ (e)?.code;
    if (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND")
      throw runtimeError("ImportModuleError", String(e));
    throw e;
  }
  /** @param {any} root */
  const find = (root) =>
    handlerPath
      .split(".")
      .reduce(
        (obj, key) => (obj && (typeof obj === "object" || typeof obj === "function") ? obj[key] : undefined),
        root,
      );
  let fn = find(mod);
  if (!fn && mod && typeof mod === "object" && "default" in mod) fn = find(mod.default);
  if (!fn) throw runtimeError("HandlerNotFound", `${full} is undefined or not exported`);
  if (typeof fn !== "function") throw runtimeError("HandlerNotFound", `${full} is not a function`);
  if (spec.runtime === "nodejs24.x" && fn.length >= 3) {
    throw runtimeError(
      "CallbackHandlerDeprecated",
      "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.",
    );
  }
  return fn;
}

// ---------------------------------------------------------------------------------------------------------------
// The event loop watcher: the worker stays alive through its message port, so "the loop is empty" means that
// nothing but that one port keeps it alive.

function loopIsEmpty() {
  let ports = 0;
  for (const resource of process.getActiveResourcesInfo()) {
    if (resource === "MessagePort" && ports === 0) ports++;
    else return false;
  }
  return true;
}

/** (Re)arms the watcher of the invocation in progress, at the pace its pending outcome needs. */
function watchLoop() {
  const inv = current;
  if (!inv || inv.done) return;
  clearTimeout(inv.timer);
  const timer = setTimeout(
    () => {
      if (current !== inv || inv.done) return;
      if (inv.onEmpty && loopIsEmpty()) {
        const now = Date.now();
        if (inv.emptySince === 0) inv.emptySince = now;
        if (!inv.emptyNeedsConfirm || now - inv.emptySince >= NODEJS_EXIT_CONFIRM_MS) {
          const fire = inv.onEmpty;
          inv.onEmpty = null;
          fire();
        }
      } else {
        inv.emptySince = 0;
      }
      watchLoop();
    },
    inv.emptyNeedsConfirm ? CONFIRM_POLL_MS : POLL_MS,
  );
  timer.unref();
  inv.timer = timer;
}

// ---------------------------------------------------------------------------------------------------------------
// Invocations

/** @type {Function | undefined} */
let handlerFn;
let handlerIsAsync = false;

/**
 * @param {{ id: string; event: string; deadline: number; invokedFunctionArn: string; clientContext?: unknown }} msg
 */
function invoke(msg) {
  const inv = {
    id: msg.id,
    done: false,
    onEmpty: /** @type {null | (() => void)} */ (null),
    emptySince: 0,
    emptyNeedsConfirm: false,
  };
  current = inv;

  /** @param {unknown} result */
  const succeed = (result) => {
    if (inv.done) {
      console.error(
        "Invocation has already been reported as done. Cannot call complete more than once per invocation.",
      );
      return;
    }
    let payload;
    try {
      payload = JSON.stringify(result === undefined ? null : result);
    } catch {
      fail(runtimeError("JSONStringifyError", "Unable to stringify response body"));
      return;
    }
    inv.done = true;
    inv.onEmpty = null;
    clearTimeout(inv.timer);
    port.postMessage({ t: "result", id: inv.id, ok: true, payload, heapMb: heapMb() });
  };
  /** @param {unknown} err */
  const fail = (err) => {
    if (inv.done) return;
    const value = err === undefined || err === null ? "handled" : err;
    logError("Invoke Error", value);
    inv.done = true;
    inv.onEmpty = null;
    clearTimeout(inv.timer);
    port.postMessage({ t: "result", id: inv.id, ok: false, error: toErrorDocument(value), heapMb: heapMb() });
  };

  let finished = false;
  /** @template {(...a: any[]) => void} F @param {F} fn @returns {F} */
  const once = (fn) =>
    /** @type {F} */ (
      (...args) => {
        if (finished) return;
        finished = true;
        fn(...args);
      }
    );

  let waitsForEmptyLoop = true;
  /** @param {unknown} err @param {unknown} result */
  const done = (err, result) => (err !== undefined && err !== null ? fail(err) : succeed(result));
  /** @param {unknown} err @param {unknown} result */
  const callback = (err, result) => {
    if (err !== undefined && err !== null) return fail(err);
    if (!waitsForEmptyLoop) return succeed(result);
    inv.emptyNeedsConfirm = false;
    inv.onEmpty = () => succeed(result);
    if (current === inv) watchLoop();
  };

  const context = {
    get callbackWaitsForEmptyEventLoop() {
      return waitsForEmptyLoop;
    },
    set callbackWaitsForEmptyEventLoop(value) {
      waitsForEmptyLoop = Boolean(value);
    },
    succeed: once(/** @param {unknown} r */ (r) => done(null, r)),
    fail: once(/** @param {unknown} e */ (e) => done(e === undefined || e === null ? "handled" : e, null)),
    done: once(done),
    functionName: spec.functionName,
    functionVersion: spec.functionVersion,
    invokedFunctionArn: msg.invokedFunctionArn,
    memoryLimitInMB: String(spec.memorySize),
    awsRequestId: msg.id,
    logGroupName: spec.logGroupName,
    logStreamName: spec.logStreamName,
    clientContext: msg.clientContext,
    identity: undefined,
    getRemainingTimeInMillis: () => Math.max(0, msg.deadline - Date.now()),
  };

  // Until the handler completes some other way, an empty event loop ends the invocation as the runtime's
  // beforeExit listener would: `null` for a plain function, Runtime.NodeJsExit for an async one. Confirmed over a
  // window, because pending thread-pool work (zlib, crypto) does not show as an active resource.
  inv.emptyNeedsConfirm = true;
  inv.onEmpty = handlerIsAsync
    ? () =>
        fail(
          runtimeError(
            "NodeJsExit",
            "The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes",
          ),
        )
    : () => succeed(null);

  try {
    const event = JSON.parse(msg.event);
    const result = /** @type {Function} */ (handlerFn)(event, context, once(callback));
    if (result && typeof result.then === "function") {
      result.then(once(succeed), once(fail)).catch(once(fail));
    }
  } catch (err) {
    once(callback)(err);
  }
  watchLoop();
}

function heapMb() {
  return Math.ceil(v8.getHeapStatistics().used_heap_size / (1024 * 1024));
}

process.on("uncaughtException", (err) => {
  logError("Uncaught Exception", err);
  port.postMessage({
    t: "fatal",
    id: current && !current.done ? current.id : null,
    error: toErrorDocument(err),
    exitCode: 129,
  });
  process.exit(129);
});

process.on("unhandledRejection", (reason) => {
  const err = runtimeError("UnhandledPromiseRejection", String(reason));
  logError("Unhandled Promise Rejection", err);
  port.postMessage({
    t: "fatal",
    id: current && !current.done ? current.id : null,
    error: toErrorDocument(err),
    exitCode: 128,
  });
  process.exit(128);
});

port.on("message", (msg) => {
  if (msg && msg.t === "invoke") invoke(msg);
});

(async () => {
  const started = performance.now();
  try {
    handlerFn = await loadHandler();
    handlerIsAsync = handlerFn.constructor?.name === "AsyncFunction";
    port.postMessage({ t: "ready", initMs: performance.now() - started });
  } catch (err) {
    logError("Init Error", err);
    port.postMessage({ t: "init-error", error: toErrorDocument(err) });
  }
})();
