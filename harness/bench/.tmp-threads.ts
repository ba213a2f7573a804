import { readdirSync, readFileSync } from "node:fs";
import { benchE2e } from "./e2e-bench";
function threads() {
  const out: Record<string, number> = {};
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ms = (Number(f[11]) + Number(f[12])) * 10;
      const key = tid === String(process.pid) ? "main" : name;
      out[key] = (out[key] ?? 0) + ms;
    } catch {}
  }
  return out;
}
(async () => {
  const t0 = threads();
  const r = await benchE2e(Number(process.argv[2] ?? 5), Number(process.argv[3] ?? 64));
  const t1 = threads();
  console.log(JSON.stringify(r));
  const total = r.executions + Number(process.argv[3] ?? 64) * 3;
  for (const k of Object.keys(t1)) console.log(k.padEnd(20), ((t1[k]! - (t0[k] ?? 0)) / total).toFixed(2), "ms/exec");
})();
