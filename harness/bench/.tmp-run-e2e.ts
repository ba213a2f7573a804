import { benchE2e } from "/work/main/harness/bench/e2e-bench";
const secs = Number(process.argv[2] ?? 3);
const conc = Number(process.argv[3] ?? 16);
benchE2e(secs, conc).then(
  (r) => console.log(JSON.stringify(r)),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
